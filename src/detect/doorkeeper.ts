// Admission for per-source state (the "doorkeeper" of TinyLFU): the first SYN, UDP or echo packet
// of an unknown source only sets a bit; the source gets a slot in the state table when it shows up
// again. A spoofed flood sends one packet per forged address, so its sources never take a slot,
// never evict a real one, and cost one probe of a small bitmap instead of several cache misses in
// the big tables. When a source is admitted, rate counters are credited with the packet that was
// only noted, so rates stay exact; a distinct-port count can be one short (that port is unknown).
// The per-destination and global views count every packet.
//
// Two bitmaps rotate so that "seen recently" forgets: bits are set in the current one, looked up in
// both, and the older one is cleared once the current one has taken an eighth of its size in new
// sources. So the last 256k-512k new sources are remembered, and at most about a quarter of the
// bits are set: a first packet wrongly taken for a second (and given a slot, as without the
// doorkeeper) stays the exception.

const BITS = 1 << 21; // 256 KiB per bitmap

export class Doorkeeper {
  private cur = new Uint32Array(BITS >>> 5);
  private old = new Uint32Array(BITS >>> 5);
  private added = 0;
  /** First packets that were only noted, not given state. */
  deferred = 0;

  /** True when the key was seen recently; otherwise notes it and returns false. */
  seen(a: number, b: number): boolean {
    let h = Math.imul(a ^ 0x27d4eb2f, 0x165667b1);
    h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca6b);
    h ^= h >>> 13;
    const bit = h & (BITS - 1);
    const w = bit >>> 5;
    const m = 1 << (bit & 31);
    if ((this.cur[w] & m) !== 0 || (this.old[w] & m) !== 0) return true;
    this.cur[w] |= m;
    this.deferred++;
    if (++this.added >= BITS >>> 3) {
      const t = this.old;
      this.old = this.cur;
      this.cur = t;
      this.cur.fill(0);
      this.added = 0;
    }
    return false;
  }
}
