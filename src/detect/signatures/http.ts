// HTTP request recognition and normalisation for signature rules with `http: true`.
//
// isHttpRequest() looks at the first bytes only (a method token and a space) so that the common
// case, a payload that is not an HTTP request, costs a couple of byte loads. httpSubject() then
// builds, once per packet, the text every HTTP rule is matched against: the request line and
// headers (to CRLFCRLF or the end of the packet, capped), plus a form-encoded body present in the
// same packet, URL-decoded (%XX, %uXXXX, '+' as space in the query and form body) and decoded again
// while that still changes something, up to three rounds, because attack tools double-encode.

/** Most bytes of a request that are examined. */
export const HTTP_SUBJECT_CAP = 8192;
/** Decoding rounds (the first plus up to two more while the text still changes). */
export const HTTP_DECODE_ROUNDS = 3;

const KNOWN_METHODS = [
  'GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE',
  // WebDAV, CalDAV, DeltaV and cache control.
  'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'MKCALENDAR',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'ACL', 'BIND', 'UNBIND', 'REBIND', 'LINK', 'UNLINK', 'PURGE',
];

/** Known method names indexed by their length, as byte arrays. */
const METHODS_BY_LEN: Uint8Array[][] = [];
for (const m of KNOWN_METHODS) {
  (METHODS_BY_LEN[m.length] ??= []).push(Uint8Array.from(m, (c) => c.charCodeAt(0)));
}

const MAX_METHOD = 20;
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

function isTokenByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x5f; // A-Z - _
}

function knownMethod(buf: Uint8Array, off: number, len: number): boolean {
  const list = METHODS_BY_LEN[len];
  if (list === undefined) return false;
  for (let k = 0; k < list.length; k++) {
    const m = list[k];
    let j = 0;
    while (j < len && buf[off + j] === m[j]) j++;
    if (j === len) return true;
  }
  return false;
}

/**
 * True when the payload starts like an HTTP request: a method token, one space and a request
 * target. Known methods are accepted at once; any other upper-case token (servers hand unknown
 * methods to applications) only when the first line also holds " HTTP/".
 */
export function isHttpRequest(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 5) return false;
  const c0 = buf[off];
  if (c0 < 0x41 || c0 > 0x5a) return false;
  const max = len < MAX_METHOD + 1 ? len : MAX_METHOD + 1;
  let i = 1;
  while (i < max) {
    const b = buf[off + i];
    if (b === SP) break;
    if (!isTokenByte(b)) return false;
    i++;
  }
  if (i === max || i < 3 || i + 1 >= len) return false;
  const t = buf[off + i + 1];
  if (t <= SP || t >= 0x7f) return false;
  if (knownMethod(buf, off, i)) return true;
  // Unknown method: require the version on the first line.
  const end = off + (len < HTTP_SUBJECT_CAP ? len : HTTP_SUBJECT_CAP) - 5;
  for (let p = off + i + 1; p < end; p++) {
    const b = buf[p];
    if (b === LF) return false;
    if (b === SP && buf[p + 1] === 0x48 && buf[p + 2] === 0x54 && buf[p + 3] === 0x54 && buf[p + 4] === 0x50 && buf[p + 5] === 0x2f) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- decoding

const scratchA = new Uint16Array(HTTP_SUBJECT_CAP);
const scratchB = new Uint16Array(HTTP_SUBJECT_CAP);

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

const PLUS_NONE = 0;
/** '+' is a space after the first '?' (a request target's query). */
const PLUS_QUERY = 1;
/** '+' is a space everywhere (a form-encoded body). */
const PLUS_ALL = 2;

/** One decoding pass from src[0..n) into dst; returns the new length, negated when nothing changed. */
function decodeOnce(src: Uint16Array, n: number, dst: Uint16Array, plus: number): number {
  let o = 0;
  let changed = false;
  let inQuery = plus === PLUS_ALL;
  for (let i = 0; i < n; i++) {
    const c = src[i];
    if (c === 0x25 /* % */) {
      if (i + 2 < n) {
        const h = hexVal(src[i + 1]);
        const l = h < 0 ? -1 : hexVal(src[i + 2]);
        if (l >= 0) {
          dst[o++] = (h << 4) | l;
          i += 2;
          changed = true;
          continue;
        }
      }
      if (i + 5 < n && (src[i + 1] | 0x20) === 0x75 /* u */) {
        const a = hexVal(src[i + 2]);
        const b = hexVal(src[i + 3]);
        const d = hexVal(src[i + 4]);
        const e = hexVal(src[i + 5]);
        if ((a | b | d | e) >= 0) {
          dst[o++] = (a << 12) | (b << 8) | (d << 4) | e;
          i += 5;
          changed = true;
          continue;
        }
      }
      dst[o++] = c;
      continue;
    }
    if (c === 0x3f /* ? */ && plus === PLUS_QUERY) inQuery = true;
    else if (c === 0x2b /* + */ && inQuery) {
      dst[o++] = SP;
      changed = true;
      continue;
    }
    dst[o++] = c;
  }
  return changed ? o : -o - 1;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const UTF16 = new TextDecoder('utf-16le');

function unitsToString(a: Uint16Array, n: number): string {
  if (LITTLE_ENDIAN) return UTF16.decode(a.subarray(0, n));
  let s = '';
  for (let i = 0; i < n; i += 1024) {
    s += String.fromCharCode.apply(null, a.subarray(i, Math.min(n, i + 1024)) as unknown as number[]);
  }
  return s;
}

/** URL-decodes b[start..end) up to HTTP_DECODE_ROUNDS times (while it changes). */
function decodeSegment(b: Buffer, start: number, end: number, plus: number): string {
  let n = end - start;
  if (n <= 0) return '';
  // Most segments hold nothing to decode: slice them natively.
  const pct = b.indexOf(0x25, start);
  if ((pct < 0 || pct >= end) && (plus === PLUS_NONE || !hasPlus(b, start, end))) return b.toString('latin1', start, end);
  let src = scratchA;
  let dst = scratchB;
  for (let i = 0; i < n; i++) src[i] = b[start + i];
  for (let round = 0; round < HTTP_DECODE_ROUNDS; round++) {
    const r = decodeOnce(src, n, dst, plus);
    if (r < 0) break;
    n = r;
    const t = src;
    src = dst;
    dst = t;
  }
  return unitsToString(src, n);
}

function hasPlus(b: Buffer, start: number, end: number): boolean {
  const i = b.indexOf(0x2b, start);
  return i >= 0 && i < end;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const LFLF = Buffer.from('\n\n', 'latin1');
const SP_HTTP = Buffer.from(' HTTP/', 'latin1');

/** Index just past the end of the header block (CRLFCRLF, or LFLF), or -1 before `end`. */
function headerEnd(b: Buffer, from: number, end: number): number {
  let i = b.indexOf(CRLFCRLF, from);
  if (i >= 0 && i + 4 <= end) return i + 4;
  i = b.indexOf(LFLF, from);
  if (i >= 0 && i + 2 <= end) return i + 2;
  return -1;
}

function has(b: Buffer, byte: number, start: number, end: number): boolean {
  const i = b.indexOf(byte, start);
  return i >= 0 && i < end;
}

/**
 * The packet's bytes as a Buffer view of exactly [off, end): native searches (indexOf) then stop at
 * the packet's end instead of running on through the reader's whole chunk.
 */
function packetBuffer(buf: Uint8Array, off: number, end: number): Buffer {
  return Buffer.from(buf.buffer, buf.byteOffset + off, end - off);
}

const FORM_TYPE = /^content-type:[ \t]*application\/x-www-form-urlencoded/im;

/** Where the subject lies in the packet when it is the packet's bytes unchanged (start -1: it is not). */
export interface SubjectSpan {
  start: number;
  end: number;
}

/**
 * The normalised text HTTP rules match: request line and headers URL-decoded, plus a form body in
 * the same packet. Call only after isHttpRequest() said yes. When `span` is given it says whether
 * the text is simply buf[start..end) (nothing needed decoding), so a scanner can read the bytes.
 */
export function httpSubject(buf: Uint8Array, off: number, len: number, span?: SubjectSpan): string {
  // Positions below are relative to the packet view `b` (0 = the first payload byte).
  const end = len < HTTP_SUBJECT_CAP ? len : HTTP_SUBJECT_CAP;
  const b = packetBuffer(buf, off, off + end);
  let sp = 0;
  while (sp < end && b[sp] !== SP) sp++;
  const hEnd = headerEnd(b, sp, end);
  const headersEnd = hEnd < 0 ? end : hEnd;
  const body = hEnd >= 0 && hEnd < end;
  let lineEnd = b.indexOf(LF, sp);
  if (lineEnd < 0 || lineEnd > headersEnd) lineEnd = headersEnd;
  // Nothing to decode (the common case): one native slice. ('+' only counts on the request line.)
  if (!body && !has(b, 0x25, sp, headersEnd) && !has(b, 0x2b, sp, lineEnd)) {
    if (span) {
      span.start = off;
      span.end = off + headersEnd;
    }
    return b.toString('latin1', 0, headersEnd);
  }
  if (span) span.start = -1;
  // The target ends at the last " HTTP/" of the request line (spaces inside it are the client's).
  let targetEnd = b.lastIndexOf(SP_HTTP, lineEnd);
  if (targetEnd <= sp || targetEnd >= lineEnd) targetEnd = lineEnd > sp && b[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
  let s = b.toString('latin1', 0, sp + 1);
  s += decodeSegment(b, sp + 1, targetEnd, PLUS_QUERY);
  s += b.toString('latin1', targetEnd, lineEnd);
  const headers = decodeSegment(b, lineEnd, headersEnd, PLUS_NONE);
  s += headers;
  if (body && FORM_TYPE.test(headers)) s += decodeSegment(b, hEnd, end, PLUS_ALL);
  return s;
}

/** URL-decodes a string the way httpSubject() decodes a request target (for tests and tools). */
export function urlDecodeTarget(text: string): string {
  const bytes = Buffer.from(text.slice(0, HTTP_SUBJECT_CAP), 'latin1');
  return decodeSegment(bytes, 0, bytes.length, PLUS_QUERY);
}
