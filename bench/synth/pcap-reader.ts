// A minimal, independent reader for what the synthesizer writes (little-endian µs pcap, Ethernet,
// optional 802.1Q, IPv4/IPv6, TCP/UDP/ICMP). It verifies every length and checksum on the way, so
// tests can check generated captures without relying on the writer's own code. It allocates freely:
// it is for tests and small captures, not the hot path.

import { readFileSync } from 'node:fs';
import { foldChecksum, sum16 } from './frames.js';

export interface ParsedPacket {
  index: number;
  /** Microseconds since the Unix epoch. */
  ts: number;
  len: number;
  vlan: number;
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 source as a number (0 for IPv6). */
  src4: number;
  ttl: number;
  ipId: number;
  proto: number;
  sport: number;
  dport: number;
  tcpFlags: number;
  seq: number;
  ack: number;
  window: number;
  mss: number;
  icmpType: number;
  icmpId: number;
  icmpSeq: number;
  payload: Buffer;
  /** Problems found (bad checksum, bad length); empty when the packet is sound. */
  errors: string[];
}

export function readPcap(path: string): ParsedPacket[] {
  return parsePcap(readFileSync(path));
}

export function parsePcap(file: Buffer): ParsedPacket[] {
  if (file.length < 24 || file.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  if (file.readUInt32LE(20) !== 1) throw new Error('link type is not Ethernet');
  const out: ParsedPacket[] = [];
  let off = 24;
  while (off < file.length) {
    if (off + 16 > file.length) throw new Error(`truncated record header at ${off}`);
    const sec = file.readUInt32LE(off);
    const usec = file.readUInt32LE(off + 4);
    const caplen = file.readUInt32LE(off + 8);
    const wirelen = file.readUInt32LE(off + 12);
    if (off + 16 + caplen > file.length) throw new Error(`truncated packet ${out.length + 1}`);
    const frame = file.subarray(off + 16, off + 16 + caplen);
    const p = parseFrame(frame, out.length + 1, sec * 1e6 + usec);
    if (caplen !== wirelen) p.errors.push('caplen != wirelen');
    if (usec >= 1e6) p.errors.push('usec out of range');
    out.push(p);
    off += 16 + caplen;
  }
  return out;
}

function ip4Text(b: Buffer, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ip6Text(b: Buffer, o: number): string {
  const w: string[] = [];
  for (let i = 0; i < 8; i++) w.push(b.readUInt16BE(o + 2 * i).toString(16));
  return w.join(':');
}

export function parseFrame(b: Buffer, index: number, ts: number): ParsedPacket {
  const p: ParsedPacket = {
    index, ts, len: b.length, vlan: -1, ipVersion: 4, src: '', dst: '', src4: 0, ttl: 0, ipId: 0, proto: 0,
    sport: 0, dport: 0, tcpFlags: 0, seq: 0, ack: 0, window: 0, mss: 0, icmpType: -1, icmpId: 0, icmpSeq: 0,
    payload: Buffer.alloc(0), errors: [],
  };
  let et = b.readUInt16BE(12);
  let o = 14;
  if (et === 0x8100) {
    p.vlan = b.readUInt16BE(14) & 0x0fff;
    et = b.readUInt16BE(16);
    o = 18;
  }
  let l4: number;
  let l4Len: number;
  let pseudo: number;
  if (et === 0x0800) {
    if (b[o] !== 0x45) p.errors.push('ipv4 version/ihl');
    const total = b.readUInt16BE(o + 2);
    if (o + total !== b.length) p.errors.push(`ipv4 total length ${total} vs frame`);
    if (foldChecksum(sum16(b, o, 20)) !== 0) p.errors.push('ipv4 checksum');
    p.ipId = b.readUInt16BE(o + 4);
    p.ttl = b[o + 8];
    p.proto = b[o + 9];
    p.src = ip4Text(b, o + 12);
    p.dst = ip4Text(b, o + 16);
    p.src4 = b.readUInt32BE(o + 12);
    l4 = o + 20;
    l4Len = total - 20;
    pseudo = sum16(b, o + 12, 8) + p.proto + l4Len;
  } else if (et === 0x86dd) {
    p.ipVersion = 6;
    l4Len = b.readUInt16BE(o + 4);
    if (o + 40 + l4Len !== b.length) p.errors.push('ipv6 payload length vs frame');
    p.proto = b[o + 6];
    p.ttl = b[o + 7];
    p.src = ip6Text(b, o + 8);
    p.dst = ip6Text(b, o + 24);
    l4 = o + 40;
    pseudo = sum16(b, o + 8, 32) + p.proto + l4Len;
  } else {
    p.errors.push(`ethertype ${et.toString(16)}`);
    return p;
  }
  let payOff: number;
  if (p.proto === 6) {
    p.sport = b.readUInt16BE(l4);
    p.dport = b.readUInt16BE(l4 + 2);
    p.seq = b.readUInt32BE(l4 + 4);
    p.ack = b.readUInt32BE(l4 + 8);
    const hl = (b[l4 + 12] >> 4) * 4;
    p.tcpFlags = b[l4 + 13];
    p.window = b.readUInt16BE(l4 + 14);
    if (hl >= 24 && b[l4 + 20] === 2 && b[l4 + 21] === 4) p.mss = b.readUInt16BE(l4 + 22);
    payOff = l4 + hl;
    if (foldChecksum(sum16(b, l4, l4Len) + pseudo) !== 0) p.errors.push('tcp checksum');
  } else if (p.proto === 17) {
    p.sport = b.readUInt16BE(l4);
    p.dport = b.readUInt16BE(l4 + 2);
    if (b.readUInt16BE(l4 + 4) !== l4Len) p.errors.push('udp length');
    if (foldChecksum(sum16(b, l4, l4Len) + pseudo) !== 0) p.errors.push('udp checksum');
    payOff = l4 + 8;
  } else if (p.proto === 1) {
    p.icmpType = b[l4];
    p.icmpId = b.readUInt16BE(l4 + 4);
    p.icmpSeq = b.readUInt16BE(l4 + 6);
    if (foldChecksum(sum16(b, l4, l4Len)) !== 0) p.errors.push('icmp checksum');
    payOff = l4 + 8;
  } else {
    p.errors.push(`protocol ${p.proto}`);
    return p;
  }
  p.payload = b.subarray(payOff, l4 + l4Len);
  return p;
}
