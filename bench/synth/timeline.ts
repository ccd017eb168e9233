// One timeline that many scenes share. Each conversation is a Flow with the time of its next packet;
// a binary heap always runs the earliest flow (ties broken by creation order, so the interleaving
// is deterministic), and each step writes at most one packet. Times are integer microseconds since
// the start of the capture; the writer adds the fixed epoch.

import { buildFrame, FrameSpec } from './frames.js';
import { Payloads } from './payloads.js';
import { PcapWriter } from './pcap-writer.js';
import { Prng } from './prng.js';

/** 2026-01-01T00:00:00Z in microseconds: every capture starts here. */
export const EPOCH_MICROS = 1767225600 * 1e6;

export const MS = 1000;
export const SEC = 1_000_000;

export abstract class Flow {
  /** Time of this flow's next step, in µs since the capture start. */
  t = 0;
  /** Creation order (tie-break), set by Synth.add. */
  order = 0;
  /** Packets and frame bytes this flow wrote (tallied per label when it finishes). */
  emitted = 0;
  emittedBytes = 0;
  /** Scene name the packets are counted under (e.g. 'synScan'). */
  constructor(readonly label: string) {}
  /**
   * Writes at most one packet (through synth.emit()) at `this.t`, then moves `this.t` forward.
   * Returns false when the flow has finished.
   */
  abstract step(s: Synth): boolean;
}

/**
 * Starts a flow every `gap()` µs from its start until `end`, or until it has started `limit` flows
 * (a flow that never writes a packet itself).
 */
export class Spawner extends Flow {
  private spawned = 0;

  constructor(
    label: string,
    private readonly end: number,
    private readonly gap: () => number,
    private readonly spawn: (s: Synth, at: number) => void,
    private readonly limit = Infinity,
  ) {
    super(label);
  }

  step(s: Synth): boolean {
    this.spawn(s, this.t);
    this.spawned++;
    this.t += Math.max(1, Math.round(this.gap()));
    return this.t < this.end && this.spawned < this.limit;
  }
}

export interface RunLimits {
  /** Stop after exactly this many packets (default: no limit). */
  maxPackets?: number;
  /** Do not run steps later than this time (µs since start; default: no limit). */
  until?: number;
}

export class Synth {
  readonly f = new FrameSpec();
  /** Scratch space where flows compose payloads (DNS, NTP, HTTP headers) before emit(). */
  readonly scratch = Buffer.alloc(2048);
  /** Packets and frame bytes per scene label, counted when flows finish or the run stops. */
  readonly counts = new Map<string, number>();
  readonly bytes = new Map<string, number>();
  /** Time of the step being run (µs since start). */
  now = 0;
  packets = 0;
  /** Times of the first and last packet written (µs since start). */
  firstAt = -1;
  lastAt = 0;
  private heap: Flow[] = [];
  private nextId = 0;
  private cur: Flow | null = null;

  /** Clients in vlanNet/vlanMask (IPv4) send and receive 802.1Q-tagged frames with vlanId. */
  vlanNet = 0;
  vlanMask = 0xffffffff;
  vlanId = -1;

  constructor(
    readonly w: PcapWriter,
    readonly rng: Prng,
    readonly payloads: Payloads,
  ) {}

  /** VLAN id of a LAN client's frames, or -1 for untagged. */
  vlanOf(ip: number): number {
    return this.vlanId >= 0 && ((ip & this.vlanMask) >>> 0) === this.vlanNet ? this.vlanId : -1;
  }

  /** Schedules `flow` to take its first step at `at` µs. */
  add(flow: Flow, at: number): void {
    flow.t = Math.max(0, Math.round(at));
    flow.order = this.nextId++;
    const h = this.heap;
    h.push(flow);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(flow, h[parent])) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = flow;
  }

  /** Writes the frame described by `this.f` at the current time. */
  emit(): void {
    const w = this.w;
    const off = w.begin();
    const len = buildFrame(w.buf, off, this.f);
    w.commit(EPOCH_MICROS + Math.round(this.now), len);
    this.packets++;
    if (this.firstAt < 0) this.firstAt = this.now;
    this.lastAt = this.now;
    const cur = this.cur;
    if (cur) {
      cur.emitted++;
      cur.emittedBytes += len;
    }
  }

  run(limits: RunLimits = {}): void {
    const max = limits.maxPackets ?? Infinity;
    const until = limits.until ?? Infinity;
    const h = this.heap;
    while (h.length > 0 && this.packets < max) {
      const fl = h[0];
      if (fl.t > until) break;
      this.now = fl.t;
      this.cur = fl;
      const alive = fl.step(this);
      this.cur = null;
      if (alive) {
        if (fl.t < this.now) fl.t = this.now;
        this.siftDown(0);
      } else {
        this.tally(fl);
        const last = h.pop() as Flow;
        if (h.length > 0) {
          h[0] = last;
          this.siftDown(0);
        }
      }
    }
    for (const fl of h) this.tally(fl);
    h.length = 0;
  }

  private tally(fl: Flow): void {
    if (fl.emitted > 0) {
      this.counts.set(fl.label, (this.counts.get(fl.label) ?? 0) + fl.emitted);
      this.bytes.set(fl.label, (this.bytes.get(fl.label) ?? 0) + fl.emittedBytes);
    }
    fl.emitted = 0;
    fl.emittedBytes = 0;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1], h[c])) c++;
      if (!before(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  }
}

function before(a: Flow, b: Flow): boolean {
  return a.t < b.t || (a.t === b.t && a.order < b.order);
}
