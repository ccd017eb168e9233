// Connection events from the kernel (sources.sock_trace): loads bpf/sock_trace.bpf.o, attaches its
// tracepoint programs, and drains the ring buffer on the event loop, handing each decoded ConnEvent
// to the handler. Tracepoints are global, so events of every network namespace arrive unless a
// namespace is chosen (`netns`): that filter runs in the kernel, before the ring buffer.

import { existsSync, statSync } from 'node:fs';
import { decodeConnEvent, KtimeClock, type ConnEvent } from '../../decode/conn-event.js';
import { PalisadeError } from '../../errors.js';
import { loadNative } from '../../kernel/native.js';
import { bpfObjectPath } from '../../kernel/paths.js';
import type { BpfAddon } from '../../kernel/bpf.js';

/** The addon functions this source uses (native/README.md: bpf.c, ringbuf.c). */
/** The programs and their tracepoints; only the first is required (see bpf/sock_trace.bpf.c for what each sees). */
const PROGRAMS: readonly { prog: string; category: string; name: string; required: boolean }[] = [
  { prog: 'sock_set_state', category: 'sock', name: 'inet_sock_set_state', required: true },
  { prog: 'retransmit_synack', category: 'tcp', name: 'tcp_retransmit_synack', required: false },
  { prog: 'receive_reset', category: 'tcp', name: 'tcp_receive_reset', required: false },
  { prog: 'send_reset', category: 'tcp', name: 'tcp_send_reset', required: false },
  { prog: 'kfree_skb', category: 'skb', name: 'kfree_skb', required: false },
];

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

export interface SockTraceOptions {
  /** Only events of this network namespace (inode number, see netnsInode); 0 / undefined = every namespace. */
  netns?: number;
  /** Ring buffer size in bytes (power of two, default 1 MiB: about 18,000 events). */
  ringBytes?: number;
}

export interface SockTraceStatus {
  name: string;
  /** Events delivered to the handler. */
  events: number;
  /** Events the kernel could not queue (ring buffer full). */
  lost: number;
  /** Records that were not a known event (a newer program than this build). */
  undecoded: number;
  /** Attached tracepoints, "category/name". */
  attached: string[];
  /** One line when something is missing or failed, else null. */
  problem: string | null;
}

/** Inode number of a network namespace: of this process, or of a named one (`ip netns add NAME`). */
export function netnsInode(name?: string): number {
  return statSync(name === undefined ? '/proc/self/ns/net' : `/run/netns/${name}`).ino;
}

/** Why sock_trace cannot run here, or null when it can (cheap: no program is loaded). */
export function sockTraceUnavailable(): string | null {
  const n = loadNative();
  if (!n.ok) return n.why;
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) return 'not root: tracepoint programs cannot be loaded';
  const obj = bpfObjectPath('sock_trace');
  if (!existsSync(obj)) return `the tracepoint program is not built (${obj} is missing; run make)`;
  if (!TRACEFS.some((d) => existsSync(`${d}/events/sock/inet_sock_set_state`))) {
    return 'tracefs is not mounted or has no sock/inet_sock_set_state (mount -t tracefs tracefs /sys/kernel/tracing)';
  }
  return null;
}

export class SockTraceSource {
  private addon: BpfAddon | null = null;
  private obj = -1;
  private links: number[] = [];
  private ring = -1;
  private lostFd = -1;
  private readonly clock = new KtimeClock();
  private events = 0;
  private undecoded = 0;
  private lostAtStop = 0;
  private attached: string[] = [];
  private missing: string[] = [];

  constructor(
    private readonly onEvent: (e: ConnEvent) => void,
    private readonly opts: SockTraceOptions = {},
  ) {}

  /** Loads and attaches; throws PalisadeError (PALISADE_ERR_CAPTURE) naming why it cannot run here. */
  start(): void {
    if (this.obj >= 0) throw new Error('sock_trace: already started');
    const why = sockTraceUnavailable();
    if (why) throw new PalisadeError('PALISADE_ERR_CAPTURE', `connection tracing unavailable: ${why}`);
    const a = (loadNative() as { ok: true; addon: unknown }).addon as BpfAddon;
    this.addon = a;
    try {
      const sizes: Record<string, number> = {};
      if (this.opts.ringBytes) sizes.events = this.opts.ringBytes;
      this.obj = a.bpfLoad(bpfObjectPath('sock_trace'), sizes);
      // The namespace filter goes in before any tracepoint fires.
      const cfg = Buffer.alloc(8);
      cfg.writeUInt32LE((this.opts.netns ?? 0) >>> 0, 0);
      a.mapUpdate(a.bpfMapFd(this.obj, 'trace_config'), Buffer.alloc(4), cfg, 0);
      this.lostFd = a.bpfMapFd(this.obj, 'lost_events');
      this.ring = a.ringbufOpen(a.bpfMapFd(this.obj, 'events'), this.onBatch, 1024);
      for (const p of PROGRAMS) {
        try {
          this.links.push(a.tracepointAttach(this.obj, p.prog, p.category, p.name));
          this.attached.push(`${p.category}/${p.name}`);
        } catch (err) {
          if (p.required) throw err;
          this.missing.push(`${p.category}/${p.name}`);
        }
      }
    } catch (err) {
      this.release();
      throw new PalisadeError('PALISADE_ERR_CAPTURE', `connection tracing unavailable: ${(err as Error).message}`);
    }
  }

  private readonly onBatch = (batch: Buffer, count: number): void => {
    let off = 0;
    for (let i = 0; i < count; i++) {
      const len = batch.readUInt32LE(off);
      const e = decodeConnEvent(batch, off + 4, len, this.clock);
      off += (4 + len + 7) & ~7;
      if (e === null) {
        this.undecoded++;
        continue;
      }
      this.events++;
      this.onEvent(e);
    }
  };

  private kernelLost(): number {
    const a = this.addon;
    if (!a || this.lostFd < 0) return this.lostAtStop;
    const ncpu = a.numPossibleCpus();
    const v = Buffer.alloc(8 * ncpu);
    if (!a.mapLookup(this.lostFd, Buffer.alloc(4), v)) return 0;
    let n = 0;
    for (let c = 0; c < ncpu; c++) n += Number(v.readBigUInt64LE(8 * c));
    return n;
  }

  private release(): void {
    const a = this.addon;
    if (!a) return;
    for (const l of this.links) a.linkDestroy(l);
    this.links = [];
    if (this.ring >= 0) a.ringbufClose(this.ring);
    this.ring = -1;
    if (this.obj >= 0) {
      this.lostAtStop = this.kernelLost();
      a.bpfClose(this.obj);
    }
    this.obj = -1;
    this.lostFd = -1;
  }

  /** Detaches the programs and frees the object (nothing stays in the kernel). */
  async stop(): Promise<void> {
    this.release();
  }

  status(): SockTraceStatus {
    const problem = this.missing.length > 0 ? `tracepoints not available here: ${this.missing.join(', ')} (fewer connection events)` : null;
    return {
      name: `sock_trace${this.opts.netns ? ` netns ${this.opts.netns}` : ''}`,
      events: this.events,
      lost: this.kernelLost(),
      undecoded: this.undecoded,
      attached: [...this.attached],
      problem,
    };
  }
}
