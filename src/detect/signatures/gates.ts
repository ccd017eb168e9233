// Prefilter gates for the alternatives of HTTP rules: which literals a regex cannot match without.
//
// A gate is a list of literal sets; the alternative can only match a subject that contains a member
// of every set, so the engine runs its regex only when the literal scan (pair-scanner.ts) found one
// member of each. Gates are derived from the regex itself and are sound by construction: every
// construct the analysis does not understand contributes no literal, never a wrong one.
//
// Compared with necessaryLiterals() (fields.ts), which keeps the longest plain literal run, the
// analysis here also keeps the context of a literal: the characters a small class or an optional
// part may put before it. `[;|\n][ \t]*(?:/bin/)?(?:id|ls)` needs one of ";id", " id", "/id",
// "\nls"... (a separator or a space right before the command), which normal requests rarely hold,
// where the single characters ';' or '\n' are in every request. Candidate sets are ranked by their
// expected cost on a small built-in sample of ordinary browser requests: the regex runs they would
// let through, plus what scanning for their literals costs (scanKeys()); up to three sets are
// combined when one is not selective enough on its own (\bunion\b...select needs both words).
//
// Literal alphabet: latin1 characters with A-Z folded to a-z (the scanner folds the text the same
// way), and character 0 standing for NUL, for every character above U+00FF (the scanner maps such
// text characters to 0) and for the end of the text (the scanner treats the subject as followed by
// one character 0: a literal ending in 0 also occurs when the rest of it ends the subject). All of
// these only ever make a gate open more often, never less.

/** Longest literal kept (longer ones are cut: a part of a necessary literal is necessary too). */
export const GATE_LITERAL_MAX = 16;
const K = GATE_LITERAL_MAX;
/** Most literals in one set. */
const SET_MAX = 4096;
/** Most strings an exact set may enumerate. */
const EXACT_MAX = 256;
/** Classes with more characters than this are not enumerated (they contribute nothing). */
const CLASS_MAX = 24;
/** Literals this short are extended by a following lookahead when the whole set cannot be. */
const SHORT_LITERAL = 4;
/** Most candidate sets kept per node. */
const KEEP = 24;

// ---------------------------------------------------------------- characters

/** Alphabet code of a text or literal character: A-Z folded, above U+00FF mapped to 0. */
function alpha(c: number): number {
  if (c > 0xff) return 0;
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

let canonTable: Uint16Array | null = null;
let canonHigh: Uint8Array | null = null;

/** ECMAScript Canonicalize for non-unicode ignoreCase, for every UTF-16 unit. */
function canon(): Uint16Array {
  if (canonTable === null) {
    const t = new Uint16Array(65536);
    const high = new Uint8Array(65536);
    for (let u = 0; u < 65536; u++) {
      const up = String.fromCharCode(u).toUpperCase();
      const cu = up.length === 1 ? up.charCodeAt(0) : u;
      t[u] = up.length === 1 && !(u >= 128 && cu < 128) ? cu : u;
    }
    for (let u = 0x100; u < 65536; u++) high[t[u]] = 1;
    canonTable = t;
    canonHigh = high;
  }
  return canonTable;
}

type Ranges = [number, number][];

/** The alphabet codes of the characters in `ranges` (UTF-16 units), or null when too many. */
function rangesToSet(ranges: Ranges, ci: boolean): number[] | null {
  const out = new Set<number>();
  let highSize = 0;
  for (const [lo, hi] of ranges) {
    for (let c = lo; c <= Math.min(hi, 0xff); c++) {
      out.add(alpha(c));
      if (out.size > CLASS_MAX) return null;
    }
    if (hi > 0xff) {
      out.add(0);
      highSize += hi - Math.max(lo, 0x100) + 1;
    }
  }
  if (ci) {
    const t = canon();
    // Latin1 characters whose case variants the class holds.
    const canons = new Set<number>();
    for (const [lo, hi] of ranges) {
      if (hi > 0xff && highSize > 4096) return null;
      for (let c = lo; c <= hi; c++) canons.add(t[c]);
    }
    for (let d = 0; d <= 0xff; d++) {
      if (canons.has(t[d])) {
        out.add(alpha(d));
        if (canonHigh![t[d]] === 1) out.add(0);
      }
    }
    if (out.size > CLASS_MAX) return null;
  }
  return [...out].sort((a, b) => a - b);
}

function complement(r: Ranges): Ranges {
  const sorted = [...r].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]];
const SPACE: Ranges = [
  [0x09, 0x0d], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000], [0xfeff, 0xfeff],
];
const LINE_TERMINATORS: Ranges = [[0x0a, 0x0a], [0x0d, 0x0d], [0x2028, 0x2029]];

// ---------------------------------------------------------------- parsing

type Node =
  | { k: 'chars'; set: number[] | null }
  | { k: 'seq'; items: Node[] }
  | { k: 'alt'; alts: Node[] }
  | { k: 'rep'; node: Node; min: number; max: number }
  | { k: 'zero' }
  | { k: 'look'; node: Node; ahead: boolean }
  | { k: 'any' };

class Unsupported extends Error {}

const HEX = /^[0-9a-fA-F]+$/;

class Parser {
  i = 0;
  /** Inside a positive lookahead (where '$' reads as the end-of-text character 0). */
  private ahead = 0;
  constructor(
    readonly src: string,
    readonly ci: boolean,
    readonly dotAll: boolean,
    readonly multiline: boolean,
  ) {}

  parse(): Node {
    const n = this.disjunction();
    if (this.i !== this.src.length) throw new Unsupported('trailing input');
    return n;
  }

  private disjunction(): Node {
    const alts = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0] : { k: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    const s = this.src;
    while (this.i < s.length && s[this.i] !== '|' && s[this.i] !== ')') {
      const atom = this.atom();
      const q = this.quantifier();
      items.push(q === null ? atom : { k: 'rep', node: atom, min: q.min, max: q.max });
    }
    return { k: 'seq', items };
  }

  private quantifier(): { min: number; max: number } | null {
    const s = this.src;
    const c = s[this.i];
    let min: number;
    let max: number;
    if (c === '*') [min, max] = [0, Infinity];
    else if (c === '+') [min, max] = [1, Infinity];
    else if (c === '?') [min, max] = [0, 1];
    else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(s.slice(this.i, this.i + 24));
      if (!m) return null;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
      this.i += m[0].length - 1;
    } else return null;
    this.i++;
    if (s[this.i] === '?') this.i++;
    return { min, max };
  }

  private chars(ranges: Ranges): Node {
    return { k: 'chars', set: rangesToSet(ranges, this.ci) };
  }

  private atom(): Node {
    const s = this.src;
    const c = s[this.i];
    if (c === '(') return this.group();
    if (c === '[') return this.charClass();
    if (c === '.') {
      this.i++;
      return this.chars(this.dotAll ? [[0, 0xffff]] : complement(LINE_TERMINATORS));
    }
    if (c === '^' || c === '$') {
      this.i++;
      // In a positive lookahead, '$' is the text ending here: the scan reads one character 0 past
      // the end of the subject (END_OF_TEXT below), and with the m flag a line terminator does too.
      if (c === '$' && this.ahead > 0) return { k: 'chars', set: this.multiline ? [0, 0x0a, 0x0d] : [0] };
      return { k: 'zero' };
    }
    if (c === '\\') return this.escape();
    this.i++;
    return this.chars([[c.charCodeAt(0), c.charCodeAt(0)]]);
  }

  private group(): Node {
    const s = this.src;
    let look: 'ahead' | 'behind' | null = null;
    let negative = false;
    if (s.startsWith('(?:', this.i)) this.i += 3;
    else if (s.startsWith('(?=', this.i) || s.startsWith('(?!', this.i)) {
      look = 'ahead';
      negative = s[this.i + 2] === '!';
      this.i += 3;
    } else if (s.startsWith('(?<=', this.i) || s.startsWith('(?<!', this.i)) {
      look = 'behind';
      negative = s[this.i + 3] === '!';
      this.i += 4;
    } else if (s.startsWith('(?<', this.i)) {
      const close = s.indexOf('>', this.i);
      if (close < 0) throw new Unsupported('group name');
      this.i = close + 1;
    } else if (s.startsWith('(?', this.i)) throw new Unsupported('group modifier');
    else this.i++;
    const positiveAhead = look === 'ahead' && !negative;
    if (positiveAhead) this.ahead++;
    const inner = this.disjunction();
    if (positiveAhead) this.ahead--;
    if (s[this.i] !== ')') throw new Unsupported('unbalanced group');
    this.i++;
    if (look === null) return inner;
    if (negative) return { k: 'zero' };
    return { k: 'look', node: inner, ahead: look === 'ahead' };
  }

  /** An escape outside a class. */
  private escape(): Node {
    const s = this.src;
    const e = s[this.i + 1];
    if (e === undefined) throw new Unsupported('trailing backslash');
    if (e === 'b' || e === 'B') {
      this.i += 2;
      return { k: 'zero' };
    }
    if (/[1-9]/.test(e) || (e === '0' && /[0-9]/.test(s[this.i + 2] ?? ''))) {
      // Back-reference (or a legacy octal escape): text we do not know, possibly empty.
      this.i += 2;
      while (/[0-9]/.test(s[this.i] ?? '')) this.i++;
      return { k: 'any' };
    }
    if (e === 'k' && s[this.i + 2] === '<') {
      const close = s.indexOf('>', this.i);
      this.i = close < 0 ? this.i + 2 : close + 1;
      return { k: 'any' };
    }
    const r = this.escapeRanges();
    return r === null ? { k: 'any' } : this.chars(r);
  }

  /** The characters of an escape at i (a class escape or one character); null when unknown. */
  private escapeRanges(inClass = false): Ranges | null {
    const s = this.src;
    const e = s[this.i + 1];
    this.i += 2;
    switch (e) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 't':
        return [[9, 9]];
      case 'n':
        return [[10, 10]];
      case 'v':
        return [[11, 11]];
      case 'f':
        return [[12, 12]];
      case 'r':
        return [[13, 13]];
      case '0':
        return [[0, 0]];
      case 'b':
        if (inClass) return [[8, 8]];
        return null;
      case 'c': {
        const l = s[this.i];
        if (l !== undefined && /[A-Za-z]/.test(l)) {
          this.i++;
          const v = l.charCodeAt(0) & 31;
          return [[v, v]];
        }
        return null;
      }
      case 'x': {
        const h = s.slice(this.i, this.i + 2);
        if (h.length === 2 && HEX.test(h)) {
          this.i += 2;
          const v = parseInt(h, 16);
          return [[v, v]];
        }
        return null;
      }
      case 'u': {
        const h = s.slice(this.i, this.i + 4);
        if (h.length === 4 && HEX.test(h)) {
          this.i += 4;
          const v = parseInt(h, 16);
          return [[v, v]];
        }
        return null;
      }
      default:
        // Identity escapes of punctuation; letters and digits we do not know stay unknown.
        if (/[A-Za-z0-9]/.test(e)) return null;
        return [[e.charCodeAt(0), e.charCodeAt(0)]];
    }
  }

  private charClass(): Node {
    const s = this.src;
    this.i++;
    let negated = false;
    if (s[this.i] === '^') {
      negated = true;
      this.i++;
    }
    const ranges: Ranges = [];
    let unknown = false;
    // One class atom: a single character code, a set (class escape), or null (unknown).
    const classAtom = (): { one: number } | { set: Ranges } | null => {
      if (s[this.i] === '\\') {
        const e = s[this.i + 1];
        const isSet = e !== undefined && 'dDwWsS'.includes(e);
        const r = this.escapeRanges(true);
        if (r === null) return null;
        if (isSet) return { set: r };
        return { one: r[0][0] };
      }
      const c = s.charCodeAt(this.i);
      this.i++;
      return { one: c };
    };
    while (this.i < s.length && s[this.i] !== ']') {
      const a = classAtom();
      if (s[this.i] === '-' && s[this.i + 1] !== ']' && this.i + 1 < s.length) {
        this.i++;
        const b = classAtom();
        if (a !== null && b !== null && 'one' in a && 'one' in b) {
          if (a.one > b.one) throw new Unsupported('reversed range');
          ranges.push([a.one, b.one]);
          continue;
        }
        // A class escape at either end makes '-' a plain character (Annex B).
        ranges.push([0x2d, 0x2d]);
        for (const x of [a, b]) {
          if (x === null) unknown = true;
          else if ('one' in x) ranges.push([x.one, x.one]);
          else ranges.push(...x.set);
        }
        continue;
      }
      if (a === null) unknown = true;
      else if ('one' in a) ranges.push([a.one, a.one]);
      else ranges.push(...a.set);
    }
    if (s[this.i] !== ']') throw new Unsupported('unterminated class');
    this.i++;
    if (unknown) return { k: 'chars', set: null };
    return this.chars(negated ? complement(ranges) : ranges);
  }
}

// ---------------------------------------------------------------- analysis

interface Info {
  /** Every match is one of these strings (may contain ''); null when not enumerable. */
  exact: string[] | null;
  /** Every non-empty match starts with one of these (none empty); null when unknown. */
  pre: string[] | null;
  /** Every non-empty match ends with one of these (none empty); null when unknown. */
  suf: string[] | null;
  /** Literal sets the subject holds a member of whenever this node matches. */
  needs: string[][];
  minLen: number;
  zero: boolean;
  /** For a positive lookahead: its body. */
  ahead: Info | null;
  /**
   * For an alternation that is not exact but has exact branches: those branches' strings, and the
   * suffixes of the others' (never empty) matches, so that what precedes the alternation stays
   * known as context for what follows the exact branches.
   */
  mixed?: { exact: string[]; suf: string[] } | null;
}

const uniq = (a: Iterable<string>): string[] => [...new Set(a)];

function trimSuffixes(set: string[], k: number): string[] {
  return uniq(set.map((s) => (s.length > k ? s.slice(s.length - k) : s)));
}

function trimPrefixes(set: string[], k: number): string[] {
  return uniq(set.map((s) => (s.length > k ? s.slice(0, k) : s)));
}

/**
 * All a + b, cut to the last (suffix) or first (prefix) K characters, with K lowered until at most
 * SET_MAX remain; null when even single characters are too many.
 */
function cross(a: string[], b: string[], keep: 'suffix' | 'prefix'): string[] | null {
  const trim = keep === 'suffix' ? trimSuffixes : trimPrefixes;
  // Bound the work: shorten the side whose far end is cut anyway.
  let x = a;
  let y = b;
  for (let k = K; x.length * y.length > 16 * SET_MAX && k >= 1; k--) {
    if (keep === 'suffix') x = trimSuffixes(a, k);
    else y = trimPrefixes(b, k);
  }
  if (x.length * y.length > 16 * SET_MAX) return null;
  const all: string[] = [];
  for (const p of x) for (const q of y) all.push(p + q);
  for (let k = K; k >= 1; k--) {
    const t = trim(all, k);
    if (t.length <= SET_MAX) return t;
  }
  return null;
}

/** Exact concatenation (no cutting); null when more than EXACT_MAX strings or too long. */
function crossExact(a: string[], b: string[]): string[] | null {
  if (a.length * b.length > EXACT_MAX * 4) return null;
  const out = new Set<string>();
  for (const p of a) for (const q of b) out.add(p + q);
  if (out.size > EXACT_MAX) return null;
  for (const s of out) if (s.length > 64) return null;
  return [...out];
}

const noEmpty = (set: string[] | null): set is string[] => set !== null && set.length > 0 && !set.includes('');

function finish(i: Omit<Info, 'pre' | 'suf' | 'mixed'> & { pre?: string[] | null; suf?: string[] | null; mixed?: Info['mixed'] }): Info {
  let pre = i.pre ?? null;
  let suf = i.suf ?? null;
  if (i.exact !== null) {
    const nonEmpty = i.exact.filter((s) => s !== '');
    if (nonEmpty.length > 0) {
      pre = trimPrefixes(nonEmpty, K);
      suf = trimSuffixes(nonEmpty, K);
      if (pre.length > SET_MAX) pre = null;
      if (suf.length > SET_MAX) suf = null;
    }
  }
  return {
    exact: i.exact,
    pre: noEmpty(pre) ? pre : null,
    suf: noEmpty(suf) ? suf : null,
    needs: i.needs,
    minLen: i.minLen,
    zero: i.zero,
    ahead: i.ahead,
    mixed: i.exact === null ? (i.mixed ?? null) : null,
  };
}

/** The literal sets a node offers as necessary on its own. */
function ownSets(i: Info): string[][] {
  const out = [...i.needs];
  if (noEmpty(i.exact)) {
    const e = trimPrefixes(i.exact, K);
    if (e.length <= SET_MAX) out.push(e);
  }
  if (i.minLen > 0) {
    if (i.pre !== null) out.push(i.pre);
    if (i.suf !== null) out.push(i.suf);
  }
  return out;
}

class Analyzer {
  constructor(private readonly rank: (set: string[]) => number) {}

  /** Keeps the best KEEP distinct sets. */
  prune(sets: string[][]): string[][] {
    const seen = new Map<string, string[]>();
    for (const s of sets) {
      if (!noEmpty(s) || s.length > SET_MAX) continue;
      const u = uniq(s).sort();
      seen.set(u.join('\u0001'), u);
    }
    const list = [...seen.values()];
    if (list.length <= KEEP) return list;
    return list.map((s) => ({ s, r: this.rank(s) })).sort((a, b) => a.r - b.r).slice(0, KEEP).map((x) => x.s);
  }

  best(sets: string[][]): string[] | null {
    let best: string[] | null = null;
    let br = Infinity;
    for (const s of this.prune(sets)) {
      const r = this.rank(s);
      if (r < br) {
        br = r;
        best = s;
      }
    }
    return best;
  }

  info(n: Node): Info {
    switch (n.k) {
      case 'chars': {
        const exact = n.set === null ? null : n.set.map((c) => String.fromCharCode(c));
        return finish({ exact, needs: [], minLen: 1, zero: false, ahead: null });
      }
      case 'any':
        return finish({ exact: null, needs: [], minLen: 0, zero: false, ahead: null });
      case 'zero':
        return finish({ exact: [''], needs: [], minLen: 0, zero: true, ahead: null });
      case 'look': {
        const body = this.info(n.node);
        return finish({ exact: [''], needs: this.prune(ownSets(body)), minLen: 0, zero: true, ahead: n.ahead ? body : null });
      }
      case 'alt':
        return this.alt(n.alts.map((a) => this.info(a)));
      case 'seq':
        return this.seq(n.items.map((a) => this.info(a)));
      case 'rep':
        return this.rep(this.info(n.node), n.min, n.max);
    }
  }

  private alt(bs: Info[]): Info {
    let exact: string[] | null = [];
    for (const b of bs) exact = exact !== null && b.exact !== null ? uniq([...exact, ...b.exact]) : null;
    if (exact !== null && exact.length > EXACT_MAX) exact = null;
    // Non-empty matches of the alternation are non-empty matches of a branch (branches that only
    // match the empty string add nothing).
    const union = (sel: (b: Info) => string[] | null): string[] | null => {
      const parts = bs.filter((b) => !(b.exact !== null && b.exact.every((s) => s === ''))).map(sel);
      if (parts.length === 0 || parts.some((p) => p === null)) return null;
      const u = uniq(parts.flat() as string[]);
      return u.length <= SET_MAX ? u : null;
    };
    const minLen = Math.min(...bs.map((b) => b.minLen));
    // One necessary set: the best set of every branch, together.
    const needs: string[][] = [];
    const bests = bs.map((b) => this.best(ownSets(b)));
    if (bests.every((b) => b !== null)) needs.push(uniq(bests.flat() as string[]));
    let mixed: Info['mixed'] = null;
    if (exact === null) {
      const ex = bs.filter((b) => b.exact !== null);
      const rest = bs.filter((b) => b.exact === null);
      if (ex.length > 0 && rest.every((b) => b.minLen > 0 && b.suf !== null)) {
        const e = uniq(ex.flatMap((b) => b.exact!));
        const sf = uniq(rest.flatMap((b) => b.suf!));
        if (e.length <= EXACT_MAX && sf.length <= SET_MAX) mixed = { exact: e, suf: sf };
      }
    }
    return finish({
      exact,
      pre: union((b) => b.pre),
      suf: union((b) => b.suf),
      needs: this.prune(needs),
      minLen,
      zero: bs.every((b) => b.zero),
      ahead: null,
      mixed,
    });
  }

  private rep(x: Info, min: number, max: number): Info {
    if (x.zero) return finish({ exact: [''], needs: min > 0 ? x.needs : [], minLen: 0, zero: true, ahead: null });
    let exact: string[] | null = null;
    if (x.exact !== null && max !== Infinity && max <= 64) {
      let power: string[] | null = [''];
      const all = new Set<string>();
      for (let k = 0; k <= max && power !== null; k++) {
        if (k >= min) for (const s of power) all.add(s);
        if (all.size > EXACT_MAX) break;
        if (k < max) power = crossExact(power, x.exact);
      }
      exact = power !== null && all.size <= EXACT_MAX ? [...all] : null;
    }
    const minLen = min * x.minLen;
    const needs: string[][] = [];
    let pre: string[] | null = null;
    let suf: string[] | null = null;
    if (min >= 1) {
      needs.push(...ownSets(x));
      if (x.exact !== null && noEmpty(x.exact)) {
        // min non-empty copies in a row: their prefixes and suffixes (cut to K).
        const ne = x.exact;
        let p: string[] | null = ne;
        let q: string[] | null = ne;
        for (let k = 1; k < min && (p !== null || q !== null); k++) {
          if (p !== null) p = p.every((s) => s.length >= K) ? p : cross(p, ne, 'prefix');
          if (q !== null) q = q.every((s) => s.length >= K) ? q : cross(ne, q, 'suffix');
        }
        pre = p;
        suf = q;
        if (min >= 2 && p !== null) needs.push(p);
      } else {
        pre = x.pre;
        suf = x.suf;
      }
    } else {
      pre = x.pre;
      suf = x.suf;
    }
    return finish({ exact, pre, suf, needs: this.prune(needs), minLen, zero: false, ahead: null });
  }

  private seq(items: Info[]): Info {
    const cands: string[][] = [];
    let run: string[] | null = null;
    let exact: string[] | null = [''];
    let preAcc: string[] = [''];
    let pre: string[] | null = null;
    let preDone = false;
    let minLen = 0;
    let zero = true;
    for (const it of items) {
      cands.push(...it.needs);
      if (it.zero) {
        // A lookahead: the text here starts with its body. Every member of the run may be extended
        // by what follows, or kept as it is; the short ones and those the sample holds, which
        // ordinary text has by chance (" sh" in "Host: shop..."), gain the most from it, and
        // extending only them keeps the set small.
        if (it.ahead !== null && it.ahead.minLen > 0 && it.ahead.pre !== null && run !== null) {
          const c = cross(run, it.ahead.pre, 'suffix');
          if (c !== null) cands.push(c);
          const short = run.filter((r) => r.length <= SHORT_LITERAL || statsOf(r).occ > 0);
          if (short.length > 0 && short.length < run.length) {
            const ext = cross(short, it.ahead.pre, 'suffix');
            if (ext !== null) {
              const shortSet = new Set(short);
              const mixed = uniq([...run.filter((r) => !shortSet.has(r)), ...ext]);
              if (mixed.length <= SET_MAX) cands.push(mixed);
            }
          }
        }
        continue;
      }
      zero = false;
      minLen += it.minLen;
      exact = exact !== null && it.exact !== null ? crossExact(exact, it.exact) : null;
      if (!preDone) {
        if (it.exact !== null) {
          const p = cross(preAcc, it.exact, 'prefix');
          if (p === null) {
            preDone = true;
            pre = noEmpty(preAcc) ? preAcc : null;
          } else {
            preAcc = p;
            if (preAcc.every((s) => s.length >= K)) {
              preDone = true;
              pre = preAcc;
            }
          }
        } else {
          preDone = true;
          if (it.minLen > 0 && it.pre !== null) {
            const p = cross(preAcc, it.pre, 'prefix');
            pre = noEmpty(p) ? p : null;
          } else pre = noEmpty(preAcc) ? preAcc : null;
        }
      }
      let next: string[] | null;
      if (it.exact !== null) {
        next = cross(run ?? [''], it.exact, 'suffix');
      } else {
        if (run !== null && it.minLen > 0 && it.pre !== null) {
          const c = cross(run, it.pre, 'suffix');
          if (c !== null) cands.push(c);
        }
        if (it.minLen > 0 && run !== null && it.mixed) {
          // Context runs on through the exact branches.
          const c = cross(run, it.mixed.exact, 'suffix');
          next = c !== null && !it.mixed.exact.includes('') ? uniq([...c, ...it.mixed.suf]) : it.suf;
        } else if (it.minLen > 0) next = it.suf;
        else next = run !== null && it.suf !== null ? uniq([...run, ...it.suf]) : null;
      }
      run = noEmpty(next) && next.length <= SET_MAX ? next : null;
      if (run !== null) cands.push(run);
    }
    if (!preDone) pre = noEmpty(preAcc) ? preAcc : null;
    return finish({
      exact,
      pre: minLen > 0 ? pre : null,
      suf: minLen > 0 ? run : null,
      needs: this.prune(cands),
      minLen,
      zero,
      ahead: null,
    });
  }
}

// ---------------------------------------------------------------- ranking

/**
 * Ordinary browser requests, for ranking candidate sets by how often they would open a gate on
 * normal traffic (the words an attack pattern keys on also occur in searches: select, union...).
 */
const SAMPLE_REQUESTS = [
  'GET /search?q=select a dress for a wedding&ie=UTF-8 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nReferer: https://www.example.com/\r\nCookie: _ga=GA1.1.1234567890.1712345678; _gid=GA1.2.987654321.1712345678; sessionid=8f14e45fceea167a5a36dedd4bea2543\r\nSec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Site: same-origin\r\nSec-Fetch-User: ?1\r\nUpgrade-Insecure-Requests: 1\r\nConnection: keep-alive\r\n\r\n',
  'GET /wiki/European_Union HTTP/1.1\r\nHost: en.example.org\r\nUser-Agent: Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: de,en-US;q=0.7,en;q=0.3\r\nAccept-Encoding: gzip, deflate, br\r\nDNT: 1\r\nConnection: keep-alive\r\nCookie: enwikiUserName=Someone; enwikiSession=abcdef0123456789; GeoIP=DE:BE:Berlin:52.52:13.40:v4\r\nIf-Modified-Since: Tue, 07 May 2024 10:00:00 GMT\r\nIf-None-Match: W/"4f2a-18f5b2c3d4e"\r\nCache-Control: max-age=0\r\n\r\n',
  'GET /api/v2/orders?status=open&sort=-created_at&limit=20&fields=id,total,items HTTP/1.1\r\nHost: api.example.net\r\nUser-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15\r\nAccept: application/json, text/plain, */*\r\nAccept-Language: fr-FR,fr;q=0.9\r\nAuthorization: Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl\r\nOrigin: https://shop.example.net\r\nReferer: https://shop.example.net/account/orders?page=2\r\nX-Requested-With: XMLHttpRequest\r\nConnection: keep-alive\r\n\r\n',
  'GET /images/products/1234-navy-linen-shirt@2x.webp HTTP/1.1\r\nHost: cdn.example.net\r\nUser-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1\r\nAccept: image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5\r\nAccept-Language: en-GB,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://shop.example.net/products/1234?color=navy&size=M\r\nIf-None-Match: "6750c1a2-2f1c"\r\nConnection: keep-alive\r\n\r\n',
  'GET /search?q=how to drop a pin on google maps&oq=drop a pin&sourceid=chrome HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Linux; Android 14; Pixel 8 Pro) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\nAccept-Language: pt-BR,pt;q=0.9,en-US;q=0.8,en;q=0.7\r\nAccept-Encoding: gzip, deflate, br\r\nsec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"\r\nsec-ch-ua-mobile: ?1\r\nsec-ch-ua-platform: "Android"\r\nCookie: NID=511=abc-DEF_ghi; 1P_JAR=2024-05-07-10; CONSENT=YES+cb.20240507-00-p0.en+FX+123\r\nConnection: keep-alive\r\n\r\n',
  'GET /news/2024/05/07/union-leaders-and-employers-reach-deal-on-pay-or-strike-action HTTP/1.1\r\nHost: news.example.org\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\nReferer: https://news.example.org/\r\nCookie: theme=dark; consent={"ads":false,"stats":true}; visitor_id=5e8b7c2a-1f3d-4a6b-9c0d-e1f2a3b4c5d6\r\nConnection: keep-alive\r\n\r\n',
  'GET /products?category=tables and chairs&order=price_asc&page=3&view=grid HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: es-ES,es;q=0.8,en-US;q=0.5,en;q=0.3\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://shop.example.com/products?category=tables and chairs&page=2\r\nCookie: cart=3; currency=EUR; _fbp=fb.1.1712345678901.1234567890\r\nConnection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\n\r\n',
  'GET /static/js/main.8d2e4b91.chunk.js HTTP/1.1\r\nHost: app.example.com\r\nUser-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\nAccept: */*\r\nAccept-Language: ja,en-US;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://app.example.com/dashboard\r\nSec-Fetch-Dest: script\r\nSec-Fetch-Mode: no-cors\r\nCookie: remember_me=1; XSRF-TOKEN=eyJpdiI6IkRrN0V6Q2V0In0; app_session=eyJpdiI6IlZ3d3d3In0\r\nConnection: keep-alive\r\n\r\n',
  'GET /blog/script-writing-tips-insert-a-scene-or-cut-it HTTP/1.1\r\nHost: blog.example.com\r\nUser-Agent: Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\nFrom: googlebot(at)googlebot.com\r\nConnection: keep-alive\r\n\r\n',
  'GET /account/login?next=/account/orders&lang=en HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n',
  'GET /weather?city=Sao Paulo&units=metric&days=5 HTTP/1.1\r\nHost: weather.example.com\r\nUser-Agent: Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36\r\nAccept: application/json\r\nAccept-Language: pt-BR\r\nX-Client-Version: 5.12.0 (build 4521; release)\r\nConnection: keep-alive\r\n\r\n',
  'GET /docs/v3/select-query-builder.html#order-by HTTP/1.1\r\nHost: docs.example.dev\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en\r\nReferer: https://docs.example.dev/docs/v3/index.html?search=select from where\r\nCookie: docs_theme=light; last_version=v3\r\nConnection: keep-alive\r\n\r\n',
  'GET /api/v1/search/suggest?q=union jack flag cat toys ps5 id card sleep mask HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1\r\nAccept: application/json, text/javascript, */*; q=0.01\r\nAccept-Language: en-AU,en;q=0.9\r\nX-Requested-With: XMLHttpRequest\r\nCookie: session=9f8e7d6c5b4a; ab_test=variant_b; recently_viewed=1234|5678|9012\r\nConnection: keep-alive\r\n\r\n',
  'GET /help/faq?topic=returns and refunds or exchanges&section=2 HTTP/1.1\r\nHost: support.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko\r\nAccept: text/html, application/xhtml+xml, image/jxr, */*\r\nAccept-Language: en-US\r\nAccept-Encoding: gzip, deflate\r\nReferer: https://support.example.com/help/faq?topic=orders\r\nCookie: ASP.NET_SessionId=x4r2m1k0q9p8; __RequestVerificationToken=CfDJ8Nq-abc_DEF\r\nConnection: Keep-Alive\r\n\r\n',
  "GET /search?q=o'reilly books & rock 'n' roll or blues HTTP/1.1\r\nHost: books.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/109.0.0.0\r\nAccept: text/html,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\nCookie: prefs={\"theme\":\"dark\",\"accent\":\"#ff0000\"}; lang=en\r\nConnection: keep-alive\r\n\r\n",
  'GET /maps/@48.8584,2.2945,17z/data=!3m1!4b1 HTTP/1.1\r\nHost: maps.example.com\r\nUser-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nReferer: https://www.example.com/search?q=eiffel tower opening hours\r\nConnection: keep-alive\r\n\r\n',
];

let sampleCache: string[] | null = null;

function sample(): string[] {
  if (sampleCache === null) {
    sampleCache = SAMPLE_REQUESTS.map((r) => {
      let s = '';
      for (let i = 0; i < r.length; i++) s += String.fromCharCode(alpha(r.charCodeAt(i)));
      return s;
    });
  }
  return sampleCache;
}

const litStats = new Map<string, { mask: boolean[]; occ: number }>();

function statsOf(lit: string): { mask: boolean[]; occ: number } {
  let st = litStats.get(lit);
  if (st === undefined) {
    const mask: boolean[] = [];
    let occ = 0;
    for (const req of sample()) {
      let n = 0;
      for (let at = req.indexOf(lit); at >= 0; at = req.indexOf(lit, at + 1)) n++;
      mask.push(n > 0);
      occ += n;
    }
    st = { mask, occ };
    litStats.set(lit, st);
  }
  return st;
}

/** Requests of the sample holding a member of `set`. */
function setMask(set: string[]): boolean[] {
  const mask = sample().map(() => false);
  for (const l of set) statsOf(l).mask.forEach((m, i) => (mask[i] ||= m));
  return mask;
}

/** What running an alternative's regex costs, in table hits (a few hundred ns on a request). */
const REGEX_COST = 40;

/**
 * Lower is better: the expected cost on an ordinary request, in table hits: a regex run for the
 * share of sample requests the set would open on, plus what scanning for its literals costs.
 */
export function rankSet(set: string[]): number {
  const reqs = setMask(set).filter(Boolean).length;
  return (REGEX_COST * reqs) / sample().length + scanCost(set);
}

// ---------------------------------------------------------------- entry point

const cache = new Map<string, string[][] | null>();

/**
 * The gate of one alternative (a regex without top-level '|' or with one that could not be split):
 * literal sets, each of which the subject must hold a member of for `source` to match; null when
 * nothing useful can be derived (the alternative then always runs).
 */
export function gateLiterals(source: string, flags: string): string[][] | null {
  const key = `${flags}/${source}`;
  if (cache.has(key)) return cache.get(key)!;
  let gate: string[][] | null = null;
  try {
    const node = new Parser(source, flags.includes('i'), flags.includes('s'), flags.includes('m')).parse();
    const an = new Analyzer(rankSet);
    const sets = an.prune(ownSets(an.info(node))).map(compact);
    if (sets.length > 0) gate = chooseGate(sets);
    // A gate costing more than always running the regex is no gate.
    if (gate !== null && gateCost(gate) >= REGEX_COST) gate = null;
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    gate = null;
  }
  cache.set(key, gate);
  return gate;
}

/** Sets larger than this have their literals cut to their last LARGE_SET_LITERAL characters. */
const LARGE_SET = 128;
const LARGE_SET_LITERAL = 8;

/**
 * A set without redundant members: a literal holding another member adds nothing (wherever it
 * occurs, so does the other). In large sets, long literals are first cut to their ends, so that
 * variants that differ only in their beginning ("\t/bin/cat", "/usr/bin/cat") become one: the scan
 * checks every literal entered under a pair it reads, and hundreds of variants under one common pair
 * would cost more than the little selectivity their beginnings add.
 */
function compact(set: string[]): string[] {
  let lits = uniq(set);
  if (lits.length > LARGE_SET) lits = trimSuffixes(lits, LARGE_SET_LITERAL);
  lits.sort((a, b) => a.length - b.length);
  const kept = new Set<string>();
  for (const l of lits) {
    let redundant = false;
    for (let i = 0; i < l.length && !redundant; i++) for (let j = i + 1; j <= l.length && !redundant; j++) redundant = kept.has(l.slice(i, j));
    if (!redundant) kept.add(l);
  }
  return [...kept];
}

/** Expected cost of a gate on an ordinary request (regex runs and scanning), in table hits. */
function gateCost(gate: string[][]): number {
  const n = sample().length;
  let joint = sample().map(() => true);
  let cost = 0;
  for (const set of gate) {
    const m = setMask(set);
    joint = joint.map((v, i) => v && m[i]);
    cost += scanCost(set);
  }
  return (REGEX_COST * joint.filter(Boolean).length) / n + cost;
}

/** True when a member of `a` occurring implies a member of `b` occurs (each a contains some b). */
function implies(a: string[], b: string[]): boolean {
  return a.every((x) => b.some((y) => x.includes(y)));
}

/**
 * The gate: the sets that minimise the expected cost on the sample (regex runs on the requests the
 * gate stays open for, plus the scan cost of each set), up to three. When the sample cannot tell
 * (no sample request opens the best set), a second cheap set that neither implies nor is implied by
 * the first is added anyway: the sample is small, real requests vary more.
 */
function chooseGate(sets: string[][]): string[][] {
  const n = sample().length;
  const count = (m: boolean[]): number => m.filter(Boolean).length;
  const ranked = sets
    .map((s) => {
      const m = setMask(s);
      const r = rankSet(s);
      return { s, r, m, scan: scanCost(s) };
    })
    .sort((a, b) => a.r - b.r);
  const chosen = [ranked[0]];
  let joint = ranked[0].m;
  while (chosen.length < 3 && count(joint) > 0) {
    let pick: (typeof ranked)[number] | null = null;
    let pickJoint = joint;
    let gain = 0;
    for (const c of ranked) {
      if (chosen.includes(c)) continue;
      const j = joint.map((v, i) => v && c.m[i]);
      const g = (REGEX_COST * (count(joint) - count(j))) / n - c.scan;
      if (g > gain) {
        gain = g;
        pick = c;
        pickJoint = j;
      }
    }
    if (pick === null) break;
    chosen.push(pick);
    joint = pickJoint;
  }
  if (chosen.length === 1 && count(joint) === 0) {
    const first = ranked[0].s;
    const second = ranked.find((c) => c !== ranked[0] && count(c.m) <= 1 && c.scan <= 0.3 && !implies(c.s, first) && !implies(first, c.s));
    if (second !== undefined) chosen.push(second);
  }
  return chosen.map((c) => c.s);
}

let weights: { pair: Float64Array; single: Float64Array } | null = null;

/**
 * How often each character pair (alphabet codes) and each character occur in the sample, per
 * request. Letters and digits get a floor: any of them is common in some request the sample lacks.
 */
function pairWeights(): { pair: Float64Array; single: Float64Array } {
  if (weights === null) {
    const pair = new Float64Array(65536);
    const single = new Float64Array(256);
    const common = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
    const reqs = sample();
    for (let c = 0; c < 256; c++) single[c] = common(c) ? 1 : 0.01;
    for (let a = 0; a < 256; a++) for (let b = 0; b < 256; b++) pair[(a << 8) | b] = common(a) && common(b) ? 0.05 : 0.001;
    for (const req of reqs) {
      for (let i = 0; i < req.length; i++) {
        single[req.charCodeAt(i)] += 1 / reqs.length;
        if (i + 1 < req.length) pair[(req.charCodeAt(i) << 8) | req.charCodeAt(i + 1)] += 1 / reqs.length;
      }
    }
    weights = { pair, single };
  }
  return weights;
}

/** Where the scanner enters a literal: the pair a, b at offset `off` (a or b -1: any character there). */
export interface ScanKey {
  off: number;
  a: number;
  b: number;
  /** Expected table hits per ordinary request under this key (pairs are read at every other position). */
  w: number;
}

/**
 * The pairs the scanner (pair-scanner.ts) enters literal `l` under, chosen rare in the sample. The
 * scanner reads the pair at every other position, so for each parity of an occurrence's start one
 * entry must be read: a pair of the literal at an offset of that parity, or any pair holding one of
 * its characters (c, any) at the right place, or (any, c) just before it.
 */
const keysCache = new Map<string, ScanKey[]>();

export function scanKeys(l: string): ScanKey[] {
  let keys = keysCache.get(l);
  if (keys === undefined) keysCache.set(l, (keys = chooseKeys(l)));
  return keys;
}

function chooseKeys(l: string): ScanKey[] {
  const { pair, single } = pairWeights();
  const c = (j: number): number => l.charCodeAt(j);
  const m = l.length;
  const keys: ScanKey[] = [];
  for (let parity = 0; parity < 2; parity++) {
    let best: ScanKey | null = null;
    const consider = (k: ScanKey): void => {
      if (best === null || k.w < best.w) best = k;
    };
    for (let k = parity; k <= m - 2; k += 2) consider({ off: k, a: c(k), b: c(k + 1), w: pair[(c(k) << 8) | c(k + 1)] / 2 });
    for (let j = 0; j < m; j++) {
      if (j % 2 === parity) consider({ off: j, a: c(j), b: -1, w: single[c(j)] / 2 });
      if ((j + 1) % 2 === parity) consider({ off: j - 1, a: -1, b: c(j), w: single[c(j)] / 2 });
    }
    keys.push(best!);
  }
  return keys;
}

/** Cost of a table hit and of each candidate it checks, in table hits (about 30 ns). */
const CANDIDATE_COST = 0.15;

/** The expected cost of scanning for the literals of `set`, in table hits per ordinary request. */
export function scanCost(set: string[]): number {
  const slots = new Map<string, number>();
  let cost = 0;
  for (const l of set) {
    for (const k of scanKeys(l)) {
      slots.set(`${k.a},${k.b}`, k.w);
      cost += CANDIDATE_COST * k.w;
    }
    cost += (K - Math.min(l.length, K)) / 1e6;
  }
  for (const w of slots.values()) cost += w;
  return cost;
}

/** The memoised analysis results, as plain data (see gate-cache.ts). */
export interface GateSnapshot {
  gates: [string, string[][] | null][];
  keys: [string, ScanKey[]][];
}

export function gateSnapshot(): GateSnapshot {
  return { gates: [...cache.entries()], keys: [...keysCache.entries()] };
}

/** Seeds the memo with results computed earlier by this same code (the build's snapshot). */
export function seedGates(snap: GateSnapshot): void {
  for (const [k, v] of snap.gates) if (!cache.has(k)) cache.set(k, v);
  for (const [k, v] of snap.keys) if (!keysCache.has(k)) keysCache.set(k, v);
}
