// TCP, UDP, ICMP and ICMPv6 on inline frames: every field, payload bounds, malformed headers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEventName } from '../src/decode/decode-events.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type PacketView } from '../src/decode/packet-view.js';
import { bytes, concat, decodeBytes, ethernet, icmp, ipv4, ipv6, tcp, udp } from './fixtures/decode/frames.js';

function eventName(v: PacketView): string {
  return decodeEventName(v.event);
}

const v4 = (proto: number, payload: ArrayLike<number>, extra: Partial<Parameters<typeof ipv4>[0]> = {}) =>
  ethernet(0x0800, ipv4({ proto, payload, ...extra }));
const v6 = (nextHeader: number, payload: ArrayLike<number>) => ethernet(0x86dd, ipv6({ nextHeader, payload }));

describe('TCP', () => {
  it('all 8 flag bits, sequence, acknowledgement, window', () => {
    const all = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR;
    const v = decodeBytes(v4(6, tcp({ sport: 65535, dport: 1, seq: 0xffffffff, ack: 0x80000000, flags: all, window: 65535 })));
    assert.equal(v.tcpFlags, 0xff);
    assert.equal(v.tcpSeq, 0xffffffff);
    assert.equal(v.tcpAck, 0x80000000);
    assert.equal(v.tcpWindow, 65535);
    assert.deepEqual([v.sport, v.dport], [65535, 1]);
    const none = decodeBytes(v4(6, tcp({ flags: 0 })));
    assert.equal(none.tcpFlags, 0);
    assert.equal(none.l4Off, 34, 'a NULL-flag segment is still a TCP header');
  });

  it('options are skipped; the payload follows the data offset', () => {
    const opts = [2, 4, 5, 0xb4, 1, 1, 4, 2];
    const v = decodeBytes(v4(6, tcp({ flags: TCP_PSH | TCP_ACK, options: opts, payload: [0x47, 0x45, 0x54] })));
    assert.equal(v.eventCount, 0);
    assert.equal(v.payloadOff, 34 + 28);
    assert.equal(v.payloadLen, 3);
    assert.equal(v.buf[v.payloadOff], 0x47);
  });

  it('a data offset past the captured bytes is an event and the payload is empty', () => {
    const v = decodeBytes(v4(6, tcp({ flags: TCP_SYN, dataOffset: 15, payload: bytes(8) })));
    assert.equal(eventName(v), 'decoder.tcp.opt_trunc');
    assert.equal(v.l4Off, 34);
    assert.equal(v.sport, 40000);
    assert.equal(v.tcpFlags, TCP_SYN);
    assert.equal(v.payloadLen, 0);
  });

  it('a data offset below 20 bytes is an event, fields set, payload empty', () => {
    const v = decodeBytes(v4(6, tcp({ flags: TCP_ACK, dataOffset: 4, payload: bytes(8) })));
    assert.equal(eventName(v), 'decoder.tcp.hlen_too_small');
    assert.equal(v.tcpFlags, TCP_ACK);
    assert.equal(v.payloadLen, 0);
  });

  it('fewer than 20 bytes: an event and no TCP field at all', () => {
    const v = decodeBytes(v4(6, tcp({ flags: TCP_SYN }).subarray(0, 19)));
    assert.equal(eventName(v), 'decoder.tcp.trunc_pkt');
    assert.equal(v.l4Off, -1);
    assert.equal(v.sport, 0);
    assert.equal(v.proto, 6);
  });

  it('TCP over IPv6', () => {
    const v = decodeBytes(v6(6, tcp({ sport: 22, dport: 50000, flags: TCP_SYN | TCP_ACK, payload: bytes(5) })));
    assert.deepEqual([v.sport, v.dport, v.tcpFlags, v.payloadLen], [22, 50000, 0x12, 5]);
  });
});

describe('UDP', () => {
  it('ports and payload by the UDP length', () => {
    const v = decodeBytes(v4(17, udp(53, 33333, bytes(20))));
    assert.equal(v.eventCount, 0);
    assert.deepEqual([v.sport, v.dport, v.payloadOff, v.payloadLen], [53, 33333, 42, 20]);
  });

  it('a UDP length shorter than the datagram bounds the payload', () => {
    const v = decodeBytes(v4(17, udp(1, 2, bytes(20), 8 + 5)));
    assert.equal(v.payloadLen, 5);
    assert.equal(v.eventCount, 0);
  });

  it('a UDP length below 8, or beyond a whole datagram: the captured bytes, and an event', () => {
    const small = decodeBytes(v4(17, udp(1, 2, bytes(10), 4)));
    assert.equal(eventName(small), 'decoder.udp.len_invalid');
    assert.equal(small.payloadLen, 10);
    const big = decodeBytes(v4(17, udp(1, 2, bytes(10), 500)));
    assert.equal(eventName(big), 'decoder.udp.len_invalid');
    assert.equal(big.payloadLen, 10);
  });

  it('a UDP length beyond the bytes of a first fragment or a snaplen-cut capture is fine', () => {
    const frag = decodeBytes(v4(17, udp(1, 2, bytes(16), 1000), { mf: true }));
    assert.equal(frag.eventCount, 0);
    assert.equal(frag.payloadLen, 16);
    const full = v4(17, udp(1, 2, bytes(100)));
    const snapped = decodeBytes(full.subarray(0, 60), 1, full.length);
    assert.equal(snapped.eventCount, 0);
    assert.equal(snapped.payloadLen, 60 - 42);
  });

  it('fewer than 8 bytes: an event and no ports', () => {
    const v = decodeBytes(v6(17, [0, 53, 0, 53]));
    assert.equal(eventName(v), 'decoder.udp.trunc_pkt');
    assert.equal(v.l4Off, -1);
    assert.equal(v.sport, 0);
  });
});

describe('ICMP and ICMPv6', () => {
  it('echo request and reply: type, code, id, sequence, payload', () => {
    const req = decodeBytes(v4(1, icmp(8, 0, 0x1234, 7, bytes(56))));
    assert.deepEqual([req.icmpType, req.icmpCode, req.icmpId, req.icmpSeq, req.payloadLen], [8, 0, 0x1234, 7, 56]);
    assert.equal(req.payloadOff, 42);
    const rep = decodeBytes(v4(1, icmp(0, 0, 0x1234, 7)));
    assert.deepEqual([rep.icmpType, rep.icmpId, rep.payloadLen], [0, 0x1234, 0]);
    assert.equal(rep.eventCount, 0);
  });

  it('an error message: type and code; the quoted header is payload, not decoded', () => {
    const quoted = ipv4({ src: '203.0.113.9', proto: 6, payload: tcp({ flags: TCP_SYN }).subarray(0, 8) });
    const v = decodeBytes(v4(1, concat([3, 3, 0, 0, 0, 0, 0, 0], quoted)));
    assert.deepEqual([v.icmpType, v.icmpCode, v.icmpId], [3, 3, 0]);
    assert.equal(v.srcString(), '192.0.2.1', 'the outer source');
    assert.equal(v.sport, 0);
    assert.equal(v.payloadLen, quoted.length);
    assert.equal(v.eventCount, 0);
  });

  it('an undefined type is an event (type and code still set)', () => {
    const v = decodeBytes(v4(1, icmp(165, 0, 0, 0)));
    assert.equal(eventName(v), 'decoder.icmpv4.unknown_type');
    assert.equal(v.icmpType, 165);
  });

  it('fewer than 8 bytes: an event and no type', () => {
    const v = decodeBytes(v4(1, [8, 0, 0, 0]));
    assert.equal(eventName(v), 'decoder.icmpv4.trunc_pkt');
    assert.equal(v.icmpType, -1);
    assert.equal(v.l4Off, -1);
  });

  it('ICMPv6 echo, neighbour discovery, unknown and truncated', () => {
    const echo = decodeBytes(v6(58, icmp(128, 0, 99, 3, bytes(8))));
    assert.deepEqual([echo.icmpType, echo.icmpId, echo.icmpSeq, echo.payloadLen], [128, 99, 3, 8]);
    const ns = decodeBytes(v6(58, icmp(135, 0, 0, 0, bytes(16))));
    assert.equal(ns.icmpType, 135);
    assert.equal(ns.icmpId, 0);
    assert.equal(ns.eventCount, 0);
    assert.equal(eventName(decodeBytes(v6(58, icmp(250, 0, 0, 0)))), 'decoder.icmpv6.unknown_type');
    assert.equal(eventName(decodeBytes(v6(58, [128, 0, 0]))), 'decoder.icmpv6.trunc_pkt');
  });

  it('protocols without an L4 decode leave l4Off -1 and no payload', () => {
    const gre = decodeBytes(v4(47, bytes(24)));
    assert.equal(gre.proto, 47);
    assert.equal(gre.l4Off, -1);
    assert.equal(gre.payloadLen, 0);
    assert.equal(gre.eventCount, 0);
  });
});
