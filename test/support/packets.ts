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

/** Dotted IPv4 text of a number. */
export function ip(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}
