// Which passive packet source watches an interface (sources.packets.capture, `--capture`):
// the XDP guard's ring buffer when it works here, else libpcap (DESIGN.md, fallbacks). The XDP
// source is handed in as a factory, so this file does not depend on it; `auto` falls back to
// libpcap and says why, an explicit `xdp` that cannot start is an error naming why.

import { existsSync } from 'node:fs';
import type { CaptureMethod } from '../../config/defaults.js';
import { PalisadeError } from '../../errors.js';
import type { LivePacketSource, PacketHandler } from './packet-source.js';

/** Builds a source for an interface; starting it may throw (with the reason it is unavailable). */
export type LiveSourceFactory = (iface: string) => LivePacketSource;

export interface CaptureFactories {
  /** Absent when this build has no XDP capture source. */
  xdp?: LiveSourceFactory;
  pcap: LiveSourceFactory;
}

export interface CaptureChoice {
  source: LivePacketSource;
  method: 'xdp' | 'pcap';
  /** "XDP unavailable (<why>): using libpcap" when auto fell back, else null. */
  fallback: string | null;
}

/** Interface names the kernel accepts (IFNAMSIZ 16, no slash or whitespace). */
const IFNAME = /^[^/\s:]{1,15}$/;

/** True when the interface exists in this network namespace. */
export function interfaceExists(iface: string): boolean {
  return IFNAME.test(iface) && iface !== '.' && iface !== '..' && existsSync(`/sys/class/net/${iface}`);
}

/** Throws one clear error naming the interface when it does not exist here. */
export function checkInterface(iface: string): void {
  if (!interfaceExists(iface)) throw new PalisadeError('PALISADE_ERR_CAPTURE', `unknown interface '${iface}': no such network device here (see ip link)`);
}

function reason(err: unknown): string {
  return (err as Error).message ?? String(err);
}

/**
 * Starts the source for `method` on `iface`, delivering packets to `handler`. `auto`: XDP, and
 * when it cannot start (not built, not root, no BPF, attach refused) libpcap, with the reason in
 * `fallback`. A libpcap failure (bad filter, no permission) is always an error.
 */
export async function selectCapture(method: CaptureMethod, iface: string, f: CaptureFactories, handler: PacketHandler): Promise<CaptureChoice> {
  checkInterface(iface);
  let fallback: string | null = null;
  if (method === 'xdp' || method === 'auto') {
    let why: string;
    if (!f.xdp) why = 'this build has no XDP capture source';
    else {
      let src: LivePacketSource | null = null;
      try {
        src = f.xdp(iface);
        src.start(handler);
        return { source: src, method: 'xdp', fallback: null };
      } catch (err) {
        why = reason(err);
        await src?.stop().catch(() => undefined);
      }
    }
    if (method === 'xdp') throw new PalisadeError('PALISADE_ERR_CAPTURE', `--capture xdp on ${iface}: XDP unavailable (${why}); use --capture pcap or auto`);
    fallback = `XDP unavailable (${why}): using libpcap`;
  }
  const src = f.pcap(iface);
  src.start(handler);
  return { source: src, method: 'pcap', fallback };
}
