// Link layers on inline frames: Ethernet, stacked VLAN tags, Linux SLL and SLL2, BSD loopback in
// both byte orders, raw IP under every link type number that means it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEventName } from '../src/decode/decode-events.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView, TCP_SYN } from '../src/decode/packet-view.js';
import { VLAN_MAX_DEPTH } from '../src/decode/vlan.js';
import {
  bytes,
  concat,
  decodeBytes,
  ethernet,
  ethernetVlan,
  icmp,
  ipv4,
  ipv6,
  nullLoopback,
  sll,
  sll2,
  tcp,
  u16be,
  udp,
} from './fixtures/decode/frames.js';

const V4_SYN = ipv4({ src: '192.0.2.10', dst: '198.51.100.20', proto: 6, ttl: 55, id: 0x4242, payload: tcp({ sport: 51000, dport: 443, seq: 0xdeadbeef, flags: TCP_SYN, window: 1024 }) });
const V6_UDP = ipv6({ src: '2001:db8::10', dst: '2001:db8::20', nextHeader: 17, payload: udp(5353, 53, [9, 9, 9]) });

function eventName(v: PacketView): string {
  return decodeEventName(v.event);
}

describe('Ethernet', () => {
  it('Ethernet + IPv4 + TCP SYN: the 5-tuple and every header field', () => {
    const v = decodeBytes(ethernet(0x0800, V4_SYN));
    assert.equal(v.eventCount, 0);
    assert.equal(v.ipVersion, 4);
    assert.equal(v.srcString(), '192.0.2.10');
    assert.equal(v.dstString(), '198.51.100.20');
    assert.equal(v.src4, 0xc000020a);
    assert.equal(v.dst4, 0xc6336414);
    assert.equal(v.srcKey(), 0xc000020a | 0); // IPv4 keys are int32 (V8 small integers)
    assert.equal(v.proto, 6);
    assert.equal(v.sport, 51000);
    assert.equal(v.dport, 443);
    assert.equal(v.tcpFlags, TCP_SYN);
    assert.equal(v.tcpSeq, 0xdeadbeef);
    assert.equal(v.tcpWindow, 1024);
    assert.equal(v.ttl, 55);
    assert.equal(v.ipId, 0x4242);
    assert.equal(v.ipOff, 14);
    assert.equal(v.ipLen, V4_SYN.length);
    assert.equal(v.l4Off, 34);
    assert.equal(v.payloadOff, 54);
    assert.equal(v.payloadLen, 0);
    assert.equal(v.vlanDepth, 0);
    assert.equal(v.isFragment, false);
  });

  it('Ethernet + IPv6 + UDP', () => {
    const v = decodeBytes(ethernet(0x86dd, V6_UDP));
    assert.equal(v.eventCount, 0);
    assert.equal(v.ipVersion, 6);
    assert.equal(v.srcString(), '2001:db8::10');
    assert.equal(v.dstString(), '2001:db8::20');
    assert.equal(v.srcKey(), '20010db8000000000000000000000010');
    assert.equal(v.proto, 17);
    assert.deepEqual([v.sport, v.dport, v.payloadLen], [5353, 53, 3]);
  });

  it('non-IP ethertypes: no IP layer; ARP raises nothing, an unheard-of ethertype an event', () => {
    const arp = decodeBytes(ethernet(0x0806, bytes(28)));
    assert.equal(arp.ipVersion, 0);
    assert.equal(arp.eventCount, 0);
    const llc = decodeBytes(ethernet(46, bytes(46)));
    assert.equal(llc.eventCount, 0, '802.3 length field');
    const odd = decodeBytes(ethernet(0x0c0d, bytes(2)));
    assert.equal(odd.ipVersion, 0);
    assert.equal(eventName(odd), 'decoder.ethertype.unsupported');
    assert.equal(odd.l4Off, -1);
  });

  it('the view is reset between packets', () => {
    const view = new PacketView();
    const a = ethernet(0x0800, V4_SYN);
    view.buf = a;
    view.caplen = view.wirelen = a.length;
    view.linktype = 1;
    decodeFrame(view);
    assert.equal(view.sport, 51000);
    const b = ethernet(0x0806, bytes(28));
    view.buf = b;
    view.caplen = view.wirelen = b.length;
    decodeFrame(view);
    assert.equal(view.ipVersion, 0);
    assert.equal(view.sport, 0);
    assert.equal(view.tcpFlags, 0);
    assert.equal(view.l4Off, -1);
    assert.equal(view.icmpType, -1);
  });

  it('decodes a frame at any offset of the buffer', () => {
    const frame = ethernet(0x0800, V4_SYN);
    const buf = concat(bytes(100, 0xee), frame, bytes(50, 0xee));
    const view = new PacketView();
    view.buf = buf;
    view.frameOff = 100;
    view.caplen = view.wirelen = frame.length;
    view.linktype = 1;
    decodeFrame(view);
    assert.equal(view.ipOff, 114);
    assert.equal(view.sport, 51000);
    assert.equal(view.srcOff, 126);
  });
});

describe('VLAN', () => {
  it('one 802.1Q tag: id and depth', () => {
    const v = decodeBytes(ethernetVlan([[0x8100, 0x2000 | 100]], 0x0800, V4_SYN));
    assert.equal(v.eventCount, 0);
    assert.equal(v.vlanDepth, 1);
    assert.equal(v.vlanId, 100, 'PCP/DEI bits are not part of the id');
    assert.equal(v.sport, 51000);
  });

  it('QinQ (802.1ad outer, 802.1Q inner) and a third 0x9100 tag: outermost id, depth 3', () => {
    const v = decodeBytes(
      ethernetVlan(
        [
          [0x88a8, 30],
          [0x9100, 20],
          [0x8100, 10],
        ],
        0x86dd,
        V6_UDP,
      ),
    );
    assert.equal(v.eventCount, 0);
    assert.equal(v.vlanDepth, 3);
    assert.equal(v.vlanId, 30);
    assert.equal(v.ipVersion, 6);
    assert.equal(v.dport, 53);
  });

  it(`caps the depth at ${VLAN_MAX_DEPTH} tags`, () => {
    const ok = decodeBytes(ethernetVlan(new Array(VLAN_MAX_DEPTH).fill([0x8100, 7]), 0x0800, V4_SYN));
    assert.equal(ok.eventCount, 0);
    assert.equal(ok.vlanDepth, VLAN_MAX_DEPTH);
    assert.equal(ok.sport, 51000);
    const deep = decodeBytes(ethernetVlan(new Array(VLAN_MAX_DEPTH + 1).fill([0x8100, 7]), 0x0800, V4_SYN));
    assert.equal(eventName(deep), 'decoder.vlan.too_many_layers');
    assert.equal(deep.vlanDepth, VLAN_MAX_DEPTH);
    assert.equal(deep.ipVersion, 0);
  });

  it('a frame of nothing but tags ends quickly with an event', () => {
    const tags: [number, number][] = new Array(3000).fill([0x8100, 1]);
    const v = decodeBytes(ethernetVlan(tags, 0x8100, []));
    assert.equal(eventName(v), 'decoder.vlan.too_many_layers');
  });
});

describe('Linux cooked captures', () => {
  it('SLL (113)', () => {
    const v = decodeBytes(sll(0x0800, V4_SYN), 113);
    assert.equal(v.eventCount, 0);
    assert.equal(v.ipOff, 16);
    assert.equal(v.srcString(), '192.0.2.10');
    assert.equal(v.tcpFlags, TCP_SYN);
  });

  it('SLL2 (276)', () => {
    const v = decodeBytes(sll2(0x86dd, V6_UDP), 276);
    assert.equal(v.eventCount, 0);
    assert.equal(v.ipOff, 20);
    assert.equal(v.dstString(), '2001:db8::20');
  });

  it('SLL with a VLAN tag left in place', () => {
    const v = decodeBytes(sll(0x8100, concat(u16be(42), u16be(0x0800), V4_SYN)), 113);
    assert.equal(v.vlanId, 42);
    assert.equal(v.sport, 51000);
  });

  it('netlink captures carry no ethertype', () => {
    const v = decodeBytes(sll(0x0800, V4_SYN, 824), 113);
    assert.equal(v.ipVersion, 0);
    assert.equal(v.eventCount, 0);
  });

  it('truncated SLL and SLL2 headers', () => {
    assert.equal(eventName(decodeBytes(sll(0x0800, []).subarray(0, 15), 113)), 'decoder.sll.trunc_pkt');
    assert.equal(eventName(decodeBytes(sll2(0x0800, []).subarray(0, 19), 276)), 'decoder.sll2.trunc_pkt');
  });
});

describe('BSD loopback (NULL)', () => {
  it('AF_INET in either byte order', () => {
    for (const le of [true, false]) {
      const v = decodeBytes(nullLoopback(2, V4_SYN, le), 0);
      assert.equal(v.eventCount, 0);
      assert.equal(v.ipVersion, 4);
      assert.equal(v.sport, 51000);
    }
  });

  it('AF_INET6 as NetBSD/OpenBSD (24), FreeBSD (28) and macOS (30) number it, in either byte order', () => {
    for (const af of [24, 28, 30]) {
      for (const le of [true, false]) {
        const v = decodeBytes(nullLoopback(af, V6_UDP, le), 0);
        assert.equal(v.ipVersion, 6, `AF ${af} ${le ? 'LE' : 'BE'}`);
        assert.equal(v.dport, 53);
      }
    }
  });

  it('LINKTYPE_LOOP (108) is the same header in network order', () => {
    const v = decodeBytes(nullLoopback(2, V4_SYN, false), 108);
    assert.equal(v.ipVersion, 4);
  });

  it('a value above 1500 is an ethertype (as Wireshark reads it)', () => {
    const v = decodeBytes(concat([0x0f, 0x00, 0x08, 0x00], V4_SYN), 0);
    assert.equal(v.ipVersion, 4);
    assert.equal(v.eventCount, 0);
  });

  it('an unknown family is an event, a short header another', () => {
    assert.equal(eventName(decodeBytes(nullLoopback(7, V4_SYN), 0)), 'decoder.null.unsupported_af');
    assert.equal(eventName(decodeBytes(new Uint8Array([2, 0, 0]), 0)), 'decoder.null.trunc_pkt');
  });
});

describe('raw IP', () => {
  for (const linktype of [101, 12, 14]) {
    it(`link type ${linktype}: IPv4 or IPv6 by the version nibble`, () => {
      const a = decodeBytes(V4_SYN, linktype);
      assert.equal(a.ipVersion, 4);
      assert.equal(a.ipOff, 0);
      assert.equal(a.sport, 51000);
      const b = decodeBytes(V6_UDP, linktype);
      assert.equal(b.ipVersion, 6);
      assert.equal(b.dport, 53);
    });
  }

  it('link type 228 is IPv4 only, 229 IPv6 only', () => {
    assert.equal(decodeBytes(V4_SYN, 228).ipVersion, 4);
    assert.equal(decodeBytes(V6_UDP, 229).ipVersion, 6);
    assert.equal(eventName(decodeBytes(V6_UDP, 228)), 'decoder.ipv4.wrong_ip_version');
    assert.equal(eventName(decodeBytes(V4_SYN, 229)), 'decoder.ipv6.wrong_ip_version');
  });

  it('another version nibble, or nothing at all, is an event', () => {
    assert.equal(eventName(decodeBytes(new Uint8Array([0x50, 0, 0, 0]), 101)), 'decoder.ipraw.invalid_ip_version');
    assert.equal(eventName(decodeBytes(new Uint8Array(0), 101)), 'decoder.link.trunc_pkt');
  });

  it('ICMP over raw IPv4', () => {
    const v = decodeBytes(ipv4({ proto: 1, payload: icmp(8, 0, 7, 9) }), 101);
    assert.deepEqual([v.icmpType, v.icmpCode, v.icmpId, v.icmpSeq], [8, 0, 7, 9]);
  });
});

describe('link types', () => {
  it('an unsupported link type is an event and nothing is decoded', () => {
    const v = decodeBytes(ethernet(0x0800, V4_SYN), 9);
    assert.equal(eventName(v), 'decoder.link.unsupported_linktype');
    assert.equal(v.ipVersion, 0);
  });
});
