// Thresholds and detection filters with Suricata's semantics (detect-engine-threshold.c, Suricata 8),
// on event time. Per tracked key (source, destination, flow, address pair, or the whole rule) an
// entry holds the start of its window and a match count; a match at time t is inside the window
// when t <= start + window.
//
//   limit      alert on the first `count` matches of a window; a match after the window restarts it
//   threshold  alert on every `count`-th match (the counter restarts at 0 after an alert, the window
//              does not); a match after the window restarts the count at 1
//   both       alert once, on the match that brings the count to `count`; silent until the window ends
//   detection_filter
//              alert on every match after the first `count` of the window
//
// An expired entry behaves exactly as a missing one in every mode, so expired entries are dropped
// freely. Tables are bounded: at `cap` keys the oldest window is evicted (and counted).

import type { AddrKey, PacketView } from '../../decode/packet-view.js';
import { ipv6Key } from '../../decode/ip-addr.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../../decode/packet-view.js';
import type { TrackBy } from './rule-schema.js';

export const DEFAULT_MAX_TRACKED_KEYS = 65536;

export const MODE_LIMIT = 0;
export const MODE_THRESHOLD = 1;
export const MODE_BOTH = 2;
export const MODE_DETECTION_FILTER = 3;

interface Entry {
  start: number;
  count: number;
}

export type TrackKey = AddrKey;

/** The map key of `view` for a track mode (by_rule: 0, one entry). */
export function trackKey(track: TrackBy, view: PacketView): TrackKey {
  switch (track) {
    case 'by_src':
      return view.srcKey();
    case 'by_dst':
      return view.dstKey();
    case 'by_rule':
      return 0;
    case 'by_both': {
      // Unordered address pair, as Suricata's IP pair.
      const a = view.ipVersion === 4 ? String(view.src4) : ipv6Key(view.buf, view.srcOff);
      const b = view.ipVersion === 4 ? String(view.dst4) : ipv6Key(view.buf, view.dstOff);
      return a < b ? `${a}|${b}` : `${b}|${a}`;
    }
    case 'by_flow': {
      // Bidirectional 5-tuple: A->B and B->A share one key. Ports only for TCP/UDP.
      const ports = view.proto === IPPROTO_TCP || view.proto === IPPROTO_UDP;
      const a = `${view.ipVersion === 4 ? view.src4 : ipv6Key(view.buf, view.srcOff)}:${ports ? view.sport : 0}`;
      const b = `${view.ipVersion === 4 ? view.dst4 : ipv6Key(view.buf, view.dstOff)}:${ports ? view.dport : 0}`;
      return a < b ? `${view.proto}|${a}|${b}` : `${view.proto}|${b}|${a}`;
    }
  }
}

export class Tracker {
  private readonly entries = new Map<TrackKey, Entry>();
  /** Keys evicted while their window was still open. */
  evictions = 0;
  /** Match count of the key after the last hit() (for evidence). */
  lastCount = 0;

  constructor(
    readonly mode: number,
    readonly count: number,
    readonly window: number,
    readonly track: TrackBy,
    readonly cap: number = DEFAULT_MAX_TRACKED_KEYS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Records one match of `key` at event time `ts`; true when it should alert. */
  hit(key: TrackKey, ts: number): boolean {
    const e = this.entries.get(key);
    const n = this.count;
    if (e === undefined) {
      this.lastCount = 1;
      // threshold with count 1 alerts on every match and needs no state.
      if (this.mode === MODE_THRESHOLD && n === 1) return true;
      this.insert(key, { start: ts, count: 1 }, ts);
      return this.mode === MODE_LIMIT || (this.mode === MODE_BOTH && n === 1);
    }
    if (ts <= e.start + this.window) {
      const c = ++e.count;
      this.lastCount = c;
      switch (this.mode) {
        case MODE_LIMIT:
          return c <= n;
        case MODE_THRESHOLD:
          if (c >= n) {
            e.count = 0;
            return true;
          }
          return false;
        case MODE_BOTH:
          return c === n;
        default:
          return c > n;
      }
    }
    // The window is over: restart it, and move the key to the young end of the table.
    e.start = ts;
    e.count = 1;
    this.lastCount = 1;
    this.entries.delete(key);
    this.entries.set(key, e);
    return this.mode === MODE_LIMIT || (this.mode === MODE_BOTH && n === 1);
  }

  private insert(key: TrackKey, e: Entry, ts: number): void {
    const m = this.entries;
    // Housekeeping: drop up to two expired windows from the old end (no state is lost).
    for (let k = 0; k < 2 && m.size > 0; k++) {
      const first = m.entries().next().value as [TrackKey, Entry];
      if (ts > first[1].start + this.window) m.delete(first[0]);
      else break;
    }
    if (m.size >= this.cap) {
      const first = m.keys().next().value as TrackKey;
      m.delete(first);
      this.evictions++;
    }
    m.set(key, e);
  }

  clear(): void {
    this.entries.clear();
  }
}
