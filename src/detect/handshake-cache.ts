// Pending TCP handshakes: SYNs waiting for the client's completing ACK. A fixed-size, 4-way
// set-associative cache in one typed array -- each set is 4 slots of 4 words (source, destination,
// ports, SYN time), 64 bytes, one cache line -- so a probe costs one memory access and nothing is
// allocated. Under a flood the oldest pending SYN in a set is overwritten: that is the bound the
// spec asks for, and it is counted.

const WAYS = 4;
const WORDS = 4; // src, dst, ports, time
const EMPTY = 0;

export class HandshakeCache {
  private readonly mask: number;
  private readonly slots: Uint32Array;
  /** Event time the stored SYN times count from (milliseconds, stored +1 so 0 means empty). */
  private base = NaN;
  /** Pending SYNs overwritten before their handshake completed or went stale. */
  evictions = 0;

  constructor(entries: number) {
    let sets = 1;
    while (sets * WAYS < entries) sets <<= 1;
    this.mask = sets - 1;
    this.slots = new Uint32Array(sets * WAYS * WORDS);
  }

  get capacity(): number {
    return (this.mask + 1) * WAYS;
  }

  private setOffset(src: number, dst: number, ports: number): number {
    let h = Math.imul(src ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ dst ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ ports ^ (h >>> 16), 0x27d4eb2f);
    return ((h ^ (h >>> 15)) & this.mask) * WAYS * WORDS;
  }

  /** SYN time as stored: milliseconds since the first SYN, plus one (wraps after 49 days). */
  private stamp(ts: number): number {
    if (this.base !== this.base) this.base = ts;
    return ((Math.floor((ts - this.base) * 1000) + 1) >>> 0) || 1;
  }

  /**
   * Records a SYN. Returns false when the same handshake is already pending (a retransmission,
   * which must not count as a new half-open connection), true otherwise. A pending SYN older than
   * `staleAfter` seconds is expired, not evicted, when overwritten.
   */
  addSyn(src: number, dst: number, ports: number, ts: number, staleAfter: number): boolean {
    const slots = this.slots;
    const base = this.setOffset(src, dst, ports);
    src >>>= 0;
    dst >>>= 0;
    const now = this.stamp(ts);
    let victim = -1;
    let oldest = Infinity;
    for (let i = base; i < base + WAYS * WORDS; i += WORDS) {
      const t = slots[i + 3];
      if (t === EMPTY) {
        if (oldest !== -1) {
          victim = i;
          oldest = -1; // an empty slot beats any occupied one
        }
        continue;
      }
      if (slots[i] === src && slots[i + 1] === dst && slots[i + 2] === ports) return false;
      const age = (now - t) >>> 0;
      if (oldest !== -1 && (victim < 0 || age > oldest)) {
        victim = i;
        oldest = age;
      }
    }
    if (oldest !== -1 && oldest < staleAfter * 1000) this.evictions++;
    slots[victim] = src;
    slots[victim + 1] = dst;
    slots[victim + 2] = ports;
    slots[victim + 3] = now;
    return true;
  }

  /** Marks the handshake complete when its SYN is pending; false for any other ACK (the common case). */
  complete(src: number, dst: number, ports: number): boolean {
    const slots = this.slots;
    const base = this.setOffset(src, dst, ports);
    src >>>= 0;
    dst >>>= 0;
    for (let i = base; i < base + WAYS * WORDS; i += WORDS) {
      if (slots[i + 3] !== EMPTY && slots[i] === src && slots[i + 1] === dst && slots[i + 2] === ports) {
        slots[i + 3] = EMPTY;
        return true;
      }
    }
    return false;
  }
}
