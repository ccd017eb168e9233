// Passive live capture with libpcap: the fallback packet source when the XDP guard's ring buffer
// is not available (DESIGN.md, fallbacks). Packets come from the addon in batches; each record is
// put into the one reused PacketView (no copy: the view points into the batch Buffer) and handed
// to the handler. Passive: the handler's verdict is ignored (the packet has already gone by).

import { PacketView } from '../../decode/packet-view.js';
import { closePcap, openPcap, pcapStats, PCAP_RECORD_HEADER, type PcapHandle, type PcapOpenOptions } from '../../kernel/pcap.js';
import type { LivePacketSource, LiveSourceStatus, PacketHandler } from '../live/packet-source.js';

export interface PcapLiveOptions {
  /** Bytes of each packet handed to the engine (sources.packets.snaplen). */
  snaplen: number;
  /** tcpdump-syntax filter (sources.packets.pcap_filter); empty = everything. */
  filter: string;
  promisc?: boolean;
  bufferSize?: number;
  /** Called once when capture stops on its own (interface removed, socket failure). */
  onProblem?: (problem: string) => void;
}

export class PcapLiveSource implements LivePacketSource {
  readonly kind = 'pcap' as const;
  private h: PcapHandle | null = null;
  private readonly view = new PacketView();
  private packets = 0;
  private problem: string | null = null;
  /** Drop counters of the capture, kept after it is closed. */
  private lost = 0;
  private dv: DataView | null = null;
  private dvOf: Buffer | null = null;

  constructor(
    readonly iface: string,
    private readonly opts: PcapLiveOptions,
  ) {}

  /** The link type of the open capture (pcap_datalink), or -1 before start. */
  get linktype(): number {
    return this.h?.linktype ?? -1;
  }

  /** pcap_activate's warning, if any. */
  get warning(): string | null {
    return this.h?.warning ?? null;
  }

  /** Opens the capture (throws PalisadeError: unknown interface, bad filter, no permission) and starts delivery. */
  start(handler: PacketHandler): void {
    if (this.h) throw new Error(`pcap ${this.iface}: already started`);
    const o: PcapOpenOptions = { snaplen: this.opts.snaplen, filter: this.opts.filter, promisc: this.opts.promisc ?? false };
    if (this.opts.bufferSize !== undefined) o.bufferSize = this.opts.bufferSize;
    const view = this.view;
    this.h = openPcap(this.iface, o, (batch, count, error) => {
      if (count > 0) this.deliver(batch, count, view, handler);
      if (error !== undefined) {
        this.problem = error;
        this.opts.onProblem?.(error);
      }
    });
    view.linktype = this.h.linktype;
    view.iface = 0;
  }

  /** Fills the view from each record of a batch and calls the handler (kept small for the JIT). */
  private deliver(batch: Buffer, count: number, view: PacketView, handler: PacketHandler): void {
    if (this.dvOf !== batch) {
      this.dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
      this.dvOf = batch;
    }
    const dv = this.dv!;
    view.buf = batch;
    let off = 0;
    for (let i = 0; i < count; i++) {
      const caplen = dv.getUint32(off + 8, true);
      view.ts = dv.getUint32(off, true) + dv.getUint32(off + 4, true) / 1e9;
      view.caplen = caplen;
      view.wirelen = dv.getUint32(off + 12, true);
      view.frameOff = off + PCAP_RECORD_HEADER;
      view.index = ++this.packets;
      handler(view);
      off += PCAP_RECORD_HEADER + ((caplen + 3) & ~3);
    }
  }

  async stop(): Promise<void> {
    if (!this.h) return;
    this.lost = this.kernelLost();
    closePcap(this.h);
    this.h = null;
  }

  private kernelLost(): number {
    if (!this.h) return this.lost;
    try {
      const s = pcapStats(this.h);
      return s.dropped + s.ifDropped;
    } catch {
      return this.lost; // the interface is gone: keep the last count
    }
  }

  status(): LiveSourceStatus {
    this.lost = this.kernelLost();
    return { kind: 'pcap', name: `pcap ${this.iface}`, packets: this.packets, lost: this.lost, dropped: 0, problem: this.problem };
  }
}

/** The libpcap factory for selectCapture, from sources.packets (snaplen, pcap_filter). */
export function pcapFactory(s: { snaplen: number; pcap_filter: string }, onProblem?: (iface: string, problem: string) => void): (iface: string) => PcapLiveSource {
  return (iface) =>
    new PcapLiveSource(iface, {
      snaplen: s.snaplen,
      filter: s.pcap_filter,
      onProblem: onProblem ? (p) => onProblem(iface, p) : undefined,
    });
}
