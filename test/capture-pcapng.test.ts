// pcapng reading on inline files: interfaces with different link types, timestamp resolution and
// offset, Enhanced / Simple / obsolete Packet Blocks, unknown blocks anywhere, several sections in
// both byte orders.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import { PcapngSource, openCapture } from '../src/sources/pcap-file/index.js';
import {
  TempDir,
  concat,
  ethernet,
  ipv4,
  ipv6,
  pngBlock,
  pngInterface,
  pngOldPacket,
  pngPacket,
  pngSection,
  pngSimplePacket,
  tcp,
  u32le,
  udp,
} from './fixtures/decode/frames.js';

const tmp = new TempDir();
after(() => tmp.remove());

const ETH_SYN = ethernet(0x0800, ipv4({ src: '10.0.0.1', proto: 6, payload: tcp({ flags: 0x02, dport: 22 }) }));
const RAW_UDP = ipv4({ src: '10.0.0.2', proto: 17, payload: udp(5353, 53, [1, 2, 3]) });
const RAW6 = ipv6({ src: '2001:db8::7', nextHeader: 17, payload: udp(1, 2, []) });

interface Pkt {
  index: number;
  ts: number;
  linktype: number;
  iface: number;
  caplen: number;
  wirelen: number;
  src: string;
}

function readAll(file: string): { pkts: Pkt[]; src: ReturnType<typeof openCapture> } {
  const src = openCapture(file);
  const view = new PacketView();
  const pkts: Pkt[] = [];
  while (src.next(view)) {
    decodeFrame(view);
    pkts.push({
      index: view.index,
      ts: view.ts,
      linktype: view.linktype,
      iface: view.iface,
      caplen: view.caplen,
      wirelen: view.wirelen,
      src: view.srcString(),
    });
  }
  return { pkts, src };
}

describe('pcapng', () => {
  it('two interfaces with different link types: each packet gets its interface link type', () => {
    const file = tmp.write(
      'two-if.pcapng',
      concat(
        pngSection(true),
        pngInterface(true, 1),
        pngInterface(true, 101, { tsresol: 9 }),
        pngPacket(true, 0, 1700000000_123456, ETH_SYN),
        pngPacket(true, 1, 1700000001_000000500n, RAW_UDP),
        pngPacket(true, 0, 1700000002_000000, ETH_SYN),
      ),
    );
    const { pkts, src } = readAll(file);
    assert.equal(src.format, 'pcapng');
    assert.equal(src.problem, null);
    assert.deepEqual(
      pkts.map((p) => [p.index, p.iface, p.linktype, p.src]),
      [
        [1, 0, 1, '10.0.0.1'],
        [2, 1, 101, '10.0.0.2'],
        [3, 0, 1, '10.0.0.1'],
      ],
    );
    assert.equal(pkts[0].ts, 1700000000.123456);
    assert.ok(Math.abs(pkts[1].ts - 1700000001.0000005) < 1e-6);
    assert.equal(pkts[2].ts, 1700000002);
    assert.equal(src.bytesRead, src.totalBytes);
    src.close();
  });

  it('if_tsresol as a power of two and if_tsoffset', () => {
    const file = tmp.write(
      'tsresol.pcapng',
      concat(
        pngSection(true),
        pngInterface(true, 1, { tsresol: 0x80 | 10, tsoffset: 1000 }),
        pngInterface(true, 1, { tsresol: 3 }),
        pngPacket(true, 0, 5 * 1024 + 512, ETH_SYN), // 5.5 units of 2^-10 s
        pngPacket(true, 1, 1234, ETH_SYN), // milliseconds
      ),
    );
    const { pkts, src } = readAll(file);
    assert.equal(pkts[0].ts, 1005.5);
    assert.equal(pkts[1].ts, 1.234);
    src.close();
  });

  it('skips unknown blocks wherever they appear, before and between packets', () => {
    const custom = pngBlock(true, 0x00000bad, [1, 2, 3, 4, 5, 6, 7, 8]);
    const nrb = pngBlock(true, 4, [0, 0, 0, 0]);
    const isb = pngBlock(true, 5, concat(u32le(0), u32le(0), u32le(0)));
    const file = tmp.write(
      'unknown.pcapng',
      concat(pngSection(true), custom, pngInterface(true, 1), nrb, pngPacket(true, 0, 1, ETH_SYN), custom, isb, pngPacket(true, 0, 2, ETH_SYN), custom),
    );
    const { pkts, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.deepEqual(
      pkts.map((p) => p.index),
      [1, 2],
    );
    assert.equal(src.bytesRead, src.totalBytes);
    src.close();
  });

  it('a Simple Packet Block uses interface 0, its snaplen, and the previous timestamp', () => {
    const file = tmp.write(
      'spb.pcapng',
      concat(
        pngSection(true),
        pngInterface(true, 1, { snaplen: 40 }),
        pngPacket(true, 0, 7_000000, ETH_SYN),
        pngSimplePacket(true, ETH_SYN),
      ),
    );
    const { pkts, src } = readAll(file);
    assert.equal(pkts.length, 2);
    assert.equal(pkts[1].iface, 0);
    assert.equal(pkts[1].linktype, 1);
    assert.equal(pkts[1].caplen, 40, 'cut to the interface snaplen');
    assert.equal(pkts[1].wirelen, ETH_SYN.length);
    assert.equal(pkts[1].ts, 7);
    src.close();
  });

  it('reads the obsolete Packet Block (type 2)', () => {
    const file = tmp.write('pb.pcapng', concat(pngSection(true), pngInterface(true, 101), pngOldPacket(true, 0, 3_500000, RAW_UDP)));
    const { pkts, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.deepEqual(
      pkts.map((p) => [p.linktype, p.src, p.ts]),
      [[101, '10.0.0.2', 3.5]],
    );
    src.close();
  });

  it('a second section in the other byte order starts its own interface list', () => {
    const file = tmp.write(
      'sections.pcapng',
      concat(
        pngSection(true),
        pngInterface(true, 1),
        pngPacket(true, 0, 1_000000, ETH_SYN),
        pngSection(false),
        pngInterface(false, 229),
        pngInterface(false, 101, { tsresol: 9 }),
        pngPacket(false, 0, 2_000000, RAW6),
        pngPacket(false, 1, 3_000000000n, RAW_UDP),
        pngSection(true),
        pngInterface(true, 101),
        pngPacket(true, 0, 4_000000, RAW_UDP),
      ),
    );
    const { pkts, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.ok(src instanceof PcapngSource);
    assert.equal(src.sections, 3);
    assert.deepEqual(
      pkts.map((p) => [p.index, p.iface, p.linktype, p.src, p.ts]),
      [
        [1, 0, 1, '10.0.0.1', 1],
        [2, 0, 229, '2001:db8::7', 2],
        [3, 1, 101, '10.0.0.2', 3],
        [4, 0, 101, '10.0.0.2', 4],
      ],
    );
    src.close();
  });

  it('a big-endian file from the first block', () => {
    const file = tmp.write('be.pcapng', concat(pngSection(false), pngInterface(false, 1), pngPacket(false, 0, 9_000001, ETH_SYN)));
    const { pkts, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.deepEqual(
      pkts.map((p) => [p.linktype, p.src, p.ts]),
      [[1, '10.0.0.1', 9.000001]],
    );
    src.close();
  });
});
