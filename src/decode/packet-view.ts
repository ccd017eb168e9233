// The one packet view every stage reads. Decoding fills a single reused instance with offsets into
// the capture buffer and plain numbers (no copies, no per-packet allocation); the 5-tuple comes
// first because it is the flow key. Fields are valid until the next packet is decoded into the view.

import { formatIPv4, formatIPv6, ipv6Key } from './ip-addr.js';

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

const EMPTY = new Uint8Array(0);

/**
 * A map key for an address: IPv4 as its value reinterpreted as a signed 32-bit integer (a V8 small
 * integer: hashed and stored without allocation, unlike values above 2^31), IPv6 as 32 hex digits.
 */
export type AddrKey = number | string;

export class PacketView {
  // ---- 5-tuple (the flow key)
  /** 0 when no IP layer was decoded. */
  ipVersion: 0 | 4 | 6 = 0;
  /** IPv4 addresses as unsigned 32-bit numbers; valid when ipVersion === 4. */
  src4 = 0;
  dst4 = 0;
  /** Offsets of the address bytes (4 or 16) in `buf`. */
  srcOff = 0;
  dstOff = 0;
  /** Transport protocol number after IPv6 extension headers (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6). */
  proto = 0;
  sport = 0;
  dport = 0;

  // ---- capture record
  /** 1-based packet number within its file. */
  index = 0;
  /** Event time: seconds since the epoch, from the capture record (never the wall clock). */
  ts = 0;
  /** The bytes all offsets point into; not owned, overwritten by the next read. */
  buf: Uint8Array = EMPTY;
  frameOff = 0;
  caplen = 0;
  wirelen = 0;
  linktype = 0;
  /** pcapng interface index (0 for pcap). */
  iface = 0;

  // ---- link layer
  /** Number of 802.1Q/802.1ad tags seen; vlanId is the outermost tag's VLAN id. */
  vlanDepth = 0;
  vlanId = 0;

  // ---- network layer
  ipOff = 0;
  /** IP total length as the header states it (IPv6: 40 + payload length). */
  ipLen = 0;
  ttl = 0;
  ipId = 0;
  /** True for any IPv4/IPv6 fragment (first or later); later fragments carry no L4 header. */
  isFragment = false;
  fragOffset = 0;
  moreFragments = false;

  // ---- transport layer
  /** Offset of the L4 header, or -1 when there is none (non-first fragment, truncated, non-IP). */
  l4Off = -1;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWindow = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = 0;
  icmpSeq = 0;
  payloadOff = 0;
  payloadLen = 0;

  // ---- decode events
  /** First decode event raised for this packet (0 = none); see decode-events.ts. */
  event = 0;
  /** Number of decode events raised for this packet. */
  eventCount = 0;

  /** Clears every decoded field; capture-record fields are set by the reader. */
  resetDecoded(): void {
    this.ipVersion = 0;
    this.src4 = 0;
    this.dst4 = 0;
    this.srcOff = 0;
    this.dstOff = 0;
    this.proto = 0;
    this.sport = 0;
    this.dport = 0;
    this.vlanDepth = 0;
    this.vlanId = 0;
    this.ipOff = 0;
    this.ipLen = 0;
    this.ttl = 0;
    this.ipId = 0;
    this.isFragment = false;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.l4Off = -1;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWindow = 0;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.icmpId = 0;
    this.icmpSeq = 0;
    this.payloadOff = 0;
    this.payloadLen = 0;
    this.event = 0;
    this.eventCount = 0;
  }

  /** Cheap map key for the source address (IPv4: int32; IPv6: string, built on demand). */
  srcKey(): AddrKey {
    return this.ipVersion === 4 ? this.src4 | 0 : ipv6Key(this.buf, this.srcOff);
  }

  dstKey(): AddrKey {
    return this.ipVersion === 4 ? this.dst4 | 0 : ipv6Key(this.buf, this.dstOff);
  }

  /** Source address as text (allocates: use only when reporting). */
  srcString(): string {
    if (this.ipVersion === 4) return formatIPv4(this.src4);
    if (this.ipVersion === 6) return formatIPv6(this.buf, this.srcOff);
    return '';
  }

  dstString(): string {
    if (this.ipVersion === 4) return formatIPv4(this.dst4);
    if (this.ipVersion === 6) return formatIPv6(this.buf, this.dstOff);
    return '';
  }

  /** Protocol name as used in alerts. */
  protoName(): string {
    return protoName(this.proto);
  }
}

export function protoName(proto: number): string {
  switch (proto) {
    case IPPROTO_TCP:
      return 'tcp';
    case IPPROTO_UDP:
      return 'udp';
    case IPPROTO_ICMP:
      return 'icmp';
    case IPPROTO_ICMPV6:
      return 'icmpv6';
    default:
      return `ip-${proto}`;
  }
}
