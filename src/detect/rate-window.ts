// Event-time counters for the stateful detectors, stored as typed-array columns indexed by slot
// (see keyed-slots.ts): no per-source objects. All take the event's own timestamp; none reads the
// clock. A column set for a single global counter is simply one slot.

/**
 * Sliding-window event counters from two fixed buckets: the estimate for (ts - window, ts] is the
 * current bucket plus the previous one weighted by how much of it still overlaps the window.
 * Constant memory; exact for steady rates, within one bucket's worth for bursts.
 */
export class RateColumns {
  private readonly bucket: Float64Array;
  private readonly cur: Float64Array;
  private readonly prev: Float64Array;

  constructor(slots: number) {
    this.bucket = new Float64Array(slots).fill(-Infinity);
    this.cur = new Float64Array(slots);
    this.prev = new Float64Array(slots);
  }

  reset(s: number): void {
    this.bucket[s] = -Infinity;
    this.cur[s] = 0;
    this.prev[s] = 0;
  }

  /** Counts one event at `ts` and returns the estimated count within the last `window` seconds. */
  add(s: number, ts: number, window: number): number {
    this.roll(s, ts, window);
    this.cur[s]++;
    return this.estimate(s, ts, window);
  }

  /** Estimated count within the last `window` seconds at `ts`, without counting. */
  peek(s: number, ts: number, window: number): number {
    this.roll(s, ts, window);
    return this.estimate(s, ts, window);
  }

  private roll(s: number, ts: number, window: number): void {
    const b = Math.floor(ts / window);
    const last = this.bucket[s];
    if (b > last) {
      this.prev[s] = b === last + 1 ? this.cur[s] : 0;
      this.cur[s] = 0;
      this.bucket[s] = b;
    }
    // b < last: a slightly out-of-order timestamp; it counts in the current bucket.
  }

  private estimate(s: number, ts: number, window: number): number {
    const frac = ts / window - this.bucket[s];
    const w = frac >= 1 ? 0 : frac <= 0 ? 1 : 1 - frac;
    return this.cur[s] + this.prev[s] * w;
  }
}

/**
 * One alert per episode: an alert opens an episode, and every later event that still meets the
 * condition extends it; a new alert only comes after `cooldown` quiet seconds.
 */
export class EpisodeColumn {
  private readonly quietUntil: Float64Array;

  constructor(slots: number) {
    this.quietUntil = new Float64Array(slots).fill(-Infinity);
  }

  reset(s: number): void {
    this.quietUntil[s] = -Infinity;
  }

  /** Call when the condition holds at `ts`; true when this starts a new episode (alert). */
  trigger(s: number, ts: number, cooldown: number): boolean {
    const fresh = ts >= this.quietUntil[s];
    this.quietUntil[s] = ts + cooldown;
    return fresh;
  }
}

const WORDS = 32; // 1024-bit bitmaps
const BITS = WORDS * 32;
const SMALL = 4;
const RING = 12;

/**
 * Distinct-value counters over a sliding window (between one and two windows long). Up to four
 * values per slot are kept exactly inline, so the common case -- a source touching a port or two --
 * uses no bitmap; a fifth value takes a bitmap pair (current and previous window) from a shared
 * pool and switches to linear counting: exact for a handful of values, within a few percent up to
 * several thousand. The pool is bounded too: when it is full, the least recently used pair is taken
 * back (its owner restarts counting; counted in `poolEvictions`). The most recent new values are
 * kept for evidence.
 */
export class DistinctColumns {
  private readonly bucket: Float64Array;
  private readonly vals: Int32Array; // SMALL per slot
  private readonly seen: Float64Array; // bucket each small value was last seen in; -Infinity = empty
  private readonly pool: Int32Array; // pool entry per slot, -1 = small mode
  private readonly newCount: Float64Array; // new values recorded (for the evidence ring)
  // Pool of bitmap pairs.
  private readonly bits: Uint32Array; // 2 * WORDS per entry: current then previous
  private readonly union: Int32Array; // bits set in cur | prev
  private readonly owner: Int32Array;
  private readonly used: Float64Array; // last use, for recycling
  private readonly ring: Int32Array; // RING recent values per pool entry
  private poolUsed = 0;
  private hand = 0;
  poolEvictions = 0;

  constructor(slots: number, readonly poolSize: number) {
    this.bucket = new Float64Array(slots).fill(-Infinity);
    this.vals = new Int32Array(slots * SMALL);
    this.seen = new Float64Array(slots * SMALL).fill(-Infinity);
    this.pool = new Int32Array(slots).fill(-1);
    this.newCount = new Float64Array(slots);
    this.bits = new Uint32Array(poolSize * 2 * WORDS);
    this.union = new Int32Array(poolSize);
    this.owner = new Int32Array(poolSize).fill(-1);
    this.used = new Float64Array(poolSize).fill(-Infinity);
    this.ring = new Int32Array(poolSize * RING);
  }

  reset(s: number): void {
    this.release(s);
    this.bucket[s] = -Infinity;
    this.newCount[s] = 0;
    this.seen.fill(-Infinity, s * SMALL, s * SMALL + SMALL);
  }

  /** Records `value` at `ts` for slot s; true when it was not seen in the window. */
  add(s: number, value: number, ts: number, window: number): boolean {
    const b = Math.floor(ts / window);
    const isNew = this.pool[s] < 0 ? this.addSmall(s, value, b, ts) : this.addBits(s, value, b, ts);
    if (isNew) {
      const p = this.pool[s];
      if (p >= 0) this.ring[p * RING + (this.newCount[s] % RING)] = value;
      this.newCount[s]++;
    }
    return isNew;
  }

  /** Estimated number of distinct values in the window as of the last add. */
  count(s: number): number {
    const p = this.pool[s];
    if (p >= 0) return linearCount(this.union[p]);
    const live = this.bucket[s] - 1;
    let n = 0;
    for (let i = s * SMALL; i < s * SMALL + SMALL; i++) if (this.seen[i] >= live) n++;
    return n;
  }

  /** The most recent new values (up to 12), oldest first. */
  recent(s: number): number[] {
    const p = this.pool[s];
    const out: number[] = [];
    if (p < 0) {
      const live = this.bucket[s] - 1;
      for (let i = s * SMALL; i < s * SMALL + SMALL; i++) if (this.seen[i] >= live) out.push(this.vals[i]);
      return out;
    }
    const n = Math.min(this.newCount[s], RING);
    for (let k = this.newCount[s] - n; k < this.newCount[s]; k++) out.push(this.ring[p * RING + (k % RING)]);
    return out;
  }

  private addSmall(s: number, value: number, b: number, ts: number): boolean {
    if (b > this.bucket[s]) this.bucket[s] = b;
    const live = this.bucket[s] - 1; // values last seen before the previous bucket have left the window
    const base = s * SMALL;
    let free = -1;
    for (let i = base; i < base + SMALL; i++) {
      if (this.seen[i] >= live) {
        if (this.vals[i] === value) {
          if (b > this.seen[i]) this.seen[i] = b;
          return false;
        }
      } else if (free < 0) free = i;
    }
    if (free >= 0) {
      this.vals[free] = value;
      this.seen[free] = b;
      return true;
    }
    this.upgrade(s, ts);
    return this.addBits(s, value, b, ts);
  }

  /** Moves slot s's small set into a bitmap pair, each value into the bucket it was last seen in. */
  private upgrade(s: number, ts: number): void {
    const p = this.takePool(s, ts);
    const off = p * 2 * WORDS;
    this.bits.fill(0, off, off + 2 * WORDS);
    const b = this.bucket[s];
    let union = 0;
    let n = 0;
    for (let i = s * SMALL; i < s * SMALL + SMALL; i++) {
      if (this.seen[i] < b - 1) continue;
      const bit = bitOf(this.vals[i]);
      const w = bit >>> 5;
      const m = 1 << (bit & 31);
      if (((this.bits[off + w] | this.bits[off + WORDS + w]) & m) === 0) union++;
      this.bits[off + (this.seen[i] === b ? 0 : WORDS) + w] |= m;
      this.ring[p * RING + n++] = this.vals[i];
    }
    this.union[p] = union;
    this.newCount[s] = n;
  }

  private addBits(s: number, value: number, b: number, ts: number): boolean {
    const p = this.pool[s];
    this.used[p] = ts;
    const off = p * 2 * WORDS;
    const bits = this.bits;
    const last = this.bucket[s];
    if (b > last) {
      // Roll: current becomes previous (or both clear after a gap); union = popcount(previous).
      if (b === last + 1) bits.copyWithin(off + WORDS, off, off + WORDS);
      else bits.fill(0, off + WORDS, off + 2 * WORDS);
      bits.fill(0, off, off + WORDS);
      let n = 0;
      for (let i = off + WORDS; i < off + 2 * WORDS; i++) n += popcount(bits[i]);
      this.union[p] = n;
      this.bucket[s] = b;
    }
    const bit = bitOf(value);
    const w = off + (bit >>> 5);
    const m = 1 << (bit & 31);
    if ((bits[w] & m) !== 0) return false;
    bits[w] |= m;
    if ((bits[w + WORDS] & m) !== 0) return false;
    this.union[p]++;
    return true;
  }

  private takePool(s: number, ts: number): number {
    let p: number;
    if (this.poolUsed < this.poolSize) p = this.poolUsed++;
    else {
      // Least recently used of eight entries from a rotating hand.
      p = this.hand;
      for (let n = 1; n < 8; n++) {
        const q = (this.hand + n) % this.poolSize;
        if (this.used[q] < this.used[p]) p = q;
      }
      this.hand = (this.hand + 8) % this.poolSize;
      const prevOwner = this.owner[p];
      if (prevOwner >= 0) {
        this.pool[prevOwner] = -1;
        this.seen.fill(-Infinity, prevOwner * SMALL, prevOwner * SMALL + SMALL);
        this.poolEvictions++;
      }
    }
    this.owner[p] = s;
    this.pool[s] = p;
    this.used[p] = ts;
    return p;
  }

  private release(s: number): void {
    const p = this.pool[s];
    if (p < 0) return;
    this.owner[p] = -1;
    this.used[p] = -Infinity; // first to be reused
    this.pool[s] = -1;
  }
}

function bitOf(value: number): number {
  const h = Math.imul(value ^ (value >>> 16), 0x45d9f3b) >>> 0;
  return (h ^ (h >>> 15)) & (BITS - 1); // power of two: a mask, never negative
}

function linearCount(bits: number): number {
  const z = BITS - bits;
  if (z <= 0) return Math.round(BITS * Math.log(BITS)); // saturated: report the ceiling
  return Math.round(-BITS * Math.log(z / BITS));
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
