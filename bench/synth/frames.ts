// Frame builders: Ethernet (optionally 802.1Q-tagged) + IPv4 or IPv6 + TCP, UDP or ICMP echo,
// written straight into a caller's buffer at an offset, with every length and checksum correct.
// One FrameSpec is reused for every packet: callers set its fields and call buildFrame; nothing is
// allocated per packet. Every byte of the frame is written, so a reused buffer never leaks stale bytes.

import { writeMac4, writeMac6 } from './net.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;
export const URG = 0x20;

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

/** Largest frame buildFrame produces: Ethernet + VLAN + IPv6 + TCP with options + a 1460-byte segment. */
export const MAX_FRAME = 14 + 4 + 40 + 24 + 1500;

const EMPTY = Buffer.alloc(0);

/** Everything one frame needs. Reuse one instance; set what differs from packet to packet. */
export class FrameSpec {
  /** 802.1Q VLAN id, or -1 for an untagged frame. */
  vlan = -1;
  /** IPv6 instead of IPv4 (TCP and UDP only). */
  v6 = false;
  src4 = 0;
  dst4 = 0;
  readonly src6 = new Uint8Array(16);
  readonly dst6 = new Uint8Array(16);
  /** IPv4 TTL or IPv6 hop limit. */
  ttl = 64;
  /** IPv4 identification. */
  ipId = 0;
  /** IPv4 don't-fragment flag. */
  df = true;
  proto = PROTO_TCP;
  sport = 0;
  dport = 0;
  // TCP
  flags = 0;
  seq = 0;
  ack = 0;
  window = 0;
  /** MSS option value, or 0 for no options. */
  mss = 0;
  // ICMP echo
  icmpType = ICMP_ECHO_REQUEST;
  icmpId = 0;
  icmpSeq = 0;
  /** Payload bytes: payload[payloadOff .. payloadOff + payloadLen). */
  payload: Buffer = EMPTY;
  payloadOff = 0;
  payloadLen = 0;

  setPayload(bytes: Buffer, off: number, len: number): void {
    this.payload = bytes;
    this.payloadOff = off;
    this.payloadLen = len;
  }

  noPayload(): void {
    this.payload = EMPTY;
    this.payloadOff = 0;
    this.payloadLen = 0;
  }

  /** Sets an IPv4 TCP segment's header fields (payload and vlan unchanged). */
  tcp4(src: number, dst: number, sport: number, dport: number, flags: number, seq: number, ack: number, window: number): void {
    this.v6 = false;
    this.proto = PROTO_TCP;
    this.src4 = src;
    this.dst4 = dst;
    this.sport = sport;
    this.dport = dport;
    this.flags = flags;
    this.seq = seq >>> 0;
    this.ack = ack >>> 0;
    this.window = window;
    this.mss = 0;
  }
}

/** One's-complement sum of 16-bit big-endian words over buf[off..off+len) (odd tail padded). */
export function sum16(buf: Uint8Array, off: number, len: number): number {
  let s = 0;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) s += (buf[i] << 8) | buf[i + 1];
  if (len & 1) s += buf[end] << 8;
  return s;
}

/** Folds a sum to 16 bits and complements it: the Internet checksum. */
export function foldChecksum(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

function put16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = (v >>> 8) & 255;
  buf[off + 1] = v & 255;
}

function put32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 255;
  buf[off + 2] = (v >>> 8) & 255;
  buf[off + 3] = v & 255;
}

/** Length of the L4 header buildFrame writes for `f`. */
export function l4HeaderLen(f: FrameSpec): number {
  if (f.proto === PROTO_TCP) return f.mss > 0 ? 24 : 20;
  return 8;
}

/** Writes the frame described by `f` at buf[off..]; returns its length. */
export function buildFrame(buf: Buffer, off: number, f: FrameSpec): number {
  if (f.v6 && f.proto === PROTO_ICMP) throw new Error('buildFrame: ICMP over IPv6 is not supported');
  // ---- Ethernet (+ 802.1Q)
  if (f.v6) {
    writeMac6(buf, off, f.dst6);
    writeMac6(buf, off + 6, f.src6);
  } else {
    writeMac4(buf, off, f.dst4);
    writeMac4(buf, off + 6, f.src4);
  }
  let p = off + 12;
  if (f.vlan >= 0) {
    put16(buf, p, ETHERTYPE_VLAN);
    put16(buf, p + 2, f.vlan & 0x0fff);
    p += 4;
  }
  put16(buf, p, f.v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  const ipOff = p + 2;
  const l4Off = ipOff + (f.v6 ? 40 : 20);
  const hl = l4HeaderLen(f);
  const payOff = l4Off + hl;
  const l4Len = hl + f.payloadLen;

  // ---- payload first: the L4 checksum covers it
  const pay = f.payload;
  const plen = f.payloadLen;
  if (plen > 0) {
    if (plen <= 32) {
      const so = f.payloadOff;
      for (let i = 0; i < plen; i++) buf[payOff + i] = pay[so + i];
    } else {
      pay.copy(buf, payOff, f.payloadOff, f.payloadOff + plen); // native copy, no view allocated
    }
  }

  // ---- L4 header (checksum field zero while summing)
  if (f.proto === PROTO_TCP) {
    put16(buf, l4Off, f.sport);
    put16(buf, l4Off + 2, f.dport);
    put32(buf, l4Off + 4, f.seq >>> 0);
    put32(buf, l4Off + 8, f.ack >>> 0);
    buf[l4Off + 12] = (hl >>> 2) << 4;
    buf[l4Off + 13] = f.flags & 0xff;
    put16(buf, l4Off + 14, f.window);
    put16(buf, l4Off + 16, 0);
    put16(buf, l4Off + 18, 0); // urgent pointer
    if (hl === 24) {
      buf[l4Off + 20] = 2; // MSS
      buf[l4Off + 21] = 4;
      put16(buf, l4Off + 22, f.mss);
    }
  } else if (f.proto === PROTO_UDP) {
    put16(buf, l4Off, f.sport);
    put16(buf, l4Off + 2, f.dport);
    put16(buf, l4Off + 4, l4Len);
    put16(buf, l4Off + 6, 0);
  } else if (f.proto === PROTO_ICMP) {
    buf[l4Off] = f.icmpType;
    buf[l4Off + 1] = 0;
    put16(buf, l4Off + 2, 0);
    put16(buf, l4Off + 4, f.icmpId);
    put16(buf, l4Off + 6, f.icmpSeq);
  } else {
    throw new Error(`buildFrame: unsupported protocol ${f.proto}`);
  }

  // ---- L4 checksum (TCP/UDP over a pseudo-header; ICMPv4 over the message only)
  let s = sum16(buf, l4Off, l4Len);
  if (f.proto !== PROTO_ICMP) {
    if (f.v6) s += sum16(f.src6, 0, 16) + sum16(f.dst6, 0, 16) + l4Len + f.proto;
    else s += (f.src4 >>> 16) + (f.src4 & 0xffff) + (f.dst4 >>> 16) + (f.dst4 & 0xffff) + f.proto + l4Len;
  }
  let ck = foldChecksum(s);
  if (f.proto === PROTO_UDP && ck === 0) ck = 0xffff;
  put16(buf, l4Off + (f.proto === PROTO_TCP ? 16 : f.proto === PROTO_UDP ? 6 : 2), ck);

  // ---- IP header
  if (f.v6) {
    put32(buf, ipOff, 0x60000000);
    put16(buf, ipOff + 4, l4Len);
    buf[ipOff + 6] = f.proto;
    buf[ipOff + 7] = f.ttl;
    buf.set(f.src6, ipOff + 8);
    buf.set(f.dst6, ipOff + 24);
  } else {
    buf[ipOff] = 0x45;
    buf[ipOff + 1] = 0;
    put16(buf, ipOff + 2, 20 + l4Len);
    put16(buf, ipOff + 4, f.ipId & 0xffff);
    put16(buf, ipOff + 6, f.df ? 0x4000 : 0);
    buf[ipOff + 8] = f.ttl;
    buf[ipOff + 9] = f.proto;
    put16(buf, ipOff + 10, 0);
    put32(buf, ipOff + 12, f.src4 >>> 0);
    put32(buf, ipOff + 16, f.dst4 >>> 0);
    put16(buf, ipOff + 10, foldChecksum(sum16(buf, ipOff, 20)));
  }
  return payOff + plen - off;
}
