// Hand-built PacketViews for detector tests: only the decoded fields detectors read.

import { parseAddress } from '../../src/decode/ip-addr.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, PacketView } from '../../src/decode/packet-view.js';

let index = 0;

export function v4(text: string): number {
  const a = parseAddress(text);
  if (!a || a.version !== 4) throw new Error(`bad IPv4 ${text}`);
  return a.v4;
}

function base(ts: number, src: string, dst: string, proto: number): PacketView {
  const p = new PacketView();
  p.index = ++index;
  p.ts = ts;
  p.ipVersion = 4;
  p.src4 = v4(src);
  p.dst4 = v4(dst);
  p.proto = proto;
  p.l4Off = 34;
  p.ttl = 64;
  return p;
}

export function tcp(ts: number, src: string, dst: string, sport: number, dport: number, flags: number): PacketView {
  const p = base(ts, src, dst, IPPROTO_TCP);
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = flags;
  return p;
}

export function udp(ts: number, src: string, dst: string, sport: number, dport: number): PacketView {
  const p = base(ts, src, dst, IPPROTO_UDP);
  p.sport = sport;
  p.dport = dport;
  return p;
}

export function echoRequest(ts: number, src: string, dst: string): PacketView {
  const p = base(ts, src, dst, IPPROTO_ICMP);
  p.icmpType = 8;
  p.icmpCode = 0;
  return p;
}

/**
 * An HTTP request packet from 198.51.100.7:40000 to 10.0.0.1:80 at T0: the payload sits at offset
 * 40 of a fresh buffer, or at `at.off` of `at.buf` (to test offset handling), 20 bytes after the
 * TCP header.
 */
export function requestView(payload: Uint8Array | string, at?: { buf: Uint8Array; off: number }): PacketView {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  const buf = at?.buf ?? new Uint8Array(40 + bytes.length);
  const off = at?.off ?? 40;
  buf.set(bytes, off);
  const p = base(1_767_225_600, '198.51.100.7', '10.0.0.1', IPPROTO_TCP);
  p.buf = buf;
  p.index = 1;
  p.sport = 40000;
  p.dport = 80;
  p.l4Off = Math.max(0, off - 20);
  p.payloadOff = off;
  p.payloadLen = bytes.length;
  return p;
}

/** Dotted IPv4 text of a number. */
export function ip(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
