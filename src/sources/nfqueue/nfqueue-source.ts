// Inline packet source: packets the kernel queued on an NFQUEUE queue, each given its verdict by the
// handler (true = drop this very packet). The addon hands records over in batches; this file walks
// a batch, points the one PacketView at each packet (raw IP, no link header) and fills the verdicts.

import { LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '../../decode/decoder.js';
import { PacketView } from '../../decode/packet-view.js';
import { NFQ_DROP, NFQ_REC, NfQueue, type NfqStats } from '../../kernel/nfq.js';
import type { LivePacketSource, LiveSourceStatus, PacketHandler } from '../live/packet-source.js';

const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;

export interface NfqueueSourceOptions {
  queue: number;
  /** Accept when Palisade is gone or the queue overflows (false: drop = fail-closed). */
  failOpen: boolean;
  copyRange: number;
  maxLen: number;
  /** Take GSO super-packets unsegmented (default false: every segment is inspected). */
  gso?: boolean;
  maxBatch?: number;
  /** Socket receive buffer in bytes (default 64 MiB). */
  rcvbuf?: number;
}

/** Link type for the packet bytes of a record, from the hardware protocol the kernel reports. */
export function linktypeFor(hwProtocol: number): number {
  if (hwProtocol === ETH_P_IP) return LINKTYPE_IPV4;
  if (hwProtocol === ETH_P_IPV6) return LINKTYPE_IPV6;
  return LINKTYPE_RAW; // the decoder reads the IP version from the first byte
}

export class NfqueueSource implements LivePacketSource {
  readonly kind = 'nfqueue' as const;
  private q: NfQueue | null = null;
  private last: NfqStats | null = null;
  private readonly view = new PacketView();
  private dv: DataView | null = null;
  private dvBuf: Buffer | null = null;

  constructor(readonly options: NfqueueSourceOptions) {}

  /** Binds the queue; throws one line naming the queue when it cannot (see describeBindError). */
  start(handler: PacketHandler): void {
    if (this.q) throw new Error(`NFQUEUE queue ${this.options.queue} is already started`);
    const o = this.options;
    this.q = NfQueue.open(
      o.queue,
      { copyRange: o.copyRange, maxLen: o.maxLen, failOpen: o.failOpen, gso: o.gso ?? false, maxBatch: o.maxBatch ?? 1024, ...(o.rcvbuf !== undefined ? { rcvbuf: o.rcvbuf } : {}) },
      (batch, count, verdicts) => this.onBatch(batch, count, verdicts, handler),
    );
  }

  private onBatch(batch: Buffer, count: number, verdicts: Uint8Array, handler: PacketHandler): void {
    // The addon reuses one Buffer for every batch: one DataView serves them all.
    if (this.dvBuf !== batch) {
      this.dvBuf = batch;
      this.dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
    }
    const dv = this.dv!;
    const view = this.view;
    view.buf = batch;
    view.iface = 0;
    let off = 0;
    for (let i = 0; i < count; i++) {
      const caplen = dv.getUint32(off + NFQ_REC.caplen, true);
      view.linktype = linktypeFor(dv.getUint16(off + NFQ_REC.hwProtocol, true));
      view.ts = dv.getFloat64(off + NFQ_REC.ts, true);
      view.caplen = caplen;
      view.wirelen = dv.getUint32(off + NFQ_REC.wirelen, true);
      view.frameOff = off + NFQ_REC.data;
      if (handler(view)) verdicts[i] = NFQ_DROP;
      off += (NFQ_REC.data + caplen + 7) & ~7;
    }
  }

  async stop(): Promise<void> {
    if (!this.q) return;
    this.last = this.q.stats();
    this.q.close();
    this.q = null;
  }

  /** The addon's counters (null before start). */
  stats(): NfqStats | null {
    return this.q ? this.q.stats() : this.last;
  }

  status(): LiveSourceStatus {
    const s = this.stats();
    const mode = this.options.failOpen ? 'fail-open' : 'fail-closed';
    let problem: string | null = null;
    if (!problem && s && s.verdictErrors > 0) problem = `${s.verdictErrors} verdicts refused by the kernel (last errno ${s.lastVerdictErrno})`;
    if (!problem && s && s.recvErrors > 0) problem = `${s.recvErrors} receive errors (last errno ${s.lastRecvErrno})`;
    return {
      kind: 'nfqueue',
      name: `nfqueue ${this.options.queue} (${mode})`,
      packets: s?.packets ?? 0,
      lost: s?.lost ?? 0,
      dropped: s?.dropped ?? 0,
      problem,
    };
  }
}
