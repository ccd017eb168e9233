// The multi-literal prefilter (Suricata's "MPM" stage in miniature): one Aho-Corasick pass over
// the text marks which of the rules' necessary literals occur, so a regex runs only when one of the
// literals it cannot match without is present. Scanning is ASCII case-insensitive, which can only
// over-report for case-sensitive literals (the regex then decides), never miss.

/** Characters above this cannot be part of a literal; they map to the "other" class. */
const MAX_CHAR = 255;

export class LiteralScanner {
  /** The literals, lower-cased; ids are indexes. */
  readonly literals: readonly string[];
  /** Character -> class (0 = no literal uses it). */
  private readonly cls = new Uint8Array(MAX_CHAR + 1);
  private readonly nClasses: number;
  /**
   * Transitions: next state, premultiplied by nClasses, for state + class; bit-inverted (negative)
   * when the next state ends one or more literals, so the scan needs one load per character.
   */
  private readonly delta: Int32Array;
  /** Literal ids ending at each state: outIds[outStart[s]..outStart[s + 1]). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;

  constructor(literals: readonly string[]) {
    // Only A-Z fold (the scan folds the text the same way): other letters keep their case.
    this.literals = literals.map((l) => l.replace(/[A-Z]/g, (ch) => ch.toLowerCase()));
    for (const l of this.literals) {
      for (let i = 0; i < l.length; i++) {
        const c = l.charCodeAt(i);
        if (c > MAX_CHAR) throw new Error(`literal ${JSON.stringify(l)} has a character above U+00FF`);
      }
    }
    let n = 1;
    for (const l of this.literals) {
      for (let i = 0; i < l.length; i++) {
        const c = l.charCodeAt(i);
        if (this.cls[c] === 0) this.cls[c] = n++;
      }
    }
    for (let c = 0x41; c <= 0x5a; c++) this.cls[c] = this.cls[c + 0x20];
    this.nClasses = n;

    // Trie, then failure links breadth-first, folding them into a full transition table.
    const next: Int32Array[] = [new Int32Array(n).fill(-1)];
    const out: number[][] = [[]];
    this.literals.forEach((l, id) => {
      let s = 0;
      for (let i = 0; i < l.length; i++) {
        const k = this.cls[l.charCodeAt(i)];
        if (next[s][k] < 0) {
          next[s][k] = next.length;
          next.push(new Int32Array(n).fill(-1));
          out.push([]);
        }
        s = next[s][k];
      }
      out[s].push(id);
    });
    const fail = new Int32Array(next.length);
    const queue: number[] = [];
    for (let k = 0; k < n; k++) {
      const t = next[0][k];
      if (t > 0) queue.push(t);
      else next[0][k] = 0;
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q];
      for (let k = 0; k < n; k++) {
        const t = next[s][k];
        if (t > 0) {
          fail[t] = next[fail[s]][k];
          out[t] = out[t].concat(out[fail[t]]);
          queue.push(t);
        } else {
          next[s][k] = next[fail[s]][k];
        }
      }
    }
    const states = next.length;
    this.delta = new Int32Array(states * n);
    this.outStart = new Int32Array(states + 1);
    const ids: number[] = [];
    for (let s = 0; s < states; s++) {
      for (let k = 0; k < n; k++) {
        const t = next[s][k];
        this.delta[s * n + k] = out[t].length > 0 ? ~(t * n) : t * n;
      }
      this.outStart[s] = ids.length;
      ids.push(...new Set(out[s]));
    }
    this.outStart[states] = ids.length;
    this.outIds = Int32Array.from(ids);
  }

  /** As scan(), over latin1 bytes b[start..end). */
  scanBytes(b: Uint8Array, start: number, end: number, hits: Uint8Array): void {
    scanBytes(b, start, end, this.cls, this.delta, this.nClasses, this.outStart, this.outIds, hits);
  }

  /** Sets hits[id] = 1 for every literal that occurs in `text` (hits is not cleared here). */
  scan(text: string, hits: Uint8Array): void {
    scanText(text, this.cls, this.delta, this.nClasses, this.outStart, this.outIds, hits);
  }
}

// Free functions over typed arrays: the shape V8 optimises best for these loops.
function scanBytes(
  b: Uint8Array,
  start: number,
  end: number,
  cls: Uint8Array,
  delta: Int32Array,
  nClasses: number,
  outStart: Int32Array,
  outIds: Int32Array,
  hits: Uint8Array,
): void {
  let s = 0;
  for (let i = start; i < end; i++) {
    s = delta[s + cls[b[i]]];
    if (s < 0) {
      s = ~s;
      const st = (s / nClasses) | 0;
      for (let j = outStart[st], e = outStart[st + 1]; j < e; j++) hits[outIds[j]] = 1;
    }
  }
}

function scanText(
  text: string,
  cls: Uint8Array,
  delta: Int32Array,
  nClasses: number,
  outStart: Int32Array,
  outIds: Int32Array,
  hits: Uint8Array,
): void {
  let s = 0;
  for (let i = 0, n = text.length; i < n; i++) {
    const c = text.charCodeAt(i);
    s = delta[s + (c <= MAX_CHAR ? cls[c] : 0)];
    if (s < 0) {
      s = ~s;
      const st = (s / nClasses) | 0;
      for (let j = outStart[st], e = outStart[st + 1]; j < e; j++) hits[outIds[j]] = 1;
    }
  }
}
