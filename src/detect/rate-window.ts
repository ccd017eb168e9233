// Event-time counters for the stateful detectors, stored in typed arrays indexed by slot (see
// keyed-slots.ts): no per-source objects. Each detector lays its counters side by side in one
// SlotRecords, so a packet touches one or two cache lines of state. All take the event's own
// timestamp; none reads the clock. A global counter is simply a record with one slot.

/**
 * Per-slot records: a detector's float64 fields for one slot side by side, so its state for a
 * packet sits in one or two cache lines. The column views below each own a few fields of it.
 * Field 0 is the owner stamp: the generation of the key that last used the record. A recycled
 * slot gets a new generation (keyed-slots.ts), and each detector resets its record lazily the
 * first time the new owner uses it -- so recycling a slot under a flood of spoofed sources costs
 * nothing for the detectors that source never reaches.
 */
export class SlotRecords {
  readonly f: Float64Array;
  readonly stride: number;

  constructor(
    readonly slots: number,
    fields: number,
  ) {
    this.stride = fields + 1;
    this.f = new Float64Array(slots * this.stride);
  }

  /** True when `gen` is a new owner of the slot's record (the caller then resets it). */
  claim(slot: number, gen: number): boolean {
    const i = slot * this.stride;
    if (this.f[i] === gen) return false;
    this.f[i] = gen;
    return true;
  }
}

/** A view owning `FIELDS` fields at offset `off` of every slot's record. */
abstract class RecordColumns {
  protected readonly f: Float64Array;
  protected readonly stride: number;

  protected readonly off: number;

  constructor(
    protected readonly rec: SlotRecords,
    off: number,
  ) {
    this.f = rec.f;
    this.stride = rec.stride;
    this.off = off + 1; // after the owner stamp
  }

  abstract reset(s: number): void;

  /** Puts every slot in its empty state (subclasses call this last in their constructor). */
  protected resetAll(): void {
    for (let s = 0; s < this.rec.slots; s++) this.reset(s);
  }
}

/**
 * Sliding-window event counters from two fixed buckets: the estimate for (ts - window, ts] is the
 * current bucket plus the previous one weighted by how much of it still overlaps the window.
 * Constant memory; exact for steady rates, within one bucket's worth for bursts.
 * Fields: bucket, current count, previous count.
 */
export class RateColumns extends RecordColumns {
  static readonly FIELDS = 3;

  constructor(rec: SlotRecords, off: number) {
    super(rec, off);
    this.resetAll();
  }

  reset(s: number): void {
    const i = s * this.stride + this.off;
    this.f[i] = -Infinity;
    this.f[i + 1] = 0;
    this.f[i + 2] = 0;
  }

  /** Counts `n` (default one) events at `ts`; returns the estimated count within the last `window` seconds. */
  add(s: number, ts: number, window: number, n = 1): number {
    const i = s * this.stride + this.off;
    this.roll(i, ts, window);
    this.f[i + 1] += n;
    return this.estimate(i, ts, window);
  }

  /** Estimated count within the last `window` seconds at `ts`, without counting. */
  peek(s: number, ts: number, window: number): number {
    const i = s * this.stride + this.off;
    this.roll(i, ts, window);
    return this.estimate(i, ts, window);
  }

  private roll(i: number, ts: number, window: number): void {
    const f = this.f;
    const b = Math.floor(ts / window);
    const last = f[i];
    if (b > last) {
      f[i + 2] = b === last + 1 ? f[i + 1] : 0;
      f[i + 1] = 0;
      f[i] = b;
    }
    // b < last: a slightly out-of-order timestamp; it counts in the current bucket.
  }

  private estimate(i: number, ts: number, window: number): number {
    const frac = ts / window - this.f[i];
    const w = frac >= 1 ? 0 : frac <= 0 ? 1 : 1 - frac;
    return this.f[i + 1] + this.f[i + 2] * w;
  }
}

/**
 * One alert per episode: an alert opens an episode, and every later event that still meets the
 * condition extends it; a new alert only comes after `cooldown` quiet seconds.
 * Field: the end of the quiet period.
 */
export class EpisodeColumn extends RecordColumns {
  static readonly FIELDS = 1;

  constructor(rec: SlotRecords, off: number) {
    super(rec, off);
    this.resetAll();
  }

  reset(s: number): void {
    this.f[s * this.stride + this.off] = -Infinity;
  }

  /** Call when the condition holds at `ts`; true when this starts a new episode (alert). */
  trigger(s: number, ts: number, cooldown: number): boolean {
    const i = s * this.stride + this.off;
    const fresh = ts >= this.f[i];
    this.f[i] = ts + cooldown;
    return fresh;
  }
}

const WORDS = 32; // 1024-bit bitmaps
const BITS = WORDS * 32;
const SMALL = 4;
const RING = 12;
// Record fields of DistinctColumns.
const F_BUCKET = 0;
const F_SEEN = 1; // SMALL fields: bucket each small value was last seen in; -Infinity = empty
const F_VALS = F_SEEN + SMALL; // SMALL fields: the values
const F_NEW = F_VALS + SMALL; // new values recorded (for the evidence ring)
const F_POOL = F_NEW + 1; // pool entry, -1 = small mode

/**
 * Distinct-value counters over a sliding window (between one and two windows long). Up to four
 * values per slot are kept exactly inline, so the common case -- a source touching a port or two --
 * uses no bitmap; a fifth value takes a bitmap pair (current and previous window) from a shared
 * pool and switches to linear counting: exact for a handful of values, within a few percent up to
 * several thousand. The pool is bounded too: when it is full, the least recently used pair is taken
 * back (its owner restarts counting; counted in `poolEvictions`). The most recent new values are
 * kept for evidence.
 */
export class DistinctColumns extends RecordColumns {
  static readonly FIELDS = F_POOL + 1;
  // Pool of bitmap pairs.
  private readonly bits: Uint32Array; // 2 * WORDS per entry: current then previous
  private readonly union: Int32Array; // bits set in cur | prev
  private readonly estimate: Float64Array; // linearCount(union), kept up to date
  private readonly owner: Int32Array;
  private readonly used: Float64Array; // last use, for recycling
  private readonly ring: Int32Array; // RING recent values per pool entry
  private poolUsed = 0;
  private hand = 0;
  poolEvictions = 0;

  constructor(
    rec: SlotRecords,
    off: number,
    readonly poolSize: number,
  ) {
    super(rec, off);
    this.bits = new Uint32Array(poolSize * 2 * WORDS);
    this.union = new Int32Array(poolSize);
    this.estimate = new Float64Array(poolSize);
    this.owner = new Int32Array(poolSize).fill(-1);
    this.used = new Float64Array(poolSize).fill(-Infinity);
    this.ring = new Int32Array(poolSize * RING);
    for (let s = 0; s < rec.slots; s++) this.f[s * this.stride + this.off + F_POOL] = -1; // no pool entry to release
    this.resetAll();
  }

  reset(s: number): void {
    this.release(s);
    const i = s * this.stride + this.off;
    this.f[i + F_BUCKET] = -Infinity;
    this.f[i + F_NEW] = 0;
    this.f.fill(-Infinity, i + F_SEEN, i + F_SEEN + SMALL);
  }

  /** Records `value` at `ts` for slot s; true when it was not seen in the window. */
  add(s: number, value: number, ts: number, window: number): boolean {
    const i = s * this.stride + this.off;
    const b = Math.floor(ts / window);
    const isNew = this.f[i + F_POOL] < 0 ? this.addSmall(s, i, value, b, ts) : this.addBits(i, value, b, ts);
    if (isNew) {
      const p = this.f[i + F_POOL];
      if (p >= 0) this.ring[p * RING + (this.f[i + F_NEW] % RING)] = value;
      this.f[i + F_NEW]++;
    }
    return isNew;
  }

  /** Estimated number of distinct values in the window as of the last add. */
  count(s: number): number {
    const i = s * this.stride + this.off;
    const p = this.f[i + F_POOL];
    if (p >= 0) return this.estimate[p];
    const live = this.f[i + F_BUCKET] - 1;
    let n = 0;
    for (let k = i + F_SEEN; k < i + F_SEEN + SMALL; k++) if (this.f[k] >= live) n++;
    return n;
  }

  /** The most recent new values (up to 12), oldest first. */
  recent(s: number): number[] {
    const i = s * this.stride + this.off;
    const p = this.f[i + F_POOL];
    const out: number[] = [];
    if (p < 0) {
      const live = this.f[i + F_BUCKET] - 1;
      for (let k = 0; k < SMALL; k++) if (this.f[i + F_SEEN + k] >= live) out.push(this.f[i + F_VALS + k]);
      return out;
    }
    const total = this.f[i + F_NEW];
    const n = Math.min(total, RING);
    for (let k = total - n; k < total; k++) out.push(this.ring[p * RING + (k % RING)]);
    return out;
  }

  private addSmall(s: number, i: number, value: number, b: number, ts: number): boolean {
    const f = this.f;
    if (b > f[i + F_BUCKET]) f[i + F_BUCKET] = b;
    const live = f[i + F_BUCKET] - 1; // values last seen before the previous bucket have left the window
    let free = -1;
    for (let k = 0; k < SMALL; k++) {
      if (f[i + F_SEEN + k] >= live) {
        if (f[i + F_VALS + k] === value) {
          if (b > f[i + F_SEEN + k]) f[i + F_SEEN + k] = b;
          return false;
        }
      } else if (free < 0) free = k;
    }
    if (free >= 0) {
      f[i + F_VALS + free] = value;
      f[i + F_SEEN + free] = b;
      return true;
    }
    this.upgrade(s, i, ts);
    return this.addBits(i, value, b, ts);
  }

  /** Moves slot s's small set into a bitmap pair, each value into the bucket it was last seen in. */
  private upgrade(s: number, i: number, ts: number): void {
    const f = this.f;
    const p = this.takePool(s, i, ts);
    const off = p * 2 * WORDS;
    this.bits.fill(0, off, off + 2 * WORDS);
    const b = f[i + F_BUCKET];
    let union = 0;
    let n = 0;
    for (let k = 0; k < SMALL; k++) {
      const seen = f[i + F_SEEN + k];
      if (seen < b - 1) continue;
      const v = f[i + F_VALS + k];
      const bit = bitOf(v);
      const w = bit >>> 5;
      const m = 1 << (bit & 31);
      if (((this.bits[off + w] | this.bits[off + WORDS + w]) & m) === 0) union++;
      this.bits[off + (seen === b ? 0 : WORDS) + w] |= m;
      this.ring[p * RING + n++] = v;
    }
    this.union[p] = union;
    this.estimate[p] = linearCount(union);
    f[i + F_NEW] = n;
  }

  private addBits(i: number, value: number, b: number, ts: number): boolean {
    const f = this.f;
    const p = f[i + F_POOL];
    this.used[p] = ts;
    const off = p * 2 * WORDS;
    const bits = this.bits;
    const last = f[i + F_BUCKET];
    if (b > last) {
      // Roll: current becomes previous (or both clear after a gap); union = popcount(previous).
      if (b === last + 1) bits.copyWithin(off + WORDS, off, off + WORDS);
      else bits.fill(0, off + WORDS, off + 2 * WORDS);
      bits.fill(0, off, off + WORDS);
      let n = 0;
      for (let k = off + WORDS; k < off + 2 * WORDS; k++) n += popcount(bits[k]);
      this.union[p] = n;
      this.estimate[p] = linearCount(n);
      f[i + F_BUCKET] = b;
    }
    const bit = bitOf(value);
    const w = off + (bit >>> 5);
    const m = 1 << (bit & 31);
    if ((bits[w] & m) !== 0) return false;
    bits[w] |= m;
    if ((bits[w + WORDS] & m) !== 0) return false;
    this.estimate[p] = linearCount(++this.union[p]);
    return true;
  }

  private takePool(s: number, i: number, ts: number): number {
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
        const j = prevOwner * this.stride + this.off;
        this.f[j + F_POOL] = -1;
        this.f.fill(-Infinity, j + F_SEEN, j + F_SEEN + SMALL);
        this.poolEvictions++;
      }
    }
    this.owner[p] = s;
    this.f[i + F_POOL] = p;
    this.used[p] = ts;
    return p;
  }

  private release(s: number): void {
    const i = s * this.stride + this.off;
    const p = this.f[i + F_POOL];
    if (p < 0) return;
    this.owner[p] = -1;
    this.used[p] = -Infinity; // first to be reused
    this.f[i + F_POOL] = -1;
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
