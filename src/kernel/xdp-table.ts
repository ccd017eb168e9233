// The process's copy of the XDP guard's tab_v4 and bloom_v4 (bpf/xdp_guard.h): single blocked IPv4
// addresses in an open-addressing table of 64-byte buckets, one cache line each, so the program's
// lookup costs one memory access whatever the number of blocks, behind a one-hash Bloom filter
// that lets most unblocked packets skip even that. This module decides where an address goes (same
// hash as the program), which buckets and filter words changed, and which addresses did not fit and
// belong in the blk_v4 hash map; XdpGuard writes the changed parts to the kernel.
//
// Addresses are "raw": the u32 the program reads from the packet (network-order bytes read in host
// order), so a bucket's words are byte for byte what the kernel holds.

import { endianness } from 'node:os';

/** XG_TAB_SLOTS: addresses per bucket; the 16th word holds the flags. */
export const TAB_SLOTS = 15;
export const BUCKET_WORDS = 16;
export const BUCKET_SIZE = 64;
/** XG_TAB_OVERFLOW: some addresses of this bucket are in blk_v4. */
export const TAB_OVERFLOW = 0x1;
const MIN_BUCKETS = 64;
/** bloom_v4 bits per address it is sized for (two set per address): about 1 unblocked packet in 20 reaches the table when full. */
export const BLOOM_BITS_PER_ADDR = 8;
const MIN_BLOOM_BITS = 4096;
/** The word number takes h's bits above the 12 that pick the two bits: at most 2^20 words (8 MB, 8 M addresses). */
const MAX_BLOOM_WORDS = 1 << 20;

const LE = endianness() === 'LE';

/**
 * Buckets for a table of up to `maxBlocks` addresses: a power of two with room for about twice that
 * (15 slots per bucket, 8 expected at most), so that few buckets ever fill up.
 */
export function tabBuckets(maxBlocks: number): number {
  let nb = MIN_BUCKETS;
  while (nb * 8 < maxBlocks) nb *= 2;
  return nb;
}

/** bloom_v4 words (u64) for up to `maxBlocks` addresses at `bitsPerAddr` bits each: a power of two. */
export function bloomWords(maxBlocks: number, bitsPerAddr = BLOOM_BITS_PER_ADDR): number {
  let bits = MIN_BLOOM_BITS;
  while (bits < maxBlocks * bitsPerAddr && bits / 64 < MAX_BLOOM_WORDS) bits *= 2;
  return bits / 64;
}

/** xg_tab_hash of bpf/xdp_guard.h (murmur3's 32-bit finaliser of addr ^ seed). */
export function tabHash(raw: number, seed: number): number {
  let h = (raw ^ seed) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The raw u32 of 4 network-order bytes. */
export function rawOf(b: Uint8Array): number {
  return LE ? (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0 : ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

/** Host-order (numeric) IPv4 address of a raw u32, as formatIPv4 takes it. */
export function hostOf(raw: number): number {
  return LE ? (((raw & 0xff) << 24) | ((raw & 0xff00) << 8) | ((raw >>> 8) & 0xff00) | (raw >>> 24)) >>> 0 : raw >>> 0;
}

/** Host-order u32s of a Buffer (copied when it does not start on a 4-byte boundary). */
function u32View(b: Buffer, n: number): Uint32Array {
  if (b.byteOffset % 4 === 0) return new Uint32Array(b.buffer, b.byteOffset, n);
  const copy = new Uint8Array(4 * n);
  copy.set(b.subarray(0, 4 * n));
  return new Uint32Array(copy.buffer, 0, n);
}

/** Which rows of a u32 array (`stride` words each: a bucket, a filter word) changed since the last take. */
class Changed {
  private readonly mark: Uint8Array;
  private list: number[] = [];

  constructor(
    private readonly rows: number,
    private readonly stride: number,
  ) {
    this.mark = new Uint8Array(rows);
  }

  add(i: number): void {
    if (this.mark[i]) return;
    this.mark[i] = 1;
    this.list.push(i);
  }

  all(): void {
    this.reset();
    for (let i = 0; i < this.rows; i++) this.add(i);
  }

  reset(): void {
    this.mark.fill(0);
    this.list = [];
  }

  /** The changed rows of `src` as map keys (u32 indexes) and values (stride * 4 bytes each); nothing is changed afterwards. */
  take(src: Uint32Array): { keys: Buffer; values: Buffer; count: number } {
    const list = this.list;
    const n = list.length;
    const s = this.stride;
    this.reset();
    const keys = Buffer.alloc(4 * n);
    const k32 = new Uint32Array(keys.buffer, keys.byteOffset, n);
    if (n === this.rows) {
      // Everything (a load): the copy as it is, keys in order.
      for (let i = 0; i < n; i++) k32[i] = i;
      return { keys, values: Buffer.from(src.buffer, src.byteOffset, src.byteLength), count: n };
    }
    const values = Buffer.alloc(4 * s * n);
    const v32 = new Uint32Array(values.buffer, values.byteOffset, s * n);
    for (let i = 0; i < n; i++) {
      k32[i] = list[i];
      v32.set(src.subarray(list[i] * s, (list[i] + 1) * s), i * s);
    }
    return { keys, values, count: n };
  }
}

export type Placement = 'present' | 'placed' | 'full';

export class V4Table {
  readonly buckets: number;
  readonly mask: number;
  readonly seed: number;
  /** Every bucket's 16 words, exactly as tab_v4 holds them. */
  readonly words: Uint32Array;
  /** Addresses in slots. */
  private used = 0;
  /** Per bucket: blk_v4 entries that hash to it (the program looks there only while non-zero). */
  private readonly spilled: Uint32Array;
  private readonly changed: Changed;
  /** bloom_v4 as u64 words (two host-order u32 halves each), and how many addresses set each bit (saturating). */
  readonly bloomWords: number;
  readonly bloomShift: number;
  readonly bloom: Uint32Array;
  private readonly bloomCount: Uint8Array;
  private readonly bloomChanged: Changed;

  constructor(buckets: number, bloomWordCount: number, seed: number) {
    if (!Number.isInteger(buckets) || buckets < 1 || (buckets & (buckets - 1)) !== 0) throw new RangeError(`tab_v4 buckets must be a power of two, got ${buckets}`);
    const bits = bloomWordCount * 64;
    if (!Number.isInteger(bloomWordCount) || bits < MIN_BLOOM_BITS || (bits & (bits - 1)) !== 0 || bloomWordCount > MAX_BLOOM_WORDS) {
      throw new RangeError(`bloom_v4 words must be a power of two of at least ${MIN_BLOOM_BITS / 64}, got ${bloomWordCount}`);
    }
    this.buckets = buckets;
    this.mask = buckets - 1;
    this.seed = seed >>> 0;
    this.words = new Uint32Array(buckets * BUCKET_WORDS);
    this.spilled = new Uint32Array(buckets);
    this.changed = new Changed(buckets, BUCKET_WORDS);
    this.bloomWords = bloomWordCount;
    this.bloomShift = 32 - Math.log2(bloomWordCount);
    this.bloom = new Uint32Array(bloomWordCount * 2);
    this.bloomCount = new Uint8Array(bits);
    this.bloomChanged = new Changed(bloomWordCount, 2);
  }

  // ---- bloom_v4: every blocked address (slots, blk_v4 and 0.0.0.0) sets two bits of one word

  /** The filter bits of `raw` (numbered across the words; one bit when both hash to the same). */
  bloomBits(raw: number): number[] {
    const h = tabHash(raw, this.seed);
    const base = (h >>> this.bloomShift) * 64;
    const b1 = base + (h & 63);
    const b2 = base + ((h >>> 6) & 63);
    return b1 === b2 ? [b1] : [b1, b2];
  }

  /** Index in `bloom` of the u32 half that holds `bit` of its u64 word. */
  private static half(bit: number): number {
    const w = bit >>> 6;
    const upper = (bit >>> 5) & 1;
    return 2 * w + (LE ? upper : 1 - upper);
  }

  /** What the program's filter test says: false = certainly not blocked (the packet skips the table). */
  mayHold(raw: number): boolean {
    return this.bloomBits(raw).every((bit) => (this.bloom[V4Table.half(bit)] >>> (bit & 31)) & 1);
  }

  private bloomAdd(raw: number): void {
    for (const bit of this.bloomBits(raw)) {
      const c = this.bloomCount[bit];
      if (c < 255) this.bloomCount[bit] = c + 1;
      if (c === 0) this.setBloom(bit, true);
    }
  }

  private bloomDel(raw: number): void {
    for (const bit of this.bloomBits(raw)) {
      const c = this.bloomCount[bit];
      // A saturated count is never decremented: its bit may stay set for good, which only costs a lookup.
      if (c === 0 || c === 255) continue;
      this.bloomCount[bit] = c - 1;
      if (c === 1) this.setBloom(bit, false);
    }
  }

  private setBloom(bit: number, on: boolean): void {
    const i = V4Table.half(bit);
    const m = 1 << (bit & 31);
    this.bloom[i] = on ? this.bloom[i] | m : this.bloom[i] & ~m;
    this.bloomChanged.add(bit >>> 6);
  }

  /** Filter words changed since the last call, as map keys (u32 indexes) and values (8 bytes each). */
  takeDirtyBloom(): { keys: Buffer; values: Buffer; count: number } {
    return this.bloomChanged.take(this.bloom);
  }

  get count(): number {
    return this.used;
  }

  bucketOf(raw: number): number {
    return tabHash(raw, this.seed) & this.mask;
  }

  /** True when a (non-zero) address sits in a slot of its bucket. */
  has(raw: number): boolean {
    if (raw === 0) return false;
    const base = this.bucketOf(raw) * BUCKET_WORDS;
    for (let i = 0; i < TAB_SLOTS; i++) if (this.words[base + i] === raw) return true;
    return false;
  }

  /** Puts a non-zero address in a free slot of its bucket. */
  place(raw: number): Placement {
    const base = this.bucketOf(raw) * BUCKET_WORDS;
    const w = this.words;
    let free = -1;
    for (let i = 0; i < TAB_SLOTS; i++) {
      const v = w[base + i];
      if (v === raw) return 'present';
      if (v === 0 && free < 0) free = i;
    }
    if (free < 0) return 'full';
    w[base + free] = raw;
    this.used++;
    this.dirty(base / BUCKET_WORDS);
    this.bloomAdd(raw);
    return 'placed';
  }

  /** Frees the slot of `raw`; false when it is not in its bucket. */
  remove(raw: number): boolean {
    if (raw === 0) return false;
    const b = this.bucketOf(raw);
    const base = b * BUCKET_WORDS;
    for (let i = 0; i < TAB_SLOTS; i++) {
      if (this.words[base + i] !== raw) continue;
      this.words[base + i] = 0;
      this.used--;
      this.dirty(b);
      this.bloomDel(raw);
      return true;
    }
    return false;
  }

  /** One more (or one less) address lives in blk_v4: its filter bit, and its bucket's overflow flag. */
  spill(raw: number, delta: 1 | -1): void {
    if (delta > 0) this.bloomAdd(raw);
    else this.bloomDel(raw);
    if (raw === 0) return; // 0.0.0.0 is always looked up in blk_v4, whatever its bucket says
    const b = this.bucketOf(raw);
    this.spilled[b] = Math.max(0, this.spilled[b] + delta);
    this.syncOverflow(b);
  }

  /** Sets or clears bucket `b`'s overflow flag from its spill count; the bucket is dirty when the flag moved. */
  private syncOverflow(b: number): void {
    const flagWord = b * BUCKET_WORDS + TAB_SLOTS;
    const want = (this.spilled[b] > 0 ? this.words[flagWord] | TAB_OVERFLOW : this.words[flagWord] & ~TAB_OVERFLOW) >>> 0;
    if (want !== this.words[flagWord]) {
      this.words[flagWord] = want;
      this.dirty(b);
    }
  }

  private dirty(b: number): void {
    this.changed.add(b);
  }

  /** Buckets changed since the last call, as map keys (u32 indexes) and values (64 bytes each). */
  takeDirty(): { keys: Buffer; values: Buffer; count: number } {
    return this.changed.take(this.words);
  }

  /** Marks every bucket changed (the next takeDirty writes the whole table). */
  dirtyAll(): void {
    this.changed.all();
  }

  /**
   * Takes the kernel's buckets (`values`: `count` buckets of 64 bytes, keys their indexes) and the
   * raw addresses in blk_v4 as the truth: rebuilds slots, counts and what spilled where. Nothing is
   * dirty afterwards, except buckets whose overflow flag disagrees with blk_v4 (set or cleared now).
   */
  loadFrom(keys: Buffer, values: Buffer, count: number, hashRaw: Iterable<number>, kernelBloom: { keys: Buffer; values: Buffer; count: number }): void {
    this.words.fill(0);
    this.spilled.fill(0);
    this.changed.reset();
    const v32 = u32View(values, count * BUCKET_WORDS);
    const k32 = u32View(keys, count);
    for (let i = 0; i < count; i++) {
      const b = k32[i];
      if (b >= this.buckets) continue;
      this.words.set(v32.subarray(i * BUCKET_WORDS, (i + 1) * BUCKET_WORDS), b * BUCKET_WORDS);
    }
    let used = 0;
    this.forEach(() => used++);
    this.used = used;
    for (const raw of hashRaw) if (raw !== 0) this.spilled[this.bucketOf(raw)]++;
    // The filter is rebuilt from what the maps hold; words where the kernel's differ are rewritten.
    this.bloom.fill(0);
    this.bloomCount.fill(0);
    this.forEach((raw) => this.bloomAdd(raw));
    for (const raw of hashRaw) this.bloomAdd(raw);
    this.bloomChanged.reset();
    const have = new Uint32Array(this.bloom.length);
    const kk = u32View(kernelBloom.keys, kernelBloom.count);
    const kv = u32View(kernelBloom.values, 2 * kernelBloom.count);
    for (let i = 0; i < kernelBloom.count; i++) {
      if (kk[i] >= this.bloomWords) continue;
      have[2 * kk[i]] = kv[2 * i];
      have[2 * kk[i] + 1] = kv[2 * i + 1];
    }
    for (let w = 0; w < this.bloomWords; w++) if (have[2 * w] !== this.bloom[2 * w] || have[2 * w + 1] !== this.bloom[2 * w + 1]) this.bloomChanged.add(w);
    for (let b = 0; b < this.buckets; b++) this.syncOverflow(b);
  }

  /** Calls `fn` with every address in a slot (raw). */
  forEach(fn: (raw: number) => void): void {
    const w = this.words;
    for (let b = 0; b < this.buckets; b++) {
      const base = b * BUCKET_WORDS;
      for (let i = 0; i < TAB_SLOTS; i++) if (w[base + i] !== 0) fn(w[base + i]);
    }
  }

  /** Empties the table and the filter (every bucket and word dirty). */
  clear(): void {
    this.words.fill(0);
    this.spilled.fill(0);
    this.used = 0;
    this.dirtyAll();
    this.bloom.fill(0);
    this.bloomCount.fill(0);
    this.bloomChanged.all();
  }
}
