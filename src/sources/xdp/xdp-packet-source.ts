// Live packets from the XDP guard's ring buffer: every Nth frame the guard passed (sample_rate),
// its first `snaplen` bytes, handed to the engine one record at a time through the one reused
// PacketView. Passive: the guard has already decided; the handler's verdict is ignored (blocks
// reach the kernel through the enforcer, not through this source).

import { PacketView } from '../../decode/packet-view.js';
import { PalisadeError } from '../../errors.js';
import { acquireXdpGuard, EVENT, MonoClock, releaseXdpGuard, type XdpGuard, type XdpGuardOptions, type XdpMode } from '../../kernel/xdp-guard.js';
import type { LivePacketSource, LiveSourceStatus, PacketHandler } from '../live/packet-source.js';

const LINKTYPE_ETHERNET = 1;

export interface XdpPacketSourceOptions {
  /** Every Nth passed packet (per CPU) is sampled; 0 = none (sources.packets.sample_rate). */
  sampleRate: number;
  /** Bytes of each frame (sources.packets.snaplen, capped at the guard's 512). */
  snaplen: number;
}

export class XdpPacketSource implements LivePacketSource {
  readonly kind = 'xdp' as const;
  private readonly view = new PacketView();
  private readonly clock = new MonoClock();
  private unsubscribe: (() => void) | null = null;
  private packets = 0;
  private stopped = false;

  /**
   * Over a guard someone else holds (the daemon shares one per interface with the xdp enforcer);
   * `owned` = this source releases it on stop (see open()).
   */
  constructor(
    readonly guard: XdpGuard,
    private readonly opts: XdpPacketSourceOptions,
    private readonly owned = false,
  ) {}

  /** Acquires the shared guard of `guard.iface` (loading and attaching it if nobody has) and wraps it. */
  static open(guard: XdpGuardOptions, opts: XdpPacketSourceOptions): XdpPacketSource {
    return new XdpPacketSource(acquireXdpGuard(guard), opts, true);
  }

  start(handler: PacketHandler): void {
    if (this.unsubscribe || this.stopped) return;
    const view = this.view;
    view.linktype = LINKTYPE_ETHERNET;
    view.iface = 0;
    this.unsubscribe = this.guard.subscribe((batch, count) => {
      view.buf = batch;
      let off = 0;
      for (let i = 0; i < count; i++) {
        const len = batch.readUInt32LE(off);
        const rec = off + 4;
        // Records hold at least the header; a shorter one would be a layout mismatch: skip it.
        if (len >= EVENT.size) {
          const caplen = batch.readUInt16LE(rec + EVENT.caplen);
          const ns = batch.readUInt32LE(rec + EVENT.ktime_ns) + batch.readUInt32LE(rec + EVENT.ktime_ns + 4) * 4294967296;
          view.frameOff = rec + EVENT.size;
          view.caplen = Math.min(caplen, len - EVENT.size);
          view.wirelen = batch.readUInt32LE(rec + EVENT.wirelen);
          view.ts = this.clock.wall(ns);
          view.index = ++this.packets;
          handler(view);
        }
        off += (4 + len + 7) & ~7;
      }
    });
    this.guard.setSampling(this.opts.sampleRate, this.opts.snaplen);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.guard.closed) {
      // Nobody reads the ring any more: stop the program from filling it.
      this.guard.setSampling(0, 0);
      this.unsubscribe?.();
    }
    this.unsubscribe = null;
    if (this.owned) releaseXdpGuard(this.guard);
  }

  status(): LiveSourceStatus {
    let lost = 0;
    let problem: string | null = null;
    try {
      if (!this.guard.closed) {
        lost = this.guard.stats().ringbuf_full.packets;
        if (this.unsubscribe && !this.guard.isAttached()) problem = `the XDP guard is no longer attached to ${this.guard.iface}`;
      } else if (!this.stopped) {
        problem = `the XDP guard of ${this.guard.iface} was closed`;
      }
    } catch (err) {
      problem = (err as Error).message;
    }
    return {
      kind: 'xdp',
      name: `xdp ${this.guard.describe()}`,
      packets: this.packets,
      lost,
      dropped: 0,
      problem,
    };
  }
}

/**
 * The daemon's and `palisade monitor`'s XDP capture factory (select-capture's LiveSourceFactory):
 * each interface's source acquires that interface's shared guard, sized like the xdp enforcer's
 * (policy.max_blocks), so both use the one program and its maps whichever starts first. A libpcap
 * filter is something only libpcap can apply: with one set, this factory declines (auto then
 * takes libpcap and says why).
 */
export function xdpFactory(c: {
  policy: { max_blocks: number };
  enforce: { xdp_mode: XdpMode };
  sources: { packets: { sample_rate: number; snaplen: number; pcap_filter: string } };
}): (iface: string) => XdpPacketSource {
  return (iface) => {
    const filter = c.sources.packets.pcap_filter;
    if (filter !== '') throw new PalisadeError('PALISADE_ERR_CAPTURE', `the XDP ring buffer cannot apply the libpcap filter '${filter}'`);
    return XdpPacketSource.open(
      { iface, mode: c.enforce.xdp_mode, maxBlocks: c.policy.max_blocks },
      { sampleRate: c.sources.packets.sample_rate, snaplen: c.sources.packets.snaplen },
    );
  };
}
