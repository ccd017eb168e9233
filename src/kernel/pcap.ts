// The addon's libpcap part (native/src/pcap.c) as typed functions: open a live capture on an
// interface, receive its packets in batches on the event loop, read its drop counters, close it.
// Native failures become one PalisadeError line naming the interface (and the filter).

import { PalisadeError } from '../errors.js';
import { requireNative } from './native.js';

/** Size of the per-record header in a batch: ts seconds, ts nanoseconds, caplen, wirelen (u32 LE each). */
export const PCAP_RECORD_HEADER = 16;

/**
 * A batch of `count` records packed back to back: [u32 sec][u32 nsec][u32 caplen][u32 wirelen]
 * [caplen bytes][pad to 4]. The Buffer is reused by the next batch: copy what you keep. `error`
 * is set once when capture stopped (interface gone, socket failure); no batch follows it.
 */
export type PcapBatchHandler = (batch: Buffer, count: number, error?: string) => void;

export interface PcapOpenOptions {
  /** Bytes of each packet kept, 64-65535 (default 256). */
  snaplen?: number;
  /** tcpdump-syntax capture filter; empty = every packet. */
  filter?: string;
  /** Promiscuous mode (default off: Palisade watches traffic to and from this host). */
  promisc?: boolean;
  /** Kernel capture buffer in bytes (default 4 MiB). */
  bufferSize?: number;
  /** Most records per batch (default 4096). */
  maxBatch?: number;
}

export interface PcapStats {
  /** Packets the kernel saw for this capture (pcap_stats ps_recv). */
  received: number;
  /** Dropped because the capture buffer was full (ps_drop). */
  dropped: number;
  /** Dropped by the interface or driver (ps_ifdrop). */
  ifDropped: number;
  /** Packets handed to JavaScript. */
  packets: number;
  batches: number;
  /** Why capture stopped, or null. */
  error: string | null;
}

interface PcapAddon {
  pcapOpen(iface: string, opts: PcapOpenOptions, onBatch: PcapBatchHandler): { handle: number; linktype: number; warning: string | null };
  pcapClose(handle: number): void;
  pcapStats(handle: number): PcapStats;
}

export interface PcapHandle {
  readonly handle: number;
  readonly iface: string;
  /** pcap_datalink (DLT) value, e.g. 1 = Ethernet; the decoder takes it as the link type. */
  readonly linktype: number;
  /** pcap_activate's warning, if any (e.g. promiscuous mode not supported). */
  readonly warning: string | null;
}

/** Opens a live capture; packets arrive through `onBatch` until closePcap. */
export function openPcap(iface: string, opts: PcapOpenOptions, onBatch: PcapBatchHandler): PcapHandle {
  let addon: PcapAddon;
  try {
    addon = requireNative<PcapAddon>();
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_CAPTURE', `libpcap capture on ${iface} is unavailable: ${(err as Error).message}`);
  }
  try {
    const r = addon.pcapOpen(iface, opts, onBatch);
    return { handle: r.handle, iface, linktype: r.linktype, warning: r.warning };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === 'ENODEV') throw new PalisadeError('PALISADE_ERR_CAPTURE', `unknown interface '${iface}': no such network device here`);
    if (e.code === 'EPERM') throw new PalisadeError('PALISADE_ERR_CAPTURE', `${e.message} (live capture needs root or CAP_NET_RAW)`);
    if (e.code === 'EINVAL' && opts.filter) throw new PalisadeError('PALISADE_ERR_CAPTURE', e.message);
    if (e.code && e.code !== 'ERR_INVALID_ARG_TYPE' && e.code !== 'ERR_OUT_OF_RANGE') throw new PalisadeError('PALISADE_ERR_CAPTURE', e.message);
    throw err;
  }
}

export function closePcap(h: PcapHandle): void {
  requireNative<PcapAddon>().pcapClose(h.handle);
}

export function pcapStats(h: PcapHandle): PcapStats {
  return requireNative<PcapAddon>().pcapStats(h.handle);
}
