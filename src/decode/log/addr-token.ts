// An address token cut from a log line, validated and canonicalised without trusting its text:
// read in place, character by character, into a number (IPv4) or 16 bytes (IPv6), accepting
// exactly what parseAddress accepts (a test checks both agree) but without building strings. An IPv4-mapped IPv6 address (::ffff:192.0.2.1, how a dual-stack sshd may print an
// IPv4 client) becomes the IPv4 address; a zone index (fe80::1%eth0) is dropped, since a firewall
// set holds addresses, not interfaces.

import { formatIPv4, formatIPv6 } from '../ip-addr.js';

/** Longest address text accepted, zone index included. */
const MAX_TOKEN = 64;

export class AddrToken {
  /** 0 after a failed parse. */
  version: 0 | 4 | 6 = 0;
  /** IPv4 value (unsigned) when version is 4. */
  v4 = 0;
  /** The 16 bytes of an IPv6 address when version is 6 (reused). */
  readonly bytes = new Uint8Array(16);
  private readonly words = new Uint16Array(8);

  /** Parses s[a..b) as one address; false (version 0) when it is anything else. */
  parse(s: string, a: number, b: number): boolean {
    this.version = 0;
    const n = b - a;
    if (n < 2 || n > MAX_TOKEN) return false;
    if (parse4(s, a, b)) {
      this.v4 = QUAD[0];
      this.version = 4;
      return true;
    }
    let end = b;
    for (let i = a; i < b; i++) {
      if (s.charCodeAt(i) === 37 /* % */) {
        // A zone index: dropped (fe80::1%eth0 is fe80::1); "fe80::1%" is no address.
        if (i === b - 1) return false;
        end = i;
        break;
      }
    }
    if (end - a > 45 || !this.parse6(s, a, end)) return false;
    const by = this.bytes;
    let mapped = by[10] === 0xff && by[11] === 0xff;
    for (let i = 0; i < 10 && mapped; i++) mapped = by[i] === 0;
    if (mapped) {
      this.v4 = ((by[12] << 24) | (by[13] << 16) | (by[14] << 8) | by[15]) >>> 0;
      this.version = 4;
      return true;
    }
    this.version = 6;
    return true;
  }

  /**
   * RFC 4291 text (hex groups, at most one "::", an optional dotted IPv4 tail) into `bytes`, read in
   * place: the same addresses parseAddress accepts, without building strings.
   */
  private parse6(s: string, a: number, b: number): boolean {
    const w = this.words;
    let groups = 0;
    let dbl = -1;
    let i = a;
    if (s.charCodeAt(i) === 58) {
      if (s.charCodeAt(i + 1) !== 58) return false;
      dbl = 0;
      i += 2;
    }
    while (i < b) {
      let v = 0;
      let n = 0;
      let j = i;
      while (j < b) {
        const h = hexVal(s.charCodeAt(j));
        if (h < 0) break;
        v = v * 16 + h;
        j++;
        if (++n > 4) return false;
      }
      if (j < b && s.charCodeAt(j) === 46 /* . */) {
        // The last 32 bits as a dotted quad.
        if (groups > 6) return false;
        if (!parse4(s, i, b)) return false;
        const q = QUAD[0];
        w[groups++] = q >>> 16;
        w[groups++] = q & 0xffff;
        i = b;
        break;
      }
      if (n === 0 || groups === 8) return false;
      w[groups++] = v;
      if (j === b) {
        i = j;
        break;
      }
      if (s.charCodeAt(j) !== 58) return false;
      if (s.charCodeAt(j + 1) === 58) {
        if (dbl >= 0) return false;
        dbl = groups;
        i = j + 2;
      } else {
        i = j + 1;
        if (i === b) return false;
      }
    }
    if (dbl < 0 ? groups !== 8 : groups > 7) return false;
    const by = this.bytes;
    by.fill(0);
    const tail = dbl < 0 ? 0 : groups - dbl;
    const head = groups - tail;
    for (let k = 0; k < head; k++) {
      by[2 * k] = w[k] >> 8;
      by[2 * k + 1] = w[k] & 255;
    }
    for (let k = 0; k < tail; k++) {
      const g = 8 - tail + k;
      by[2 * g] = w[head + k] >> 8;
      by[2 * g + 1] = w[head + k] & 255;
    }
    return true;
  }

  /** Canonical text (allocates). */
  text(): string {
    if (this.version === 4) return formatIPv4(this.v4);
    if (this.version === 6) return formatIPv6(this.bytes, 0);
    return '';
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** parse4's result: a typed array slot, so no number is boxed on the hot path. */
const QUAD = new Uint32Array(1);

/** Dotted quad without leading zeros (as parseAddress accepts) in s[a..b) into QUAD[0]; false when it is none. */
function parse4(s: string, a: number, b: number): boolean {
  let v = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || parts === 3) return false;
      v = v * 256 + part;
      parts++;
      part = 0;
      digits = 0;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return false;
    if (digits === 1 && part === 0) return false; // leading zero
    part = part * 10 + d;
    if (part > 255) return false;
    digits++;
  }
  if (digits === 0 || parts !== 3) return false;
  QUAD[0] = v * 256 + part;
  return true;
}
