// The literal scan of one HTTP request, on its bytes, without building the subject string.
//
// httpSubject() defines the text HTTP rules match: the request line and headers (to the header
// end), URL-decoded, plus a form-encoded body. Most requests need no decoding, so their subject is
// exactly their bytes up to the header end: one pass of the pair scanner over the packet finds the
// gate literals, the header end (the first CRLFCRLF, which shows among the scan's hits) and any '%'
// in the headers at the same time. A request whose line holds '%' or '+' has its line decoded into a small scratch copy
// (the headers are still read in place); one with '%' in its headers or with a form body is decoded
// whole into the scratch copy. Only a %uXXXX escape above U+00FF (which bytes cannot hold) falls
// back to httpSubject() and a scan of the string. The subject string itself is built only when a
// rule needs it (an open gate, a content check), by text(), always equal to httpSubject().

import { HTTP_DECODE_ROUNDS, HTTP_SUBJECT_CAP, httpSubject } from './http.js';
import { ALWAYS, PairScanner } from './pair-scanner.js';

/** Literals every HTTP scanner starts with: the percent sign (id 0). */
export const HTTP_SCAN_SPECIALS = ['%'];
const LIT_PERCENT = 0;

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const PCT = 0x25;
const PLUS = 0x2b;

const PLUS_NONE = 0;
const PLUS_QUERY = 1;
const PLUS_ALL = 2;

const PATH_RAW = 0;
const PATH_LINE = 1;
const PATH_SCRATCH = 2;
const PATH_STRING = 3;

const FOLD = new Uint8Array(256);
for (let c = 0; c < 256; c++) FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c;

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * URL-decodes a[s..s+n) in place exactly as httpSubject() decodes a segment (rounds while the text
 * changes, up to HTTP_DECODE_ROUNDS); returns the new length, or -1 when a %uXXXX escape yields a
 * character above U+00FF.
 */
export function decodeInPlace(a: Uint8Array, s: number, n: number, plus: number): number {
  for (let round = 0; round < HTTP_DECODE_ROUNDS; round++) {
    const e = s + n;
    let o = s;
    let changed = false;
    let inQuery = plus === PLUS_ALL;
    for (let i = s; i < e; i++) {
      const c = a[i];
      if (c === PCT) {
        if (i + 2 < e) {
          const h = hexVal(a[i + 1]);
          const l = h < 0 ? -1 : hexVal(a[i + 2]);
          if (l >= 0) {
            a[o++] = (h << 4) | l;
            i += 2;
            changed = true;
            continue;
          }
        }
        if (i + 5 < e && (a[i + 1] | 0x20) === 0x75 /* u */) {
          const w = hexVal(a[i + 2]);
          const x = hexVal(a[i + 3]);
          const y = hexVal(a[i + 4]);
          const z = hexVal(a[i + 5]);
          if ((w | x | y | z) >= 0) {
            const v = (w << 12) | (x << 8) | (y << 4) | z;
            if (v > 0xff) return -1;
            a[o++] = v;
            i += 5;
            changed = true;
            continue;
          }
        }
        a[o++] = c;
        continue;
      }
      if (c === 0x3f /* ? */ && plus === PLUS_QUERY) inQuery = true;
      else if (c === PLUS && inQuery) {
        a[o++] = SP;
        changed = true;
        continue;
      }
      a[o++] = c;
    }
    if (!changed) break;
    n = o - s;
  }
  return n;
}

const CONTENT_TYPE = Uint8Array.from('content-type:', (c) => c.charCodeAt(0));
const FORM_URLENCODED = Uint8Array.from('application/x-www-form-urlencoded', (c) => c.charCodeAt(0));

/** /^content-type:[ \t]*application\/x-www-form-urlencoded/im over the latin1 text b[from..to). */
export function formContentType(b: Uint8Array, from: number, to: number): boolean {
  const n1 = CONTENT_TYPE.length;
  const n2 = FORM_URLENCODED.length;
  for (let p = from; p + n1 + n2 <= to; p++) {
    if (p > from) {
      const prev = b[p - 1];
      if (prev !== LF && prev !== CR) continue;
    }
    let j = 0;
    while (j < n1 && FOLD[b[p + j]] === CONTENT_TYPE[j]) j++;
    if (j < n1) continue;
    let r = p + n1;
    while (r < to && (b[r] === SP || b[r] === TAB)) r++;
    if (r + n2 > to) continue;
    j = 0;
    while (j < n2 && FOLD[b[r + j]] === FORM_URLENCODED[j]) j++;
    if (j === n2) return true;
  }
  return false;
}

/** Copies src[from..to) to dst at `at`; returns the position after the copy. */
function copy(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  const n = to - from;
  if (n > 64) {
    dst.set(src.subarray(from, to), at);
    return at + n;
  }
  for (let i = from; i < to; i++) dst[at++] = src[i];
  return at;
}

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice;

/** The latin1 text of b[from..to) (Node's latin1Slice works on any Uint8Array, without a view). */
function latin1(b: Uint8Array, from: number, to: number): string {
  if (nativeLatin1 !== undefined) return nativeLatin1.call(b, from, to);
  return Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
}

export class HttpSubjectScan {
  private readonly scratch = new Uint8Array(HTTP_SUBJECT_CAP);
  /** Longest literal minus one: how far a literal can reach across a seam. */
  private readonly overlap: number;

  // The request being scanned (positions relative to its first byte).
  private buf: Uint8Array = this.scratch;
  private off = 0;
  private len = 0;
  private path = PATH_RAW;
  private headersEnd = 0;
  private lineEnd = 0;
  /** PATH_LINE: length of the decoded request line in the scratch copy. */
  private lineLen = 0;
  private scratchLen = 0;
  private subject: string | null = null;
  /** A hit counts when its recorded end is at most this. */
  bound = 0;

  constructor(readonly scanner: PairScanner) {
    if (scanner.literals[LIT_PERCENT] !== HTTP_SCAN_SPECIALS[0]) {
      throw new Error('the HTTP scanner must start with HTTP_SCAN_SPECIALS');
    }
    this.overlap = Math.max(scanner.maxLen - 1, 0);
  }

  /** Scans the request buf[off..off+len) (isHttpRequest() said yes): hits are in the scanner. */
  scan(buf: Uint8Array, off: number, len: number): void {
    this.scanParts(buf, off, len);
    // Literals ending in 0 also occur at the very end of the subject (the end of the text).
    if (this.scanner.endMatters(this.lastChar())) this.scanner.matchEnd(this.text());
  }

  /** The subject's last character (the subject is never empty: it holds at least the method). */
  private lastChar(): number {
    switch (this.path) {
      case PATH_RAW:
        return this.buf[this.off + this.headersEnd - 1];
      case PATH_LINE:
        return this.headersEnd > this.lineEnd ? this.buf[this.off + this.headersEnd - 1] : this.scratch[this.lineLen - 1];
      case PATH_SCRATCH:
        return this.scratch[this.scratchLen - 1];
      default:
        return this.subject!.charCodeAt(this.subject!.length - 1);
    }
  }

  private scanParts(buf: Uint8Array, off: number, len: number): void {
    const sc = this.scanner;
    sc.beginScan();
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.subject = null;
    const end = len < HTTP_SUBJECT_CAP ? len : HTTP_SUBJECT_CAP;
    let sp = 0;
    while (sp < end && buf[off + sp] !== SP) sp++;
    // The request line: its end, and whether it holds something to decode.
    let lf = -1;
    let lineCode = false;
    for (let p = off + sp, e = off + end; p < e; p++) {
      const c = buf[p];
      if (c === LF) {
        lf = p - off;
        break;
      }
      if (c === PCT || c === PLUS) lineCode = true;
    }
    if (lf < 0) {
      // No line feed: all of it is the request line.
      this.headersEnd = end;
      this.lineEnd = end;
      this.bound = end;
      if (!lineCode) {
        this.path = PATH_RAW;
        sc.scanBytes(buf, off, off + end, -off);
      } else if (!this.scanLine(sp, end, end)) this.scanString();
      return;
    }
    // The header block: scanned in place (from the line feed when the line is decoded apart).
    let hEnd = -1;
    if (lineCode && buf[off + lf - 1] === CR && lf + 2 < end && buf[off + lf + 1] === CR && buf[off + lf + 2] === LF) {
      hEnd = lf + 3;
      sc.scanBytes(buf, off + lf, off + hEnd, -off);
    } else {
      const at = sc.scanHeaders(buf, off + (lineCode ? lf : 0), off + end, -off);
      if (at >= 0) hEnd = at - off;
    }
    if (hEnd < 0) {
      // No CRLFCRLF: the first LFLF ends the headers.
      const at = Buffer.from(buf.buffer, buf.byteOffset + off, end).indexOf('\n\n', lf, 'latin1');
      if (at >= 0) hEnd = at + 2;
    }
    const headersEnd = hEnd >= 0 ? hEnd : end;
    const body = hEnd >= 0 && hEnd < end;
    this.headersEnd = headersEnd;
    this.lineEnd = lf;
    this.bound = headersEnd;
    const pct = sc.hit(LIT_PERCENT, headersEnd);
    const form = body && !pct && formContentType(buf, off + lf, off + headersEnd);
    if (!pct && !form) {
      if (!lineCode) {
        this.path = PATH_RAW;
        return;
      }
      if (this.scanLine(sp, lf, headersEnd)) return;
    } else if (this.scanScratch(sp, lf, headersEnd, hEnd, end, body)) return;
    this.scanString();
  }

  /** Where the request target ends: before the last " HTTP/" of the line (as httpSubject()). */
  private targetEnd(sp: number, lineEnd: number, end: number): number {
    const b = this.buf;
    const o = this.off;
    let t = -1;
    for (let p = Math.min(lineEnd, end - 6); p > sp; p--) {
      const q = o + p;
      if (b[q] === SP && b[q + 1] === 0x48 && b[q + 2] === 0x54 && b[q + 3] === 0x54 && b[q + 4] === 0x50 && b[q + 5] === 0x2f) {
        t = p;
        break;
      }
    }
    if (t <= sp || t >= lineEnd) t = lineEnd > sp && b[o + lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
    return t;
  }

  /** Copies the request line to the scratch copy with its target decoded; returns the length. */
  private decodeLine(sp: number, lineEnd: number, end: number): number {
    const b = this.buf;
    const o = this.off;
    const s = this.scratch;
    const targetEnd = this.targetEnd(sp, lineEnd, end);
    let at = copy(b, o, o + sp + 1, s, 0);
    const tStart = at;
    at = copy(b, o + sp + 1, o + targetEnd, s, at);
    if (targetEnd > sp + 1) {
      const n = decodeInPlace(s, tStart, targetEnd - sp - 1, PLUS_QUERY);
      if (n < 0) return -1;
      at = tStart + n;
    }
    return copy(b, o + targetEnd, o + lineEnd, s, at);
  }

  /** Decoded line in the scratch copy (with the headers' first bytes, for literals across). */
  private scanLine(sp: number, lineEnd: number, headersEnd: number): boolean {
    const n = this.decodeLine(sp, lineEnd, headersEnd);
    if (n < 0) return false;
    this.lineLen = n;
    const more = Math.min(lineEnd + this.overlap, headersEnd);
    this.scratchLen = copy(this.buf, this.off + lineEnd, this.off + more, this.scratch, n);
    this.path = PATH_LINE;
    this.scanner.scanBytes(this.scratch, 0, this.scratchLen, ALWAYS);
    return true;
  }

  /** The whole subject decoded into the scratch copy, scanned anew. */
  private scanScratch(sp: number, lineEnd: number, headersEnd: number, hEnd: number, end: number, body: boolean): boolean {
    const b = this.buf;
    const o = this.off;
    const s = this.scratch;
    let at = this.decodeLine(sp, lineEnd, headersEnd);
    if (at < 0) return false;
    const hStart = at;
    at = copy(b, o + lineEnd, o + headersEnd, s, at);
    let n = decodeInPlace(s, hStart, headersEnd - lineEnd, PLUS_NONE);
    if (n < 0) return false;
    at = hStart + n;
    if (body && formContentType(s, hStart, at)) {
      const bStart = at;
      at = copy(b, o + hEnd, o + end, s, at);
      n = decodeInPlace(s, bStart, end - hEnd, PLUS_ALL);
      if (n < 0) return false;
      at = bStart + n;
    }
    this.scratchLen = at;
    this.path = PATH_SCRATCH;
    this.scanner.beginScan();
    this.scanner.scanBytes(s, 0, at, ALWAYS);
    return true;
  }

  private scanString(): void {
    const text = httpSubject(this.buf, this.off, this.len);
    this.subject = text;
    this.path = PATH_STRING;
    this.scanner.beginScan();
    this.scanner.scanString(text, 0, text.length, ALWAYS);
  }

  /** The subject text of the scanned request: what httpSubject() returns for it. */
  text(): string {
    if (this.subject === null) {
      const b = this.buf;
      const o = this.off;
      switch (this.path) {
        case PATH_RAW:
          this.subject = latin1(b, o, o + this.headersEnd);
          break;
        case PATH_LINE:
          this.subject = latin1(this.scratch, 0, this.lineLen) + latin1(b, o + this.lineEnd, o + this.headersEnd);
          break;
        default:
          this.subject = latin1(this.scratch, 0, this.scratchLen);
      }
    }
    return this.subject;
  }
}
