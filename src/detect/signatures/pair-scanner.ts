// The literal scan of HTTP requests: which gate literals (gates.ts) occur in a request, at about
// half a nanosecond per byte.
//
// An Aho-Corasick automaton costs a dependent table load per byte (about 2 ns per byte here). This
// scanner instead reads the text two bytes at a time, through a 16-bit view of the buffer, and
// looks each pair up in a 64 Ki-entry table: no dependency from one position to the next. Since
// pairs are read at every other position only, each literal is entered under two keys, one read
// whatever the parity of the position an occurrence starts at (gates.ts scanKeys(): a pair of the
// literal, or every pair holding one of its characters). Table hits are verified after the loop:
// the bytes next to the pair against the slot's masks, then each candidate. Keys are chosen rare
// in a sample of ordinary requests, so on normal traffic the loop finds little to verify (each hit
// costs some ten to twenty nanoseconds, mostly in mispredicted branches).
//
// Text is compared with A-Z folded to a-z, and characters above U+00FF read as 0 (the alphabet of
// gates.ts), so a literal occurs here whenever it occurs in the regex's sense, and sometimes more.

import { scanKeys } from './gates.js';

/** A-Z folded to a-z, every other byte unchanged. */
const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The table key of the pair of bytes a, b: what a 16-bit view of the buffer reads there. */
function pairKey(a: number, b: number): number {
  return LITTLE_ENDIAN ? a | (b << 8) : (a << 8) | b;
}

/**
 * What stands for the bytes outside the text in the pairs read at its edges (a lone last byte, or
 * a first byte at an odd position): a character literals hardly use (DEL), so those pairs rarely
 * match a key that needs a real character there.
 */
const PAD = 0x7f;

const KEY_LF_CR = pairKey(0x0a, 0x0d);
const KEY_CR_LF = pairKey(0x0d, 0x0a);

/** Bytes 1 to 4 of a literal (a little-endian word, bit 0x20 of each set; 0 past its end). */
function tailHead(l: string): number {
  let w = 0;
  for (let j = 1; j < 5 && j < l.length; j++) w |= (l.charCodeAt(j) | 0x20) << (8 * (j - 1));
  return w;
}

/** The bytes that fold to `c` (-1: every byte). */
function variants(c: number): number[] {
  if (c < 0) return Array.from({ length: 256 }, (_, i) => i);
  return c >= 0x61 && c <= 0x7a ? [c, c - 0x20] : [c];
}

/** Recorded ends of hits from scans whose every hit counts (scratch copies, strings). */
export const ALWAYS = -(2 ** 30);

// The scan loops are free functions over typed arrays passed in: the shape V8 optimises best (the
// same loop reading the arrays from fields the scanner reassigns runs 1.5 times slower).

/**
 * Table hits of the pairs (2j, 2j + 1) of the buffer (u16 is a 16-bit view of it), from the one
 * holding s to the last whole one before e (PAD stands for the byte before s, and pairs with a lone
 * last byte): positions into hitPos,
 * slots into hitSlot; returns the count. One 16-bit load per pair, four pairs per test: hits are
 * data-dependent, and one branch per four pairs mispredicts far less than one per pair (the loop
 * runs about three times faster than the plain one on requests).
 */
function collect(slotOf: Uint16Array, u8: Uint8Array, u16: Uint16Array, hitPos: Int32Array, hitSlot: Int32Array, s: number, e: number): number {
  let n = 0;
  const je = e >> 1;
  let j = s >> 1;
  if ((s & 1) === 1 && j < je) {
    // The pair holding s starts before it: read PAD there, not a byte outside the text.
    const a = slotOf[pairKey(PAD, u8[s])];
    if (a !== 0) {
      hitPos[n] = j << 1;
      hitSlot[n++] = a;
    }
    j++;
  }
  for (; j + 3 < je; j += 4) {
    const a = slotOf[u16[j]];
    const b = slotOf[u16[j + 1]];
    const c = slotOf[u16[j + 2]];
    const d = slotOf[u16[j + 3]];
    if ((a | b | c | d) !== 0) {
      if (a !== 0) {
        hitPos[n] = j << 1;
        hitSlot[n++] = a;
      }
      if (b !== 0) {
        hitPos[n] = (j + 1) << 1;
        hitSlot[n++] = b;
      }
      if (c !== 0) {
        hitPos[n] = (j + 2) << 1;
        hitSlot[n++] = c;
      }
      if (d !== 0) {
        hitPos[n] = (j + 3) << 1;
        hitSlot[n++] = d;
      }
    }
  }
  for (; j < je; j++) {
    const a = slotOf[u16[j]];
    if (a !== 0) {
      hitPos[n] = j << 1;
      hitSlot[n++] = a;
    }
  }
  if ((e & 1) === 1) {
    const slot = slotOf[pairKey(u8[e - 1], PAD)];
    if (slot !== 0) {
      hitPos[n] = e - 1;
      hitSlot[n++] = slot;
    }
  }
  return n;
}

/** Scanners by their literals, whose tables a new scanner for the same literals reuses. */
const built = new Map<string, PairScanner>();

/**
 * As collect(), reading the pairs (i, i + 1) for i = s, s + 2, ... with two byte loads each: for a
 * buffer seen once (a 16-bit view costs an allocation, worth it only for a buffer scanned again).
 */
function collectBytes(slotOf: Uint16Array, u8: Uint8Array, hitPos: Int32Array, hitSlot: Int32Array, s: number, e: number): number {
  let n = 0;
  let i = s;
  for (; i + 7 < e; i += 8) {
    const a = slotOf[pairKey(u8[i], u8[i + 1])];
    const b = slotOf[pairKey(u8[i + 2], u8[i + 3])];
    const c = slotOf[pairKey(u8[i + 4], u8[i + 5])];
    const d = slotOf[pairKey(u8[i + 6], u8[i + 7])];
    if ((a | b | c | d) !== 0) {
      if (a !== 0) {
        hitPos[n] = i;
        hitSlot[n++] = a;
      }
      if (b !== 0) {
        hitPos[n] = i + 2;
        hitSlot[n++] = b;
      }
      if (c !== 0) {
        hitPos[n] = i + 4;
        hitSlot[n++] = c;
      }
      if (d !== 0) {
        hitPos[n] = i + 6;
        hitSlot[n++] = d;
      }
    }
  }
  for (; i + 1 < e; i += 2) {
    const a = slotOf[pairKey(u8[i], u8[i + 1])];
    if (a !== 0) {
      hitPos[n] = i;
      hitSlot[n++] = a;
    }
  }
  if (i < e) {
    const a = slotOf[pairKey(u8[i], PAD)];
    if (a !== 0) {
      hitPos[n] = i;
      hitSlot[n++] = a;
    }
  }
  return n;
}

export class PairScanner {
  /** The literals (alphabet strings); ids are indexes. */
  readonly literals: readonly string[];
  /** Length of the longest literal. */
  readonly maxLen: number;
  /** Pair key -> slot (0: none). */
  private readonly slotOf: Uint16Array;
  /** Candidates of slot s: cand[slotStart[s]..slotStart[s + 1]). */
  private readonly slotStart: Int32Array;
  private readonly candLit: Int32Array;
  /** Offset of the pair in the literal (-1: the pair ends at the literal's first character). */
  private readonly candOff: Int32Array;
  /**
   * The candidate's length and bytes 1 to 4 with bit 0x20 set (tailHead()). A candidate stands for
   * the literals of its slot that differ only in their first character ("\ncat", " cat", ";cat"...):
   * candFirst is that character, or -1 for a group, whose members are groupFirst/groupLit[groupStart[g]..
   * groupStart[g + 1]) with g = candLit.
   */
  private readonly candLen: Int32Array;
  private readonly candWord: Int32Array;
  private readonly candFirst: Int32Array;
  private readonly groupStart: Int32Array;
  /**
   * Per slot, which bytes its candidates allow just before and just after the pair (a bit per byte,
   * eight words per slot; a candidate that does not reach there allows every byte): most table hits
   * in ordinary text fail one of these two tests, before any candidate is looked at.
   */
  private readonly prevMask: Int32Array;
  private readonly nextMask: Int32Array;
  private readonly groupFirst: Int32Array;
  private readonly groupLit: Int32Array;
  private readonly litData: Uint8Array;
  /** Literals ending in 0, which also occur when the rest of them ends the subject (gates.ts). */
  private readonly endLits: Int32Array;
  /** endLast[c]: some such literal's rest ends in c; endAlways: one of them is just 0. */
  private readonly endLast: Uint8Array;
  private readonly endAlways: boolean;
  private readonly litStart: Int32Array;
  private readonly litLen: Int32Array;

  // Hits of the current scan (beginScan() starts one): a literal is hit when stamp[id] === epoch;
  // minEnd[id] is the smallest recorded end of an occurrence (position after it, plus the scan's
  // base), and hitList[0..nHits) lists the hit ids.
  readonly stamp: Int32Array;
  readonly minEnd: Int32Array;
  readonly hitList: Int32Array;
  nHits = 0;
  epoch = 0;

  /** Views of the buffer being scanned, from its first byte. */
  private u8: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
  private u16: Uint16Array<ArrayBufferLike> | null = null;
  private lastMiss: ArrayBufferLike | null = null;
  /** The views of the last two buffers (a request's packet and the scratch copy alternate). */
  private cacheAb: (ArrayBufferLike | null)[] = [null, null];
  private cacheU8: Uint8Array<ArrayBufferLike>[] = [new Uint8Array(0), new Uint8Array(0)];
  private cacheU16: Uint16Array<ArrayBufferLike>[] = [new Uint16Array(0), new Uint16Array(0)];
  /** Table hits of a scan loop, verified after it: position and slot. */
  private hitPos = new Int32Array(4200);
  private hitSlot = new Int32Array(4200);

  constructor(literals: readonly string[]) {
    this.literals = literals;
    const n = literals.length;
    this.stamp = new Int32Array(n);
    this.minEnd = new Int32Array(n);
    this.hitList = new Int32Array(n);
    // The tables depend on the literals only: engines built from the same rules share them.
    const key = literals.join('\u0000\u0001');
    const t = built.get(key);
    if (t !== undefined) {
      // The same order as below: one hidden class for every scanner.
      this.endLast = t.endLast;
      this.litStart = t.litStart;
      this.litLen = t.litLen;
      this.maxLen = t.maxLen;
      this.litData = t.litData;
      this.endLits = t.endLits;
      this.endAlways = t.endAlways;
      this.slotOf = t.slotOf;
      this.slotStart = t.slotStart;
      this.candLit = t.candLit;
      this.candOff = t.candOff;
      this.candLen = t.candLen;
      this.candWord = t.candWord;
      this.candFirst = t.candFirst;
      this.groupFirst = t.groupFirst;
      this.groupLit = t.groupLit;
      this.groupStart = t.groupStart;
      this.prevMask = t.prevMask;
      this.nextMask = t.nextMask;
      return;
    }
    if (built.size >= 16) built.clear();
    built.set(key, this);
    this.endLast = new Uint8Array(256);
    this.litStart = new Int32Array(n + 1);
    this.litLen = new Int32Array(n);
    let total = 0;
    let maxLen = 0;
    for (let id = 0; id < n; id++) {
      const l = literals[id];
      if (l.length === 0) throw new Error('empty literal');
      this.litStart[id] = total;
      this.litLen[id] = l.length;
      total += l.length;
      if (l.length > maxLen) maxLen = l.length;
    }
    this.maxLen = maxLen;
    this.litData = new Uint8Array(total);
    for (let id = 0; id < n; id++) {
      const l = literals[id];
      for (let j = 0; j < l.length; j++) {
        const c = l.charCodeAt(j);
        if (c > 0xff || FOLD[c] !== c) throw new Error(`literal ${JSON.stringify(l)} is not in the scan alphabet`);
        this.litData[this.litStart[id] + j] = c;
      }
    }
    const ends: number[] = [];
    let endAlways = false;
    for (let id = 0; id < n; id++) {
      const l = literals[id];
      if (l.charCodeAt(l.length - 1) !== 0) continue;
      ends.push(id);
      if (l.length === 1) endAlways = true;
      else this.endLast[l.charCodeAt(l.length - 2)] = 1;
    }
    this.endLits = Int32Array.from(ends);
    this.endAlways = endAlways;
    const keys = new Map<number, number[]>();
    for (let id = 0; id < n; id++) {
      for (const { off, a, b } of scanKeys(literals[id])) {
        for (const x of variants(a)) {
          for (const y of variants(b)) {
            const k = pairKey(x, y);
            let list = keys.get(k);
            if (list === undefined) keys.set(k, (list = []));
            list.push(id, off);
          }
        }
      }
    }
    // The header end must show among the hits (scanHeaders()).
    if (!keys.has(KEY_CR_LF)) keys.set(KEY_CR_LF, []);
    if (!keys.has(KEY_LF_CR)) keys.set(KEY_LF_CR, []);
    // Keys with the same candidates share a slot (a one-character literal is entered under 512 keys).
    const slotOfList = new Map<string, number>();
    const lists: number[][] = [];
    this.slotOf = new Uint16Array(65536);
    for (const [k, list] of keys) {
      const sig = list.join(',');
      let slot = slotOfList.get(sig);
      if (slot === undefined) {
        lists.push(list);
        slot = lists.length;
        if (slot > 0xffff) throw new Error('too many literal pairs');
        slotOfList.set(sig, slot);
      }
      this.slotOf[k] = slot;
    }
    // Within a slot, literals at the same offset that differ only in their first character are
    // checked together: their common rest once, then the first character.
    type Cand = { off: number; len: number; word: number; first: number; lit: number; members: [number, number][] };
    const slotCands: Cand[][] = lists.map((list) => {
      const byTail = new Map<string, Cand>();
      const out: Cand[] = [];
      for (let j = 0; j < list.length; j += 2) {
        const id = list[j];
        const off = list[j + 1];
        const l = literals[id];
        const key = `${off}\u0001${l.slice(1)}`;
        let c = byTail.get(key);
        if (c === undefined) {
          c = { off, len: l.length, word: tailHead(l), first: l.charCodeAt(0), lit: id, members: [] };
          byTail.set(key, c);
          out.push(c);
        }
        c.members.push([l.charCodeAt(0), id]);
      }
      return out;
    });
    this.slotStart = new Int32Array(lists.length + 2);
    let cands = 0;
    let members = 0;
    for (const list of slotCands) {
      cands += list.length;
      for (const c of list) if (c.members.length > 1) members += c.members.length;
    }
    this.candLit = new Int32Array(cands);
    this.candOff = new Int32Array(cands);
    this.candLen = new Int32Array(cands);
    this.candWord = new Int32Array(cands);
    this.candFirst = new Int32Array(cands);
    const groupStart: number[] = [0];
    this.groupFirst = new Int32Array(members);
    this.groupLit = new Int32Array(members);
    let at = 0;
    let gm = 0;
    slotCands.forEach((list, i) => {
      this.slotStart[i + 1] = at;
      for (const c of list) {
        this.candOff[at] = c.off;
        this.candLen[at] = c.len;
        this.candWord[at] = c.word;
        if (c.members.length === 1) {
          this.candFirst[at] = c.first;
          this.candLit[at] = c.lit;
        } else {
          this.candFirst[at] = -1;
          this.candLit[at] = groupStart.length - 1;
          for (const [first, id] of c.members) {
            this.groupFirst[gm] = first;
            this.groupLit[gm++] = id;
          }
          groupStart.push(gm);
        }
        at++;
      }
    });
    this.slotStart[lists.length + 1] = at;
    this.groupStart = Int32Array.from(groupStart);
    this.prevMask = new Int32Array((lists.length + 2) * 8);
    this.nextMask = new Int32Array((lists.length + 2) * 8);
    const allow = (mask: Int32Array, slot: number, c: number): void => {
      if (c < 0) mask.fill(-1, slot * 8, slot * 8 + 8);
      else for (const v of variants(c)) mask[slot * 8 + (v >> 5)] |= 1 << (v & 31);
    };
    lists.forEach((list, i) => {
      const slot = i + 1;
      for (let j = 0; j < list.length; j += 2) {
        const l = literals[list[j]];
        const off = list[j + 1];
        // The pair read at i covers literal positions off and off + 1.
        allow(this.prevMask, slot, off - 1 >= 0 && off - 1 < l.length ? l.charCodeAt(off - 1) : -1);
        allow(this.nextMask, slot, off + 2 >= 0 && off + 2 < l.length ? l.charCodeAt(off + 2) : -1);
      }
    });
  }

  /** Starts a new set of hits. */
  beginScan(): void {
    if (this.epoch === 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 0;
    }
    this.epoch++;
    this.nHits = 0;
  }

  /** True when literal `id` was hit with an occurrence whose recorded end is at most `bound`. */
  hit(id: number, bound: number): boolean {
    return this.stamp[id] === this.epoch && this.minEnd[id] <= bound;
  }

  private room(pairs: number): void {
    if (this.hitPos.length < pairs + 2) {
      this.hitPos = new Int32Array(pairs + 2);
      this.hitSlot = new Int32Array(pairs + 2);
    }
  }

  /**
   * Sets u8/u16 to views of b's whole buffer and returns b's offset in it, or, for a buffer not
   * scanned just before, sets u8 = b, u16 = null (byte loads) and returns 0: a capture reader hands
   * out packets from one large buffer, and the scratch copy is reused, but a buffer per packet would
   * pay two allocations for nothing.
   */
  private views(b: Uint8Array): number {
    const ab = b.buffer;
    let k = this.cacheAb[0] === ab ? 0 : this.cacheAb[1] === ab ? 1 : -1;
    if (k < 0) {
      if (this.lastMiss !== ab) {
        this.lastMiss = ab;
        this.u8 = b;
        this.u16 = null;
        return 0;
      }
      // Replace the older entry (entry 1), keeping the newest first.
      this.cacheAb[1] = this.cacheAb[0];
      this.cacheU8[1] = this.cacheU8[0];
      this.cacheU16[1] = this.cacheU16[0];
      this.cacheAb[0] = ab;
      this.cacheU8[0] = new Uint8Array(ab);
      this.cacheU16[0] = new Uint16Array(ab, 0, ab.byteLength >> 1);
      k = 0;
    }
    this.u8 = this.cacheU8[k];
    this.u16 = this.cacheU16[k];
    return b.byteOffset;
  }

  private collect(s: number, e: number): number {
    const u16 = this.u16;
    if (u16 === null) return collectBytes(this.slotOf, this.u8, this.hitPos, this.hitSlot, s, e);
    return collect(this.slotOf, this.u8, u16, this.hitPos, this.hitSlot, s, e);
  }

  /** Records the literals occurring in b[start..end) (recorded end: after the occurrence, plus `base`). */
  scanBytes(b: Uint8Array, start: number, end: number, base: number): void {
    if (end <= start) return;
    this.room((end - start) >> 1);
    const o = this.views(b);
    const n = this.collect(start + o, end + o);
    this.verifyHits(n, start + o, end + o, base - o);
  }

  /**
   * As scanBytes() over the header block of a request, also finding its end: the first CRLFCRLF
   * starting in b[start..end); returns the position after it (-1: none) and counts only literals
   * before it. The pairs "\r\n" and "\n\r" always have a table entry, so the CRLFCRLF shows among
   * the hits: as "\n\r" read at an even position, or "\r\n" read twice in a row.
   */
  scanHeaders(b: Uint8Array, start: number, end: number, base: number): number {
    if (end <= start) return -1;
    this.room((end - start) >> 1);
    const o = this.views(b);
    const s = start + o;
    let e = end + o;
    const u8 = this.u8;
    const hitPos = this.hitPos;
    const n = this.collect(s, e);
    let headerEnd = -1;
    for (let k = 0; k < n; k++) {
      const p = hitPos[k];
      if (p + 1 >= e) break;
      const key = pairKey(u8[p], u8[p + 1]);
      if (key === KEY_LF_CR) {
        if (p - 1 >= s && p + 2 < e && u8[p - 1] === 0x0d && u8[p + 2] === 0x0a) {
          headerEnd = p + 3;
          break;
        }
      } else if (key === KEY_CR_LF && p - 2 >= s && u8[p - 2] === 0x0d && u8[p - 1] === 0x0a) {
        headerEnd = p + 2;
        break;
      }
    }
    if (headerEnd >= 0) e = headerEnd;
    for (let k = 0; k < n && hitPos[k] < e; k++) this.verify(this.hitSlot[k], hitPos[k], s, e, base - o);
    return headerEnd < 0 ? -1 : headerEnd - o;
  }

  private verifyHits(n: number, s: number, lim: number, base: number): void {
    for (let k = 0; k < n; k++) this.verify(this.hitSlot[k], this.hitPos[k], s, lim, base);
  }

  /** The neighbour test of a table hit at i (see prevMask): false when no candidate can be there. */
  private neighbours(slot: number, i: number, s: number, lim: number): boolean {
    const u8 = this.u8;
    const b = slot << 3;
    if (i - 1 >= s) {
      const c = u8[i - 1];
      if (((this.prevMask[b + (c >> 5)] >>> (c & 31)) & 1) === 0) return false;
    }
    if (i + 2 < lim) {
      const c = u8[i + 2];
      if (((this.nextMask[b + (c >> 5)] >>> (c & 31)) & 1) === 0) return false;
    }
    return true;
  }

  /**
   * Checks the candidates of a table hit at position i of this.u8 (the whole buffer; occurrences
   * in [s, lim)): bytes 1 to 4 with bit 0x20 set (one comparison rejects nearly every wrong one),
   * then the rest folded, then the first byte.
   */
  private verify(slot: number, i: number, s: number, lim: number, base: number): void {
    if (!this.neighbours(slot, i, s, lim)) return;
    const u8 = this.u8;
    const candOff = this.candOff;
    const candLen = this.candLen;
    const candWord = this.candWord;
    for (let j = this.slotStart[slot], e = this.slotStart[slot + 1]; j < e; j++) {
      const p = i - candOff[j];
      const m = candLen[j];
      if (p < s || p + m > lim) continue;
      let w = 0;
      if (m >= 5) w = (u8[p + 1] | (u8[p + 2] << 8) | (u8[p + 3] << 16) | (u8[p + 4] << 24)) | 0x20202020;
      else if (m === 4) w = (u8[p + 1] | (u8[p + 2] << 8) | (u8[p + 3] << 16)) | 0x202020;
      else if (m === 3) w = (u8[p + 1] | (u8[p + 2] << 8)) | 0x2020;
      else if (m === 2) w = u8[p + 1] | 0x20;
      if (w !== candWord[j]) continue;
      const first = FOLD[u8[p]];
      const want = this.candFirst[j];
      if (want >= 0 && first !== want) continue;
      let id = this.candLit[j];
      if (want < 0) {
        const g = id;
        id = -1;
        for (let q = this.groupStart[g], qe = this.groupStart[g + 1]; q < qe; q++) {
          if (this.groupFirst[q] === first) {
            id = this.groupLit[q];
            break;
          }
        }
        if (id < 0) continue;
      }
      const ls = this.litStart[id];
      const litData = this.litData;
      let t = 1;
      while (t < m && FOLD[u8[p + t]] === litData[ls + t]) t++;
      if (t === m) this.record(id, p + m + base);
    }
  }

  /**
   * True when a literal could occur at the end of a subject whose last character is c: one ending
   * in 0 (standing for the end of the text) whose rest ends in c. Subjects nearly always end in a
   * line feed, so matchEnd() rarely has to run.
   */
  endMatters(c: number): boolean {
    return this.endAlways || (this.endLits.length > 0 && this.endLast[c > 0xff ? 0 : FOLD[c]] === 1);
  }

  /** Records the literals ending in 0 whose rest ends `text` (the subject), as hits that count. */
  matchEnd(text: string): void {
    const n = text.length;
    for (let k = 0; k < this.endLits.length; k++) {
      const id = this.endLits[k];
      const m = this.litLen[id] - 1;
      if (m > n) continue;
      const ls = this.litStart[id];
      let t = 0;
      for (; t < m; t++) {
        const c = text.charCodeAt(n - m + t);
        if ((c > 0xff ? 0 : FOLD[c]) !== this.litData[ls + t]) break;
      }
      if (t === m) this.record(id, ALWAYS);
    }
  }

  /** As scanBytes() over text.charCodeAt (characters above U+00FF read as 0). */
  scanString(text: string, start: number, end: number, base: number): void {
    for (let i = start; i < end; i += 2) {
      let a = text.charCodeAt(i);
      let b = i + 1 < end ? text.charCodeAt(i + 1) : PAD;
      if (a > 0xff) a = 0;
      if (b > 0xff) b = 0;
      const slot = this.slotOf[pairKey(a, b)];
      if (slot !== 0) this.verifyString(slot, i, text, start, end, base);
    }
  }

  private verifyString(slot: number, i: number, text: string, start: number, lim: number, base: number): void {
    const at = (k: number): number => {
      const c = text.charCodeAt(k);
      return c > 0xff ? 0 : FOLD[c];
    };
    for (let j = this.slotStart[slot], e = this.slotStart[slot + 1]; j < e; j++) {
      const p = i - this.candOff[j];
      const m = this.candLen[j];
      if (p < start || p + m > lim) continue;
      const first = at(p);
      let id = this.candLit[j];
      if (this.candFirst[j] >= 0) {
        if (first !== this.candFirst[j]) continue;
      } else {
        const g = id;
        id = -1;
        for (let q = this.groupStart[g], qe = this.groupStart[g + 1]; q < qe; q++) if (this.groupFirst[q] === first) id = this.groupLit[q];
        if (id < 0) continue;
      }
      const ls = this.litStart[id];
      let t = 1;
      while (t < m && at(p + t) === this.litData[ls + t]) t++;
      if (t === m) this.record(id, p + m + base);
    }
  }

  private record(id: number, end: number): void {
    if (this.stamp[id] !== this.epoch) {
      this.stamp[id] = this.epoch;
      this.minEnd[id] = end;
      this.hitList[this.nHits++] = id;
    } else if (end < this.minEnd[id]) this.minEnd[id] = end;
  }
}
