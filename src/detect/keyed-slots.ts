import type { PacketView } from '../decode/packet-view.js';

// A bounded table of per-key slots for the hot path: an open-addressing index in typed arrays maps
// a 64-bit key (two int32 halves) to a slot number, and each detector keeps its state for that slot
// in typed-array columns of its own. No Map, no per-key objects, no garbage: a full table recycles
// the least recently used of a small sample of slots (approximate LRU, as Redis does), and counts it.
//
// Keys: an IPv4 address is (address, 0); an IPv6 address is a 64-bit fingerprint of its 128 bits
// with the low bit of the second half set, so the two families never collide.

// Index buckets hold (k1, k2, slot + 1, unused): a probe reads keys where it finds them, so a hit
// costs one cache line. slot + 1 = 0 marks an empty bucket.
const B = 4;

export class KeyedSlots {
  private readonly index: Int32Array;
  private readonly mask: number;
  /** Each slot's key (k1, k2), to find its bucket when the slot is recycled. */
  private readonly keys: Int32Array;
  /** Event time of the slot's last use; -Infinity for a free slot. */
  private readonly touchedAt: Float64Array;
  /** Generation of each slot's current key: new on every (re)use, never 0 (see SlotRecords). */
  readonly gen: Float64Array;
  private generation = 0;
  private used = 0;
  private hand = 0;
  /** Slots recycled because the table was full. */
  evictions = 0;
  /** True when the last acquire() handed out a new (reset-needing) slot. */
  fresh = false;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new Error('KeyedSlots capacity must be at least 1');
    let size = 2;
    while (size < capacity * 2) size <<= 1; // load factor <= 0.5
    this.index = new Int32Array(size * B);
    this.mask = size - 1;
    this.keys = new Int32Array(capacity * 2);
    this.touchedAt = new Float64Array(capacity).fill(-Infinity);
    this.gen = new Float64Array(capacity);
  }

  get size(): number {
    return this.used;
  }

  /** The slot holding the key, or -1. */
  find(a: number, b: number): number {
    const index = this.index;
    const mask = this.mask;
    a |= 0;
    b |= 0;
    for (let i = hash(a, b) & mask; ; i = (i + 1) & mask) {
      const j = i * B;
      const s = index[j + 2] - 1;
      if (s < 0) return -1;
      if (index[j] === a && index[j + 1] === b) return s;
    }
  }

  /**
   * The slot for the key, creating it when absent (then `fresh` is true and the slot has a new
   * generation). Marks the slot used at `ts`.
   */
  acquire(a: number, b: number, ts: number): number {
    const index = this.index;
    const mask = this.mask;
    a |= 0;
    b |= 0;
    let i = hash(a, b) & mask;
    for (; ; i = (i + 1) & mask) {
      const j = i * B;
      const s = index[j + 2] - 1;
      if (s < 0) break;
      if (index[j] === a && index[j + 1] === b) {
        this.touchedAt[s] = ts;
        this.fresh = false;
        return s;
      }
    }
    let s: number;
    if (this.used < this.capacity) {
      s = this.used++;
    } else {
      s = this.victim();
      this.remove(s);
      this.evictions++;
      // Removal may have shifted entries back into the probe run: find the insert point again.
      i = hash(a, b) & mask;
      while (index[i * B + 2] !== 0) i = (i + 1) & mask;
    }
    const j = i * B;
    index[j] = a;
    index[j + 1] = b;
    index[j + 2] = s + 1;
    this.keys[2 * s] = a;
    this.keys[2 * s + 1] = b;
    this.touchedAt[s] = ts;
    this.gen[s] = ++this.generation;
    this.fresh = true;
    return s;
  }

  /** Marks a slot found with find() as used at `ts`. */
  touch(slot: number, ts: number): void {
    this.touchedAt[slot] = ts;
  }

  /** Least recently used of eight slots from a rotating hand. */
  private victim(): number {
    const cap = this.capacity;
    let best = this.hand;
    let bestTs = Infinity;
    for (let n = 0; n < 8; n++) {
      const s = (this.hand + n) % cap;
      if (this.touchedAt[s] < bestTs) {
        bestTs = this.touchedAt[s];
        best = s;
      }
    }
    this.hand = (this.hand + 8) % cap;
    return best;
  }

  /** Removes slot s from the index (backward-shift deletion keeps probe runs intact). */
  private remove(s: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = hash(this.keys[2 * s], this.keys[2 * s + 1]) & mask;
    while (index[i * B + 2] !== s + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      if (index[j * B + 2] === 0) break;
      const home = hash(index[j * B], index[j * B + 1]) & mask;
      // Move j back into the hole at i unless its home lies cyclically in (i, j].
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!between) {
        index.copyWithin(i * B, j * B, j * B + B);
        i = j;
      }
    }
    index.fill(0, i * B, i * B + B);
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ b, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * The slot key of the packet's source (or destination) address into out[0], out[1]: IPv4 is
 * (address, 0), IPv6 a 64-bit fingerprint whose second half is odd.
 */
export function addressKey(p: PacketView, source: boolean, out: Int32Array): void {
  if (p.ipVersion === 4) {
    out[0] = source ? p.src4 : p.dst4;
    out[1] = 0;
  } else ipv6Fingerprint(p.buf, source ? p.srcOff : p.dstOff, out);
}

/** Two independent 32-bit FNV-style hashes of 16 address bytes; the second has its low bit set. */
export function ipv6Fingerprint(buf: Uint8Array, off: number, out: Int32Array): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < 16; i++) {
    h1 = Math.imul(h1 ^ buf[off + i], 0x01000193);
    h2 = Math.imul(h2 ^ buf[off + i], 0x5bd1e995) ^ (h2 >>> 15);
  }
  out[0] = h1;
  out[1] = h2 | 1;
}
