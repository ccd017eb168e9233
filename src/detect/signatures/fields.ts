// Parsers for the compact field syntaxes of a signature rule: port lists, Suricata `flags`,
// numeric comparisons (dsize, icmp_type, icmp_code), address lists and regular expressions with
// PCRE-style leading inline flags. Each parser returns a plain, serialisable value or throws
// FieldError with a short message; the rule-file loader adds the file, line, rule id and field.

import { parseCidr, type Cidr } from '../../decode/ip-addr.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../decode/packet-view.js';

export class FieldError extends Error {
  /** Index of the offending element when the field is a list. */
  readonly index: number | undefined;
  constructor(message: string, index?: number) {
    super(message);
    this.index = index;
  }
}

// ---------------------------------------------------------------- ports

/** A port set as sorted, merged inclusive ranges; null stands for "any". */
export type PortRanges = readonly (readonly [number, number])[];

function parsePortItem(raw: string): { neg: boolean; lo: number; hi: number } {
  const t = raw.trim();
  const m = /^(!)?\s*(\d{1,5})(?:\s*[-:]\s*(\d{1,5}))?$/.exec(t);
  if (!m) throw new FieldError(`'${t}' is not a port, a range like 8000-8100, or !port`);
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  if (lo > 65535 || hi > 65535) throw new FieldError(`port ${Math.max(lo, hi)} is out of range 0-65535`);
  if (lo > hi) throw new FieldError(`range '${t}' is reversed`);
  return { neg: m[1] === '!', lo, hi };
}

/**
 * Parses `any`, a port number, a list `[80, 443, "8000-8100", "!8080"]` or the same as a
 * comma-separated string. Items starting with `!` are removed (from "all ports" when the list holds
 * only exclusions). Returns null for any.
 */
export function parsePorts(value: unknown): PortRanges | null {
  let items: string[];
  if (value === 'any' || value === null || value === undefined) return null;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new FieldError(`port ${value} is out of range 0-65535`);
    items = [String(value)];
  } else if (typeof value === 'string') {
    if (value.trim() === '') throw new FieldError('empty port list (use any)');
    if (value.trim() === 'any') return null;
    items = value.split(',');
  } else if (Array.isArray(value)) {
    if (value.length === 0) throw new FieldError('empty port list (use any)');
    items = value.map((v) => {
      if (typeof v === 'number' || typeof v === 'string') return String(v);
      throw new FieldError('a port list holds numbers and "lo-hi" strings only');
    });
  } else {
    throw new FieldError('expected any, a port, a list of ports, or "80,443,8000-8100"');
  }
  const include: [number, number][] = [];
  const exclude: [number, number][] = [];
  for (const item of items) {
    const p = parsePortItem(item);
    (p.neg ? exclude : include).push([p.lo, p.hi]);
  }
  if (include.length === 0) include.push([0, 65535]);
  const bits = new Uint8Array(65536);
  for (const [lo, hi] of include) bits.fill(1, lo, hi + 1);
  for (const [lo, hi] of exclude) bits.fill(0, lo, hi + 1);
  const ranges = bitmapToRanges(bits);
  if (ranges.length === 0) throw new FieldError('the port list excludes every port');
  if (ranges.length === 1 && ranges[0][0] === 0 && ranges[0][1] === 65535) return null;
  return ranges;
}

function bitmapToRanges(bits: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  for (let p = 0; p < 65536; ) {
    if (bits[p] === 0) {
      p++;
      continue;
    }
    let q = p;
    while (q + 1 < 65536 && bits[q + 1] === 1) q++;
    out.push([p, q]);
    p = q + 1;
  }
  return out;
}

export function portRangesText(r: PortRanges | null): string {
  if (r === null) return 'any';
  return r.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
}

/** One byte per port (1 = in the set): a single indexed load per packet. */
export function portBitmap(r: PortRanges): Uint8Array {
  const bits = new Uint8Array(65536);
  for (const [lo, hi] of r) bits.fill(1, lo, hi + 1);
  return bits;
}

// ---------------------------------------------------------------- numeric comparisons

export const CMP_NONE = 0;
export const CMP_EQ = 1;
export const CMP_LT = 2;
export const CMP_GT = 3;
export const CMP_LE = 4;
export const CMP_GE = 5;
export const CMP_NE = 6;
/** Exclusive range a < v < b, as Suricata's `a<>b`. */
export const CMP_RANGE = 7;

export interface NumCompare {
  op: number;
  a: number;
  b: number;
  text: string;
}

/** Parses N, "<N", ">N", "<=N", ">=N", "!N" (or "!=N") and "N<>M" (exclusive range). */
export function parseNumCompare(value: unknown, max: number): NumCompare {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > max) throw new FieldError(`must be an integer 0-${max}`);
    return { op: CMP_EQ, a: value, b: 0, text: String(value) };
  }
  if (typeof value !== 'string') throw new FieldError('expected a number or a comparison like ">100", "<10", "10<>20"');
  text = value.trim();
  const check = (n: number): number => {
    if (n > max) throw new FieldError(`${n} is out of range 0-${max}`);
    return n;
  };
  let m = /^(\d{1,10})$/.exec(text);
  if (m) return { op: CMP_EQ, a: check(+m[1]), b: 0, text };
  m = /^(<=|>=|!=|<|>|!|=)\s*(\d{1,10})$/.exec(text);
  if (m) {
    const ops: Record<string, number> = { '<': CMP_LT, '>': CMP_GT, '<=': CMP_LE, '>=': CMP_GE, '!': CMP_NE, '!=': CMP_NE, '=': CMP_EQ };
    return { op: ops[m[1]], a: check(+m[2]), b: 0, text };
  }
  m = /^(\d{1,10})\s*<>\s*(\d{1,10})$/.exec(text);
  if (m) {
    const a = check(+m[1]);
    const b = check(+m[2]);
    if (a >= b) throw new FieldError(`range '${text}' must have its lower bound first`);
    return { op: CMP_RANGE, a, b, text };
  }
  throw new FieldError(`'${text}' is not N, <N, >N, <=N, >=N, !N or N<>M`);
}

export function numCompare(op: number, a: number, b: number, v: number): boolean {
  switch (op) {
    case CMP_EQ:
      return v === a;
    case CMP_LT:
      return v < a;
    case CMP_GT:
      return v > a;
    case CMP_LE:
      return v <= a;
    case CMP_GE:
      return v >= a;
    case CMP_NE:
      return v !== a;
    case CMP_RANGE:
      return v > a && v < b;
    default:
      return true;
  }
}

// ---------------------------------------------------------------- TCP flags (Suricata syntax)

export const FLAGS_EXACT = 0;
export const FLAGS_NOT = 1;
export const FLAGS_PLUS = 2;
export const FLAGS_ANY = 3;

export interface TcpFlagsSpec {
  /** FLAGS_EXACT (none), FLAGS_PLUS (+), FLAGS_ANY (*), FLAGS_NOT (!). */
  modifier: number;
  /** Flag bits named by the rule. */
  flags: number;
  /** Bits compared: 0xff minus the ignored flags. */
  mask: number;
  text: string;
}

const FLAG_BITS: Record<string, number> = {
  F: TCP_FIN,
  S: TCP_SYN,
  R: TCP_RST,
  P: TCP_PSH,
  A: TCP_ACK,
  U: TCP_URG,
  C: TCP_CWR,
  E: TCP_ECE,
  // Suricata's legacy names for the two ECN bits.
  '1': TCP_CWR,
  '2': TCP_ECE,
};

/**
 * Suricata `flags`: letters FSRPAUCE (1 and 2 are legacy names for C and E; 0 = no flags), one
 * modifier (+ these and any others, * any of these, ! not all of these) before or after the
 * letters, and an optional ",mask" of flags to ignore ("S,CE" and Suricata's "S,12" are the same).
 */
export function parseTcpFlags(value: unknown): TcpFlagsSpec {
  if (typeof value !== 'string') throw new FieldError('expected a string such as "S", "SA", "+S", "S,CE"');
  const text = value.trim();
  const m = /^([+*!])?\s*([FSRPAUCE120+*!]+)(?:\s*,\s*([FSRPAUCE120]+))?$/i.exec(text);
  if (!m) throw new FieldError(`'${text}' is not Suricata flags syntax: [+*!]letters FSRPAUCE or 0[,ignored letters]`);
  let modifier = -1;
  const setModifier = (c: string): void => {
    if (modifier !== -1) throw new FieldError(`'${text}': only one of + * ! is allowed`);
    modifier = c === '+' ? FLAGS_PLUS : c === '*' ? FLAGS_ANY : FLAGS_NOT;
  };
  if (m[1]) setModifier(m[1]);
  let flags = 0;
  let found = 0;
  for (const ch of m[2].toUpperCase()) {
    if (ch === '+' || ch === '*' || ch === '!') setModifier(ch);
    else if (ch === '0') {
      flags = 0;
      found++;
    } else {
      flags |= FLAG_BITS[ch];
      found++;
    }
  }
  if (found === 0) throw new FieldError(`'${text}' names no flag`);
  let mask = 0xff;
  if (m[3]) {
    let ignored = 0;
    for (const ch of m[3].toUpperCase()) {
      if (ch === '0') continue;
      mask &= ~FLAG_BITS[ch] & 0xff;
      ignored++;
    }
    if (ignored === 0) throw new FieldError(`'${text}': the ignore mask names no flag`);
  }
  return { modifier: modifier === -1 ? FLAGS_EXACT : modifier, flags, mask, text };
}

/** Suricata's flag comparison, including its special case for "0" (no flags). */
export function tcpFlagsMatch(pflags: number, modifier: number, dflags: number, mask: number): boolean {
  if (dflags === 0 && pflags !== 0) return modifier === FLAGS_NOT;
  const f = pflags & mask;
  switch (modifier) {
    case FLAGS_ANY:
      return (f & dflags) !== 0;
    case FLAGS_PLUS:
      return (f & dflags) === dflags;
    case FLAGS_NOT:
      return (f & dflags) !== dflags;
    default:
      return f === dflags;
  }
}

// ---------------------------------------------------------------- addresses

export function parseAddressList(value: unknown): Cidr[] {
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (!items || items.length === 0) throw new FieldError('expected an address, a CIDR, or a list of them');
  return items.map((v) => {
    if (typeof v !== 'string') throw new FieldError('expected an address, a CIDR, or a list of them');
    const c = parseCidr(v.trim());
    if (!c) throw new FieldError(`'${v}' is not an IPv4/IPv6 address or CIDR`);
    return c;
  });
}

// ---------------------------------------------------------------- regular expressions

export interface TranslatedPattern {
  /** JavaScript RegExp source of the whole pattern (alternatives joined; for display). */
  source: string;
  /** JavaScript flags (subset of "ims"). */
  flags: string;
  /** The alternatives the engine runs one by one (a list pattern's elements, translated). */
  alternatives: string[];
}

const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/;

function splitLeadingFlags(p: string): { flags: Set<string>; body: string } {
  const flags = new Set<string>();
  let body = p;
  for (let m = LEADING_FLAGS.exec(body); m; m = LEADING_FLAGS.exec(body)) {
    for (const f of m[1]) {
      if (f === 'i' || f === 's' || f === 'm') flags.add(f);
      else throw new FieldError(`inline flag (?${f}) is not supported (use i, s, m)`);
    }
    body = body.slice(m[0].length);
  }
  return { flags, body };
}

/** Letter escapes JavaScript (without the u flag) gives a meaning; others would silently be literals. */
const JS_LETTER_ESCAPES = new Set('dDwWsSbBtnrfvcxuk');

/**
 * Rewrites the PCRE constructs JavaScript reads differently: \A, \z, \Z, (?P<name>, and a ']'
 * first in a class (a literal in PCRE, the end of an empty class in JavaScript). Rejects PCRE-only
 * letter escapes (\h, \R, \K, \Q...), which JavaScript would silently read as plain letters.
 */
function pcreToJs(body: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && i + 1 < body.length) {
      const n = body[i + 1];
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && (n === 'z' || n === 'Z')) out += '$';
      else if (/[A-Za-z]/.test(n) && !JS_LETTER_ESCAPES.has(n)) throw new FieldError(`\\${n} is not supported in JavaScript regular expressions`);
      else out += c + n;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (body[i + 1] === '^') out += body[++i];
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && body.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && body.startsWith('(?', i) && /^\(\?[a-zA-Z-]+[):]/.test(body.slice(i, i + 12))) {
      throw new FieldError('inline flags are supported only at the start of the pattern');
    }
    out += c;
  }
  return out;
}

/**
 * Translates a rule pattern (one regex, or a list of alternatives) into a JavaScript RegExp.
 * Leading inline flags such as (?i), (?s), (?m), (?is) become RegExp flags; in a list they apply to
 * the whole rule, so every alternative that carries flags must carry the same ones.
 */
export function translatePattern(pattern: string | readonly string[]): TranslatedPattern | null {
  const list = typeof pattern === 'string' ? [pattern] : pattern;
  let flags: Set<string> | null = null;
  const bodies: string[] = [];
  const at = (j: number): number | undefined => (typeof pattern === 'string' ? undefined : j);
  for (let j = 0; j < list.length; j++) {
    let split: { flags: Set<string>; body: string };
    try {
      split = splitLeadingFlags(list[j]);
      if (split.flags.size > 0) {
        if (flags !== null && [...flags].sort().join('') !== [...split.flags].sort().join('')) {
          throw new FieldError('alternatives of one pattern must use the same inline flags');
        }
        flags = split.flags;
      }
      if (split.body === '') continue;
      const body = pcreToJs(split.body);
      compileOrThrow(body, [...split.flags].join(''));
      bodies.push(body);
    } catch (err) {
      if (err instanceof FieldError) throw new FieldError(err.message, at(j));
      throw err;
    }
  }
  if (bodies.length === 0) return null;
  const source = bodies.length === 1 ? bodies[0] : bodies.map((b) => `(?:${b})`).join('|');
  const f = flags ? [...flags].sort().join('') : '';
  return { source, flags: f, alternatives: bodies };
}

function compileOrThrow(source: string, flags: string): void {
  try {
    new RegExp(source, flags);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // V8 says "Invalid regular expression: /src/flags: Unterminated group"; keep the reason only.
    const reason = msg.includes(': ') ? msg.slice(msg.lastIndexOf(': ') + 2) : msg;
    throw new FieldError(`invalid regular expression: ${reason}`);
  }
}

// ---------------------------------------------------------------- literal gates

/**
 * Splits a JavaScript regex source at its top-level '|' (outside groups and classes). Sources with
 * back-references are returned whole, since splitting would renumber their groups.
 */
export function splitTopLevel(source: string): string[] {
  if (/\\[1-9]|\\k</.test(source)) return [source];
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(source.slice(start, i));
      start = i + 1;
    }
  }
  out.push(source.slice(start));
  return out.some((s) => s === '') ? [source] : out;
}

/** Characters rare in ordinary HTTP requests and DNS/TLS-free text: cheap, selective gates. */
export const RARE_CHAR = /[<>'"`$@|{}\\!^~[\]#]/;

/** Most strings a literal run may stand for after small classes multiply it. */
const MAX_RUN_VARIANTS = 8;

const SIMPLE_ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f', v: '\v' };

/**
 * Literals of which every match of the regex `source` contains at least one (lower-cased when
 * `ignoreCase`), or null when none can be derived. The engine checks them with indexOf before
 * running the regex, which is much cheaper than a regex scan. Conservative by construction: a
 * construct it does not understand contributes nothing, and an alternation needs a literal in
 * every branch.
 */
export function necessaryLiterals(source: string, ignoreCase: boolean): string[] | null {
  let i = 0;
  const n = source.length;

  const quantifier = (): { min: number } | null => {
    const c = source[i];
    let min: number;
    if (c === '*' || c === '?') {
      min = 0;
      i++;
    } else if (c === '+') {
      min = 1;
      i++;
    } else if (c === '{') {
      const m = /^\{(\d+)(,\d*)?\}/.exec(source.slice(i));
      if (!m) return null;
      min = Number(m[1]);
      i += m[0].length;
    } else return null;
    if (source[i] === '?') i++;
    return { min };
  };

  /** One literal character at i (after a backslash when escaped), or null when it is not a literal. */
  const escapeLiteral = (): string | null => {
    const e = source[i + 1];
    if (e === undefined) return null;
    if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(source.slice(i + 2, i + 4))) {
      i += 4;
      return String.fromCharCode(parseInt(source.slice(i - 2, i), 16));
    }
    if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
      i += 6;
      return String.fromCharCode(parseInt(source.slice(i - 4, i), 16));
    }
    if (SIMPLE_ESCAPES[e] !== undefined) {
      i += 2;
      return SIMPLE_ESCAPES[e];
    }
    if (!/[0-9A-Za-z_]/.test(e)) {
      i += 2;
      return e;
    }
    return null;
  };

  const skipClass = (): string[] | null => {
    // i at '['; returns the member characters of a simple class ([abc], [\x27\x22]) or null.
    i++;
    const chars: string[] = [];
    let simple = source[i] !== '^';
    while (i < n && source[i] !== ']') {
      if (source[i] === '\\') {
        const lit = escapeLiteral();
        if (lit === null) {
          simple = false;
          i += 2;
        } else chars.push(lit);
        continue;
      }
      if (source[i] === '-' && chars.length > 0 && source[i + 1] !== ']') simple = false;
      chars.push(source[i]);
      i++;
    }
    i++; // ']'
    return simple && chars.length > 0 ? chars : null;
  };

  const usable = (lit: string): boolean => !ignoreCase || /^[\x00-\x7f]*$/.test(lit);
  const norm = (lit: string): string => (ignoreCase ? lit.toLowerCase() : lit);

  // Which candidate gates best: literals with a character that is rare in ordinary traffic
  // (quotes, angle brackets, ...) first, then long ones; every member of a set costs one search.
  const litScore = (lit: string): number => lit.length + (RARE_CHAR.test(lit) ? 100 : 0);
  const score = (set: string[]): number => Math.min(...set.map(litScore)) - 0.5 * (set.length - 1);
  const better = (a: string[] | null, b: string[] | null): string[] | null => {
    if (a === null) return b;
    if (b === null) return a;
    const sa = score(a);
    const sb = score(b);
    return sb > sa || (sb === sa && b.length < a.length) ? b : a;
  };

  const alternation = (): string[] | null => {
    const branches: (string[] | null)[] = [sequence()];
    while (source[i] === '|') {
      i++;
      branches.push(sequence());
    }
    if (branches.some((b) => b === null)) return null;
    return [...new Set(branches.flat() as string[])];
  };

  const sequence = (): string[] | null => {
    let best: string[] | null = null;
    // The literal run being read, as the set of strings it can be (a small class multiplies it).
    let run: string[] = [''];
    const flush = (): void => {
      if (run[0] !== '') best = better(best, [...new Set(run.map(norm))]);
      run = [''];
    };
    const append = (chars: string[]): void => {
      if (run.length * chars.length > MAX_RUN_VARIANTS) {
        flush();
        if (chars.length > MAX_RUN_VARIANTS) return;
      }
      run = run.flatMap((r) => chars.map((ch) => r + ch));
    };
    while (i < n && source[i] !== '|' && source[i] !== ')') {
      const c = source[i];
      if (c === '(') {
        flush();
        const look = /^\(\?<?[=!]/.test(source.slice(i, i + 4));
        i += source.startsWith('(?:', i) ? 3 : source.startsWith('(?<', i) && !look ? source.indexOf('>', i) + 1 - i : look ? (source[i + 2] === '<' ? 4 : 3) : 1;
        const inner = alternation();
        if (source[i] !== ')') return best; // unbalanced: give up on the rest
        i++;
        const q = quantifier();
        if (!look && (q === null || q.min >= 1)) best = better(best, inner);
        continue;
      }
      if (c === '[') {
        const members = skipClass();
        const q = quantifier();
        if (members === null || !members.every(usable) || (q !== null && q.min === 0)) {
          flush();
          continue;
        }
        // A small class extends the run ([ \t]- gives " -" and "\t-"); then as a literal char.
        append(members);
        if (q !== null) flush();
        continue;
      }
      if (c === '^' || c === '$') {
        flush();
        i++;
        continue;
      }
      let lit: string | null;
      if (c === '\\') {
        lit = escapeLiteral();
        if (lit === null) {
          // \b \B \d \w \s ..., \cX, back-references \1 \k<name>: not a literal.
          flush();
          const e = source[i + 1];
          if (e === 'k' && source[i + 2] === '<') i = source.indexOf('>', i) + 1;
          else if (e === 'c') i += 3;
          else {
            i += 2;
            if (/[1-9]/.test(e)) while (i < n && /\d/.test(source[i])) i++;
          }
          if (i <= 0) return null;
          quantifier();
          continue;
        }
      } else if (c === '.' || c === '*' || c === '+' || c === '?') {
        flush();
        i++;
        quantifier();
        continue;
      } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(source.slice(i))) {
        flush();
        quantifier();
        continue;
      } else {
        lit = c;
        i++;
      }
      if (!usable(lit)) {
        flush();
        quantifier();
        continue;
      }
      const q = quantifier();
      if (q === null) append([lit]);
      else if (q.min >= 1) {
        append([lit.repeat(Math.min(q.min, 8))]);
        flush();
      } else flush();
    }
    flush();
    return best;
  };

  try {
    const out = alternation();
    if (i !== n) return null;
    return out && out.length > 0 && out.every((s) => s.length > 0) ? out : null;
  } catch {
    return null;
  }
}
