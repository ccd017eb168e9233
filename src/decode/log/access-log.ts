// Web server access logs, nginx/apache "combined" and "common" formats:
//
//   CLIENT IDENT USER [21/Nov/2026:10:00:00 +0000] "GET /path?q=1 HTTP/1.1" 200 123 "referer" "ua"
//
// (common = without the two last fields). Inside quoted fields nginx writes '"', '\' and
// non-printable bytes as \xHH, apache writes \" \\ \n \t ... and \xhh; a backslash therefore always
// escapes the next character, which finds the closing quote, and the escapes are undone when the
// request is rebuilt (requestBytes) so the signature rules see the bytes the client sent.
// A line whose request field is not "METHOD TARGET[ HTTP/x]" (a TLS handshake sent to the HTTP
// port, logged as binary junk, or "-") is parsed (the client is known) but holds no request.

import { AddrToken } from './addr-token.js';
import type { HttpRequestEvent } from './log-event.js';
import { charIn, indexIn } from './span.js';
import { monthIndex } from './syslog.js';

const MAX_METHOD = 20;

export class AccessLogLine {
  readonly addr = new AddrToken();
  ts = 0;
  text = '';
  userStart = -1;
  userEnd = -1;
  /** The request field (between the quotes, still escaped), or -1s. */
  reqStart = -1;
  reqEnd = -1;
  /** Parts of the request field: method [reqStart, methodEnd), target [targetStart, targetEnd), protocol to reqEnd. */
  methodEnd = -1;
  targetStart = -1;
  targetEnd = -1;
  status = -1;
  refStart = -1;
  refEnd = -1;
  uaStart = -1;
  uaEnd = -1;
  /** True when the request field holds a request (method, target). */
  hasRequest = false;

  private tsKey = -1;
  private tsBase = 0;

  user(): string | null {
    return this.userStart < 0 ? null : this.text.slice(this.userStart, this.userEnd);
  }

  /** The line as a log event (allocates; for callers outside the hot path); null without a request. */
  event(): HttpRequestEvent | null {
    if (!this.hasRequest) return null;
    const s = this.text;
    const field = (a: number, b: number): string | null => (a < 0 ? null : unescapeText(s, a, b));
    return {
      kind: 'http_request',
      ts: this.ts,
      ip: this.addr.text(),
      method: s.slice(this.reqStart, this.methodEnd),
      target: unescapeText(s, this.targetStart, this.targetEnd),
      protocol: this.targetEnd < this.reqEnd ? s.slice(this.targetEnd + 1, this.reqEnd) : '',
      status: this.status < 0 ? null : this.status,
      referer: field(this.refStart, this.refEnd),
      userAgent: field(this.uaStart, this.uaEnd),
    };
  }

  /** Parses s[start..end); false when the line is not in the combined/common format. */
  parse(s: string, start: number, end: number): boolean {
    this.text = s;
    this.hasRequest = false;
    this.userStart = this.reqStart = this.refStart = this.uaStart = -1;
    this.status = -1;
    let p = start;
    while (p < end && s.charCodeAt(p) !== 32) p++;
    if (p === start || !this.addr.parse(s, start, p)) return false;
    // IDENT USER: tokens up to " [".
    const b = indexIn(s, ' [', p, end);
    if (b < 0) return false;
    const idEnd = charIn(s, 32, p + 1, b);
    if (idEnd < 0) return false;
    const us = idEnd + 1;
    if (!(b - us === 1 && s.charCodeAt(us) === 45 /* - */) && b > us) {
      this.userStart = us;
      this.userEnd = b;
    }
    p = this.stamp(s, b + 2, end);
    if (p < 0) return false;
    // "REQUEST"
    if (s.charCodeAt(p) !== 32 || s.charCodeAt(p + 1) !== 34) return false;
    const rq = p + 2;
    const rqEnd = closingQuote(s, rq, end);
    if (rqEnd < 0) return false;
    this.reqStart = rq;
    this.reqEnd = rqEnd;
    p = rqEnd + 1;
    // STATUS BYTES
    if (s.charCodeAt(p) !== 32) return false;
    p++;
    let status = 0;
    let n = 0;
    while (p < end) {
      const d = s.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      status = status * 10 + d;
      n++;
      p++;
    }
    if (n === 3) this.status = status;
    else if (n === 0 && s.charCodeAt(p) === 45) p++;
    else return false;
    // Everything after the status is optional for our purposes (bytes, referer, user agent).
    if (s.charCodeAt(p) === 32) {
      p++;
      while (p < end && s.charCodeAt(p) !== 32) p++;
      if (s.charCodeAt(p) === 32 && s.charCodeAt(p + 1) === 34) {
        const rs = p + 2;
        const re = closingQuote(s, rs, end);
        if (re >= 0) {
          if (!(re - rs === 1 && s.charCodeAt(rs) === 45)) {
            this.refStart = rs;
            this.refEnd = re;
          }
          p = re + 1;
          if (s.charCodeAt(p) === 32 && s.charCodeAt(p + 1) === 34) {
            const as = p + 2;
            const ae = closingQuote(s, as, end);
            if (ae >= 0 && !(ae - as === 1 && s.charCodeAt(as) === 45)) {
              this.uaStart = as;
              this.uaEnd = ae;
            }
          }
        }
      }
    }
    this.splitRequest(s);
    return true;
  }

  /** Splits the request field into method, target and protocol; sets hasRequest. */
  private splitRequest(s: string): void {
    const a = this.reqStart;
    const e = this.reqEnd;
    let p = a;
    while (p < e) {
      const c = s.charCodeAt(p);
      if (c === 32) break;
      // A method token: upper-case letters, '-' and '_' (WebDAV methods included).
      if (!((c >= 65 && c <= 90) || c === 45 || c === 95)) return;
      p++;
    }
    if (p - a < 3 || p - a > MAX_METHOD || p >= e - 1) return;
    this.methodEnd = p;
    this.targetStart = p + 1;
    // The protocol is the last token when it starts with HTTP/ (spaces inside the target are the client's).
    let q = e;
    while (q > p + 1 && s.charCodeAt(q - 1) !== 32) q--;
    this.targetEnd = q > p + 1 && s.startsWith('HTTP/', q) ? q - 1 : e;
    if (this.targetEnd <= this.targetStart) return;
    const t = s.charCodeAt(this.targetStart);
    if (t <= 32 || t === 0x7f) return;
    this.hasRequest = true;
  }

  /** "[21/Nov/2026:10:00:00 +0000]" from p (after the "["): returns the offset after "]", or -1. */
  private stamp(s: string, p: number, end: number): number {
    if (p + 27 > end) return -1;
    const d = num(s, p, 2);
    const mon = monthIndex(s, p + 3);
    const y = num(s, p + 7, 4);
    const h = num(s, p + 12, 2);
    const mi = num(s, p + 15, 2);
    const se = num(s, p + 18, 2);
    if (d < 1 || d > 31 || mon < 0 || y < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return -1;
    if (s.charCodeAt(p + 2) !== 47 || s.charCodeAt(p + 6) !== 47 || s.charCodeAt(p + 11) !== 58 || s.charCodeAt(p + 20) !== 32) return -1;
    const sign = s.charCodeAt(p + 21);
    const oh = num(s, p + 22, 2);
    const om = num(s, p + 24, 2);
    if ((sign !== 43 && sign !== 45) || oh < 0 || om < 0 || s.charCodeAt(p + 26) !== 93) return -1;
    const key = ((y * 12 + mon) * 32 + d) * 24 + h;
    if (key !== this.tsKey) {
      this.tsBase = Date.UTC(y, mon, d, h) / 1000;
      this.tsKey = key;
    }
    this.ts = this.tsBase + mi * 60 + se - (sign === 43 ? 1 : -1) * (oh * 3600 + om * 60);
    return p + 27;
  }
}

function num(s: string, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(p + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Index of the quote closing a field that starts at p (a backslash escapes the next character), or -1. */
function closingQuote(s: string, p: number, end: number): number {
  while (p < end) {
    const c = s.charCodeAt(p);
    if (c === 34) return p;
    p += c === 92 ? 2 : 1;
  }
  return -1;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/**
 * Writes s[a..b) into out at o, undoing the log escapes (\xHH, \" \\ \n \r \t \b \v); characters
 * above U+00FF (a UTF-8 line) are written as UTF-8. Returns the new offset (at most `cap`).
 */
export function unescapeInto(s: string, a: number, b: number, out: Uint8Array, o: number, cap: number): number {
  for (let i = a; i < b && o < cap; i++) {
    let c = s.charCodeAt(i);
    if (c === 92 && i + 1 < b) {
      const n = s.charCodeAt(i + 1);
      if (n === 120 /* x */ && i + 3 < b) {
        const h = hexVal(s.charCodeAt(i + 2));
        const l = hexVal(s.charCodeAt(i + 3));
        if (h >= 0 && l >= 0) {
          out[o++] = (h << 4) | l;
          i += 3;
          continue;
        }
      }
      i++;
      c = n === 110 ? 10 : n === 114 ? 13 : n === 116 ? 9 : n === 98 ? 8 : n === 118 ? 11 : n;
    }
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      if (o + 2 > cap) break;
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 63);
    } else {
      if (o + 3 > cap) break;
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    }
  }
  return o;
}

/** s[a..b) with the log escapes undone, as text (UTF-8 bytes decoded). */
function unescapeText(s: string, a: number, b: number): string {
  const out = new Uint8Array(3 * (b - a));
  return Buffer.from(out.buffer, 0, unescapeInto(s, a, b, out, 0, out.length)).toString('utf8');
}

const CRLF = [13, 10];
const UA = Array.from('User-Agent: ', (c) => c.charCodeAt(0));
const REF = Array.from('Referer: ', (c) => c.charCodeAt(0));

function put(out: Uint8Array, o: number, bytes: readonly number[], cap: number): number {
  for (let i = 0; i < bytes.length && o < cap; i++) out[o++] = bytes[i];
  return o;
}

/**
 * The HTTP request the line records, as bytes at out[o..): the request line, then User-Agent and
 * Referer headers when logged, then an empty line. Returns the end offset (capped at `cap`).
 */
export function requestBytes(line: AccessLogLine, out: Uint8Array, o: number, cap: number): number {
  const s = line.text;
  o = unescapeInto(s, line.reqStart, line.reqEnd, out, o, cap);
  o = put(out, o, CRLF, cap);
  if (line.uaStart >= 0) {
    o = put(out, o, UA, cap);
    o = unescapeInto(s, line.uaStart, line.uaEnd, out, o, cap);
    o = put(out, o, CRLF, cap);
  }
  if (line.refStart >= 0) {
    o = put(out, o, REF, cap);
    o = unescapeInto(s, line.refStart, line.refEnd, out, o, cap);
    o = put(out, o, CRLF, cap);
  }
  return put(out, o, CRLF, cap);
}
