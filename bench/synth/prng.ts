// A small seeded generator (sfc32, seeded through splitmix32). Only integer operations and plain
// IEEE arithmetic are used — no Math.random, no transcendental functions — so the same seed gives
// the same sequence on every machine and Node version, and a capture is byte-identical everywhere.

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` may be any finite number; its integer part (up to 53 bits) is used. */
  constructor(seed: number) {
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
    let s = (lo ^ Math.imul(hi, 0x9e3779b1)) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next() | 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next unsigned 32-bit integer. */
  u32(): number {
    const t0 = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    const t = (t0 + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }

  /** A gap around `mean`: uniform in [mean/2, 3·mean/2), so the average rate is 1/mean. */
  jitter(mean: number): number {
    return mean * (0.5 + this.float());
  }

  /** An independent generator derived from this one (consumes two draws). */
  fork(): Prng {
    return new Prng(this.u32() * 2097152 + (this.u32() >>> 11));
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const tmp = arr[i];
      arr[i] = arr[j];
      arr[j] = tmp;
    }
    return arr;
  }
}

/**
 * A seeded bijection of the 32-bit integers: `at(i)` for distinct i gives distinct values that
 * look random. Used to draw K distinct spoofed addresses without a set of the ones already used.
 */
export class Permutation32 {
  private readonly k1: number;
  private readonly k2: number;

  constructor(rng: Prng) {
    this.k1 = rng.u32();
    this.k2 = rng.u32();
  }

  at(i: number): number {
    let x = (i ^ this.k1) >>> 0;
    x = fmix32(x);
    x = (x ^ this.k2) >>> 0;
    return fmix32(x);
  }
}

/** MurmurHash3's finalizer: every step is invertible on 32 bits, so the whole is a bijection. */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A second, tiny generator (mulberry32) returning floats in [0, 1): what the signature tests and
 * benchmark draw their fuzz and stream mixes from.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
