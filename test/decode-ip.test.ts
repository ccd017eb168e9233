// IPv4 and IPv6 on inline frames: header lengths and options, total length against captured bytes
// (padding is never payload), fragments, IPv6 extension headers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEventName } from '../src/decode/decode-events.js';
import type { PacketView } from '../src/decode/packet-view.js';
import { IPV6_MAX_EXT_HEADERS } from '../src/decode/ipv6.js';
import { ah6, bytes, concat, decodeBytes, ethernet, ext6, frag6, icmp, ipv4, ipv6, tcp, udp } from './fixtures/decode/frames.js';

function eventName(v: PacketView): string {
  return decodeEventName(v.event);
}

const SYN = tcp({ sport: 1234, dport: 80, flags: 0x02 });

describe('IPv4 header', () => {
  it('options are skipped (record route, NOP, EOL)', () => {
    const options = [7, 7, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0];
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, options, payload: SYN })));
    assert.equal(v.eventCount, 0);
    assert.equal(v.l4Off, 14 + 32);
    assert.equal(v.sport, 1234);
  });

  it('an option whose length runs past the header is an event, and decoding goes on', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, options: [7, 40, 4, 0], payload: SYN })));
    assert.equal(eventName(v), 'decoder.ipv4.opt_invalid');
    assert.equal(v.sport, 1234);
    const z = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, options: [0x44, 0, 0, 0], payload: SYN })));
    assert.equal(eventName(z), 'decoder.ipv4.opt_invalid', 'length below 2');
  });

  it('a header length below 20 bytes', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, ihl: 4, payload: SYN })));
    assert.equal(eventName(v), 'decoder.ipv4.hlen_too_small');
    assert.equal(v.ipVersion, 0);
  });

  it('a total length below the header length', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, totalLength: 19, payload: SYN })));
    assert.equal(eventName(v), 'decoder.ipv4.iplen_smaller_than_hlen');
    assert.equal(v.ipVersion, 0);
  });

  it('the wrong version behind ethertype IPv4', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, version: 5, payload: SYN })));
    assert.equal(eventName(v), 'decoder.ipv4.wrong_ip_version');
  });

  it('Ethernet padding after a short datagram is not payload', () => {
    const dgram = ipv4({ proto: 17, payload: udp(1, 2, [0x61, 0x62]) });
    const v = decodeBytes(concat(ethernet(0x0800, dgram), bytes(60 - 14 - dgram.length + 4, 0xff)));
    assert.equal(v.eventCount, 0);
    assert.equal(v.payloadLen, 2);
    const t = decodeBytes(concat(ethernet(0x0800, ipv4({ proto: 6, payload: SYN })), bytes(10, 0xff)));
    assert.equal(t.payloadLen, 0, 'TCP payload stops at the IP length');
  });

  it('more stated than captured: an event when the frame was captured whole, none under a snaplen', () => {
    const full = ethernet(0x0800, ipv4({ proto: 6, payload: tcp({ flags: 0x18, payload: bytes(100) }) }));
    const cut = full.subarray(0, full.length - 40);
    const snapped = decodeBytes(cut, 1, full.length);
    assert.equal(snapped.eventCount, 0);
    assert.equal(snapped.payloadLen, 60);
    const lying = decodeBytes(cut);
    assert.equal(eventName(lying), 'decoder.ipv4.trunc_pkt');
    assert.equal(lying.payloadLen, 60, 'the payload is what is there');
  });

  it('total length 0 (TSO capture) means the captured length', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, totalLength: 0, payload: tcp({ flags: 0x10, payload: bytes(30) }) })));
    assert.equal(v.eventCount, 0);
    assert.equal(v.payloadLen, 30);
  });
});

describe('IPv4 fragments', () => {
  const fullTcp = tcp({ sport: 1234, dport: 80, flags: 0x02, options: bytes(20, 1) }); // 40-byte header

  it('the first fragment (MF, offset 0) gets its L4 decode', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, mf: true, payload: concat(SYN, bytes(4)) })));
    assert.equal(v.isFragment, true);
    assert.equal(v.moreFragments, true);
    assert.equal(v.fragOffset, 0);
    assert.equal(v.l4Off, 34);
    assert.equal(v.sport, 1234);
    assert.equal(v.eventCount, 0);
  });

  it('a later fragment has no L4 decode, and its offset in bytes', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, fragOffset: 24, payload: fullTcp.subarray(24) })));
    assert.equal(v.isFragment, true);
    assert.equal(v.moreFragments, false);
    assert.equal(v.fragOffset, 24);
    assert.equal(v.l4Off, -1);
    assert.equal(v.sport, 0);
    assert.equal(v.proto, 6);
    assert.equal(v.eventCount, 0);
  });

  it('a first fragment too short for the TCP header is an event, not a crash', () => {
    const eight = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, mf: true, payload: SYN.subarray(0, 8) })));
    assert.equal(eventName(eight), 'decoder.tcp.trunc_pkt');
    assert.equal(eight.l4Off, -1);
    assert.equal(eight.tcpFlags, 0);
    const split = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, mf: true, payload: fullTcp.subarray(0, 24) })));
    assert.equal(eventName(split), 'decoder.tcp.opt_trunc');
    assert.equal(split.tcpFlags, 0x02, 'flags are in the first 20 bytes');
    assert.equal(split.payloadLen, 0);
    const udp4 = decodeBytes(ethernet(0x0800, ipv4({ proto: 17, mf: true, payload: [0, 53, 0, 53] })));
    assert.equal(eventName(udp4), 'decoder.ipv4.frag_garbage', 'a 4-byte non-last fragment is garbage too');
    assert.equal(udp4.eventCount, 2, 'and the UDP header is cut');
    assert.equal(udp4.l4Off, -1);
  });

  it('garbage fragments are flagged and never crash', () => {
    const past = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, fragOffset: 65528, payload: bytes(16) })));
    assert.equal(eventName(past), 'decoder.ipv4.frag_garbage', 'reaches past 65535');
    const odd = decodeBytes(ethernet(0x0800, ipv4({ proto: 17, fragOffset: 8, mf: true, payload: bytes(13) })));
    assert.equal(eventName(odd), 'decoder.ipv4.frag_garbage', 'more fragments follow a length that is not a multiple of 8');
    const empty = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, fragOffset: 8, mf: true, payload: [] })));
    assert.equal(eventName(empty), 'decoder.ipv4.frag_garbage', 'no data');
    const fine = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, fragOffset: 16, mf: true, payload: bytes(16) })));
    assert.equal(fine.eventCount, 0);
  });

  it('DF alone is not a fragment', () => {
    const v = decodeBytes(ethernet(0x0800, ipv4({ proto: 6, df: true, payload: SYN })));
    assert.equal(v.isFragment, false);
    assert.equal(v.sport, 1234);
  });
});

describe('IPv6 extension headers', () => {
  it('hop-by-hop, routing and destination options before TCP', () => {
    const payload = concat(ext6(43), ext6(60, 1), ext6(6), SYN);
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 0, payload })));
    assert.equal(v.eventCount, 0);
    assert.equal(v.proto, 6);
    assert.equal(v.l4Off, 14 + 40 + 8 + 16 + 8);
    assert.equal(v.sport, 1234);
    assert.equal(v.tcpFlags, 0x02);
  });

  it('AH and the mobility header are walked', () => {
    const mobility = ext6(17, 0);
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 51, payload: concat(ah6(135, 3), mobility, udp(7, 8, [1])) })));
    assert.equal(v.eventCount, 0);
    assert.equal(v.proto, 17);
    assert.equal(v.dport, 8);
  });

  it('ESP and "no next header" end the walk without an L4 decode', () => {
    const esp = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 0, payload: concat(ext6(50), bytes(24)) })));
    assert.equal(esp.proto, 50);
    assert.equal(esp.l4Off, -1);
    assert.equal(esp.eventCount, 0);
    const none = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 59, payload: [] })));
    assert.equal(none.proto, 59);
    assert.equal(none.eventCount, 0);
  });

  it('a fragment header: the first fragment gets L4, a later one does not', () => {
    const first = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 44, payload: concat(frag6(58, 0, true), icmp(128, 0, 1, 2, bytes(16))) })));
    assert.equal(first.isFragment, true);
    assert.equal(first.moreFragments, true);
    assert.equal(first.fragOffset, 0);
    assert.equal(first.ipId, 0xabcdef01);
    assert.equal(first.proto, 58);
    assert.deepEqual([first.icmpType, first.icmpId, first.icmpSeq], [128, 1, 2]);
    const later = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 44, payload: concat(frag6(58, 1232, false), bytes(64)) })));
    assert.equal(later.isFragment, true);
    assert.equal(later.fragOffset, 1232);
    assert.equal(later.moreFragments, false);
    assert.equal(later.proto, 58);
    assert.equal(later.l4Off, -1);
    assert.equal(later.icmpType, -1);
  });

  it('an atomic fragment (offset 0, no more) is a whole packet', () => {
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 44, payload: concat(frag6(6, 0, false), SYN) })));
    assert.equal(v.isFragment, false);
    assert.equal(v.sport, 1234);
  });

  it('a garbage fragment is flagged', () => {
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 44, payload: concat(frag6(17, 8, true), bytes(13)) })));
    assert.equal(eventName(v), 'decoder.ipv6.frag_garbage');
  });

  it(`walks at most ${IPV6_MAX_EXT_HEADERS} extension headers`, () => {
    const chain = (n: number) => {
      const parts: number[][] = [];
      for (let i = 0; i < n; i++) parts.push(ext6(i === n - 1 ? 6 : 60));
      return concat(...parts, SYN);
    };
    const ok = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 60, payload: chain(IPV6_MAX_EXT_HEADERS) })));
    assert.equal(ok.eventCount, 0);
    assert.equal(ok.sport, 1234);
    const many = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 60, payload: chain(IPV6_MAX_EXT_HEADERS + 1) })));
    assert.equal(eventName(many), 'decoder.ipv6.exthdr_too_many');
    assert.equal(many.l4Off, -1);
  });

  it('an extension header past the payload length is truncation', () => {
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 0, payloadLength: 8, payload: concat(ext6(6, 1), SYN) })));
    assert.equal(eventName(v), 'decoder.ipv6.exthdr_trunc');
    assert.equal(v.proto, 0, 'the header the walk stopped at');
    assert.equal(v.l4Off, -1);
  });

  it('an option longer than its header is flagged, and the walk goes on by header length', () => {
    const dst = ext6(17, 1);
    dst[2] = 0xc9;
    dst[3] = 100;
    const v = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 60, payload: concat(dst, udp(1, 2, [])) })));
    assert.equal(eventName(v), 'decoder.ipv6.exthdr_invalid_optlen');
    assert.equal(v.dport, 2);
  });

  it('the payload length bounds what follows; 0 (jumbogram) means the captured length', () => {
    const padded = decodeBytes(concat(ethernet(0x86dd, ipv6({ nextHeader: 17, payload: udp(1, 2, [5, 5]) })), bytes(6, 0xff)));
    assert.equal(padded.payloadLen, 2);
    assert.equal(padded.eventCount, 0);
    const jumbo = decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 6, payloadLength: 0, payload: tcp({ flags: 0x10, payload: bytes(9) }) })));
    assert.equal(jumbo.payloadLen, 9);
  });

  it('a header cut short, and the wrong version', () => {
    const pkt = ethernet(0x86dd, ipv6({ nextHeader: 6, payload: SYN }));
    assert.equal(eventName(decodeBytes(pkt.subarray(0, 14 + 39))), 'decoder.ipv6.trunc_pkt');
    assert.equal(eventName(decodeBytes(ethernet(0x86dd, ipv6({ nextHeader: 6, version: 4, payload: SYN })))), 'decoder.ipv6.wrong_ip_version');
  });
});
