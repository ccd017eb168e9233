// Truncated and mangled frames: cut at every byte, each layer boundary must raise that layer's
// event (and nothing may throw); random byte damage must never throw or break the view's invariants.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeEventName } from '../src/decode/decode-events.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import { bytes, concat, ethernetVlan, ext6, frag6, icmp, ipv4, ipv6, nullLoopback, sll2, tcp, udp } from './fixtures/decode/frames.js';

interface Sample {
  name: string;
  linktype: number;
  frame: Uint8Array;
  /** [first cut length where the event no longer applies, event name] in increasing order. */
  boundaries: [number, string][];
}

const TCP_WITH_OPTIONS = tcp({ flags: 0x02, options: [2, 4, 5, 0xb4, 1, 1, 4, 2], payload: bytes(10) });

const SAMPLES: Sample[] = [
  {
    name: 'Ethernet + 802.1Q + IPv4 with options + TCP with options',
    linktype: 1,
    frame: ethernetVlan([[0x8100, 5]], 0x0800, ipv4({ proto: 6, options: [1, 1, 1, 0], payload: TCP_WITH_OPTIONS })),
    boundaries: [
      [14, 'decoder.ethernet.trunc_pkt'],
      [18, 'decoder.vlan.trunc_pkt'],
      [18 + 24, 'decoder.ipv4.trunc_pkt'],
      [42 + 20, 'decoder.tcp.trunc_pkt'],
      [42 + 28, 'decoder.tcp.opt_trunc'],
    ],
  },
  {
    name: 'Ethernet + QinQ + IPv6 + hop-by-hop + fragment + UDP',
    linktype: 1,
    frame: ethernetVlan(
      [
        [0x88a8, 1],
        [0x8100, 2],
      ],
      0x86dd,
      ipv6({ nextHeader: 0, payload: concat(ext6(44), frag6(17, 0, true), udp(1, 2, bytes(8))) }),
    ),
    boundaries: [
      [14, 'decoder.ethernet.trunc_pkt'],
      [18, 'decoder.vlan.trunc_pkt'],
      [22, 'decoder.vlan.trunc_pkt'],
      [62, 'decoder.ipv6.trunc_pkt'],
      [62 + 16, 'decoder.ipv6.exthdr_trunc'],
      [62 + 16 + 8, 'decoder.udp.trunc_pkt'],
    ],
  },
  {
    name: 'SLL2 + IPv4 + ICMP echo',
    linktype: 276,
    frame: sll2(0x0800, ipv4({ proto: 1, payload: icmp(8, 0, 1, 1, bytes(16)) })),
    boundaries: [
      [20, 'decoder.sll2.trunc_pkt'],
      [40, 'decoder.ipv4.trunc_pkt'],
      [48, 'decoder.icmpv4.trunc_pkt'],
    ],
  },
  {
    name: 'NULL + IPv6 + destination options + ICMPv6',
    linktype: 0,
    frame: nullLoopback(30, ipv6({ nextHeader: 60, payload: concat(ext6(58, 1), icmp(128, 0, 1, 1, bytes(4))) })),
    boundaries: [
      [4, 'decoder.null.trunc_pkt'],
      [44, 'decoder.ipv6.trunc_pkt'],
      [44 + 16, 'decoder.ipv6.exthdr_trunc'],
      [68, 'decoder.icmpv6.trunc_pkt'],
    ],
  },
  {
    name: 'raw IPv4 + TCP',
    linktype: 101,
    frame: ipv4({ proto: 6, payload: tcp({ flags: 0x10, payload: bytes(3) }) }),
    boundaries: [
      [1, 'decoder.link.trunc_pkt'],
      [20, 'decoder.ipv4.trunc_pkt'],
      [40, 'decoder.tcp.trunc_pkt'],
    ],
  },
];

const view = new PacketView();

function decode(buf: Uint8Array, linktype: number, caplen: number, wirelen: number): PacketView {
  view.buf = buf;
  view.frameOff = 0;
  view.caplen = caplen;
  view.wirelen = wirelen;
  view.linktype = linktype;
  decodeFrame(view);
  return view;
}

/** The invariants every decode must keep, whatever the input. */
function checkInvariants(v: PacketView, what: string): void {
  const end = v.frameOff + v.caplen;
  assert.ok(v.payloadLen >= 0 && v.payloadOff + v.payloadLen <= end, `${what}: payload inside the frame`);
  // A stated length of 0 (IPv4 TSO capture, IPv6 jumbogram) means "the captured length".
  const stated = v.ipVersion === 4 ? v.ipLen > 0 : v.ipLen > 40;
  if (v.payloadLen > 0 && stated) assert.ok(v.payloadOff + v.payloadLen <= v.ipOff + v.ipLen, `${what}: payload inside the datagram`);
  if (v.l4Off >= 0) {
    assert.ok(v.ipVersion !== 0 && v.l4Off < end, `${what}: l4Off`);
    assert.ok(!v.isFragment || v.fragOffset === 0, `${what}: L4 only in a first fragment`);
  }
  assert.ok((v.eventCount === 0) === (v.event === 0), `${what}: event and eventCount agree`);
  assert.ok(v.event === 0 || decodeEventName(v.event).startsWith('decoder.'), `${what}: named event`);
}

describe('frames cut at every byte', () => {
  for (const s of SAMPLES) {
    it(`${s.name}: each layer boundary raises that layer's event`, () => {
      for (let cut = 0; cut <= s.frame.length; cut++) {
        // Cut by a snaplen (wirelen is the full length): only the layer that is cut complains.
        const v = decode(s.frame, s.linktype, cut, s.frame.length);
        checkInvariants(v, `${s.name} cut ${cut}`);
        const expected = s.boundaries.find(([limit]) => cut < limit)?.[1] ?? '';
        assert.equal(decodeEventName(v.event), expected, `${s.name} cut at ${cut}`);
        // The same bytes as a frame captured whole (its headers then claim more than it holds).
        checkInvariants(decode(s.frame, s.linktype, cut, cut), `${s.name} whole ${cut}`);
      }
      const whole = decode(s.frame, s.linktype, s.frame.length, s.frame.length);
      assert.equal(whole.eventCount, 0, `${s.name}: the complete frame decodes cleanly`);
    });
  }
});

describe('frames with random damage', () => {
  it('never throw and keep the invariants (20,000 mutations, every link type)', () => {
    // A fixed-seed xorshift so a failure repeats exactly.
    let seed = 0x9e3779b9;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const linktypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276];
    for (let i = 0; i < 20000; i++) {
      const s = SAMPLES[rand(SAMPLES.length)];
      const buf = s.frame.slice();
      const flips = 1 + rand(6);
      for (let f = 0; f < flips; f++) buf[rand(buf.length)] = rand(256);
      // Aim some damage at the fields that steer decoding: lengths, versions, next headers.
      if (rand(2) === 0) buf[rand(Math.min(buf.length, 80))] = [0, 1, 4, 5, 6, 17, 43, 44, 51, 58, 60, 0x45, 0x60, 0x81, 0x86, 0xff][rand(16)];
      const caplen = rand(3) === 0 ? rand(buf.length + 1) : buf.length;
      const linktype = rand(4) === 0 ? linktypes[rand(linktypes.length)] : s.linktype;
      const wirelen = rand(2) === 0 ? caplen : buf.length;
      const v = decode(buf, linktype, caplen, wirelen);
      try {
        checkInvariants(v, `mutation ${i}`);
      } catch (err) {
        const hex = Buffer.from(buf.subarray(0, caplen)).toString('hex');
        throw new Error(`${(err as Error).message} (linktype ${linktype}, caplen ${caplen}, wirelen ${wirelen}, frame ${hex})`);
      }
    }
  });
});
