// IP address parsing, formatting and CIDR sets. Every address that comes from a user (config,
// CLI, rules) goes through parseAddress/parseCidr, which reject anything that is not exactly an
// IPv4 or IPv6 address: nothing unvalidated ever reaches a kernel tool.

const HEX = '0123456789abcdef';

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text form of the 16 bytes at buf[off..off+16). */
export function formatIPv6(buf: Uint8Array, off: number): string {
  const words = new Array<number>(8);
  for (let i = 0; i < 8; i++) words[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  // IPv4-mapped ::ffff:a.b.c.d keeps its dotted tail, as every tool prints it.
  if (words[0] === 0 && words[1] === 0 && words[2] === 0 && words[3] === 0 && words[4] === 0 && words[5] === 0xffff) {
    return `::ffff:${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  // Longest run of two or more zero words becomes '::' (first one on ties).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += words[i].toString(16);
  }
  return out;
}

/** Map key for an IPv6 address: 32 lowercase hex digits. */
export function ipv6Key(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 16; i++) {
    const b = buf[off + i];
    s += HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

export interface ParsedAddress {
  version: 4 | 6;
  /** IPv4 value (unsigned); 0 for IPv6. */
  v4: number;
  /** 4 or 16 bytes. */
  bytes: Uint8Array;
}

const V4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function parseV4(text: string): number | null {
  if (!V4_RE.test(text)) return null;
  const p = text.split('.');
  return ((+p[0] << 24) | (+p[1] << 16) | (+p[2] << 8) | +p[3]) >>> 0;
}

function parseV6(text: string): Uint8Array | null {
  if (text.length < 2 || text.length > 45 || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tailV4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.indexOf('.') !== -1) {
    tailV4 = parseV4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = text.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = head.indexOf('::');
  if (dbl !== -1 && head.indexOf('::', dbl + 1) !== -1) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === '') return [];
    const parts = s.split(':');
    const out: number[] = [];
    for (const part of parts) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return null;
      out.push(parseInt(part, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl !== -1) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right || left.length + right.length > 7) return null;
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  } else {
    const all = parseGroups(head);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = groups[i] >> 8;
    bytes[2 * i + 1] = groups[i] & 255;
  }
  if (tailV4 !== null) {
    bytes[12] = tailV4 >>> 24;
    bytes[13] = (tailV4 >>> 16) & 255;
    bytes[14] = (tailV4 >>> 8) & 255;
    bytes[15] = tailV4 & 255;
  }
  return bytes;
}

/** Parses one IPv4 or IPv6 address; null when the text is anything else. */
export function parseAddress(text: string): ParsedAddress | null {
  const v4 = parseV4(text);
  if (v4 !== null) {
    return { version: 4, v4, bytes: new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]) };
  }
  const v6 = parseV6(text);
  if (v6 !== null) return { version: 6, v4: 0, bytes: v6 };
  return null;
}

export interface Cidr {
  version: 4 | 6;
  bits: number;
  /** Network bytes (host bits cleared). */
  bytes: Uint8Array;
  text: string;
}

/** Parses "ADDR" or "ADDR/BITS"; null when invalid. Host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const addr = parseAddress(addrText);
  if (!addr) return null;
  const max = addr.version === 4 ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(b)) return null;
    bits = +b;
    if (bits > max) return null;
  }
  const bytes = addr.bytes.slice();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    bytes[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  const net = addr.version === 4 ? formatIPv4(((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0) : formatIPv6(bytes, 0);
  return { version: addr.version, bits, bytes, text: bits === max ? net : `${net}/${bits}` };
}

/** A set of CIDR blocks with fast membership tests for packet addresses and map keys. */
export class AddrSet {
  private readonly v4: { net: number; mask: number }[] = [];
  private readonly v6: Cidr[] = [];
  readonly entries: Cidr[] = [];

  constructor(cidrs: Iterable<Cidr> = []) {
    for (const c of cidrs) this.add(c);
  }

  static parse(texts: readonly string[], what: string): AddrSet {
    const set = new AddrSet();
    for (const t of texts) {
      const c = parseCidr(t.trim());
      if (!c) throw new Error(`${what}: '${t}' is not an IPv4/IPv6 address or CIDR`);
      set.add(c);
    }
    return set;
  }

  add(c: Cidr): void {
    this.entries.push(c);
    if (c.version === 4) {
      const mask = c.bits === 0 ? 0 : (0xffffffff << (32 - c.bits)) >>> 0;
      const net = ((c.bytes[0] << 24) | (c.bytes[1] << 16) | (c.bytes[2] << 8) | c.bytes[3]) >>> 0;
      this.v4.push({ net, mask });
    } else {
      this.v6.push(c);
    }
  }

  get size(): number {
    return this.entries.length;
  }

  has4(n: number): boolean {
    const list = this.v4;
    for (let i = 0; i < list.length; i++) {
      if (((n & list[i].mask) >>> 0) === list[i].net) return true;
    }
    return false;
  }

  has6(buf: Uint8Array, off: number): boolean {
    for (const c of this.v6) {
      let ok = true;
      for (let i = 0; i < 16 && ok; i++) {
        const keep = Math.max(0, Math.min(8, c.bits - 8 * i));
        if (keep === 0) break;
        const m = (0xff << (8 - keep)) & 0xff;
        if ((buf[off + i] & m) !== c.bytes[i]) ok = false;
      }
      if (ok) return true;
    }
    return false;
  }

  /** Membership for an AddrKey (IPv4 number or IPv6 32-hex string). */
  hasKey(key: number | string): boolean {
    if (typeof key === 'number') return this.has4(key);
    if (this.v6.length === 0) return false;
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
    return this.has6(bytes, 0);
  }

  /** Membership for address text; false for text that is not an address. */
  hasText(text: string): boolean {
    const a = parseAddress(text);
    if (!a) return false;
    return a.version === 4 ? this.has4(a.v4) : this.has6(a.bytes, 0);
  }
}

/** Text form of an AddrKey. */
export function keyToString(key: number | string): string {
  if (typeof key === 'number') return formatIPv4(key);
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(key.slice(2 * i, 2 * i + 2), 16);
  return formatIPv6(bytes, 0);
}
