// Classic pcap reading on inline files: the four magic variants (and the modified 24-byte record
// format), timestamps, per-packet fields, progress counters, libpcap's swapped-length fix-up.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { PacketView } from '../src/decode/packet-view.js';
import { PcapSource, openCapture } from '../src/sources/pcap-file/index.js';
import { TempDir, bytes, ethernet, ipv4, pcapFile, tcp, type PcapVariant } from './fixtures/decode/frames.js';

const tmp = new TempDir();
after(() => tmp.remove());

const SYN = ethernet(0x0800, ipv4({ proto: 6, payload: tcp({ flags: 0x02 }) }));
const DATA = ethernet(0x0800, ipv4({ proto: 6, payload: tcp({ flags: 0x18, payload: bytes(100) }) }));

interface Seen {
  index: number;
  ts: number;
  caplen: number;
  wirelen: number;
  linktype: number;
  iface: number;
  first: number;
  last: number;
}

function readAll(path: string): { seen: Seen[]; src: ReturnType<typeof openCapture> } {
  const src = openCapture(path);
  const view = new PacketView();
  const seen: Seen[] = [];
  while (src.next(view)) {
    seen.push({
      index: view.index,
      ts: view.ts,
      caplen: view.caplen,
      wirelen: view.wirelen,
      linktype: view.linktype,
      iface: view.iface,
      first: view.buf[view.frameOff],
      last: view.buf[view.frameOff + view.caplen - 1],
    });
  }
  return { seen, src };
}

describe('pcap: magic variants', () => {
  const variants: [PcapVariant, number][] = [
    ['usec-le', 1e6],
    ['usec-be', 1e6],
    ['nsec-le', 1e9],
    ['nsec-be', 1e9],
    ['kuznetzov-le', 1e6],
  ];
  for (const [variant, perSecond] of variants) {
    it(`${variant}: every record, its fields and its timestamp`, () => {
      const frac = perSecond === 1e9 ? 123456789 : 123456;
      const file = tmp.write(
        `${variant}.pcap`,
        pcapFile(variant, 1, [
          { sec: 1700000000, frac, data: SYN },
          { sec: 1700000001, frac: 0, data: DATA.subarray(0, 60), wirelen: DATA.length },
        ]),
      );
      const { seen, src } = readAll(file);
      assert.equal(src.format, 'pcap');
      assert.equal(src.problem, null);
      assert.equal(seen.length, 2);
      assert.deepEqual(
        seen.map((s) => [s.index, s.caplen, s.wirelen, s.linktype, s.iface, s.first]),
        [
          [1, SYN.length, SYN.length, 1, 0, SYN[0]],
          [2, 60, DATA.length, 1, 0, DATA[0]],
        ],
      );
      assert.equal(seen[0].last, SYN[SYN.length - 1]);
      assert.equal(seen[0].ts, 1700000000 + frac / perSecond);
      assert.equal(seen[1].ts, 1700000001);
      assert.equal(src.bytesRead, src.totalBytes);
      src.close();
    });
  }

  it('the byte order and resolution come from the magic, not the file name', () => {
    const file = tmp.write('looks-like.pcapng', pcapFile('nsec-be', 101, [{ sec: 5, frac: 5, data: [0x45, 0, 0, 20] }]));
    const src = openCapture(file);
    assert.ok(src instanceof PcapSource);
    assert.equal(src.format, 'pcap');
    assert.equal(src.littleEndian, false);
    assert.equal(src.nanosecond, true);
    const view = new PacketView();
    assert.equal(src.next(view), true);
    assert.equal(view.linktype, 101);
    assert.equal(view.ts, 5 + 5e-9);
    src.close();
  });

  it('ignores the FCS bits in the upper part of the link type field (LT_LINKTYPE)', () => {
    const file = tmp.write('fcs.pcap', pcapFile('usec-le', 0x14000001, [{ sec: 1, frac: 0, data: SYN }]));
    const { seen, src } = readAll(file);
    assert.equal(seen[0].linktype, 1);
    src.close();
  });

  it('delivers a record longer than the snaplen but within 256 KiB, as Wireshark does', () => {
    const file = tmp.write('snap.pcap', pcapFile('usec-le', 1, [{ sec: 1, frac: 0, data: DATA }], 64));
    const { seen, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.equal(seen[0].caplen, DATA.length);
    src.close();
  });

  it('swaps caplen and len in version 2.3-and-older files when caplen > len (as libpcap does)', () => {
    const records = [
      { sec: 1, frac: 0, data: SYN, caplen: 600000, wirelen: SYN.length },
      { sec: 2, frac: 0, data: SYN },
    ];
    const old = tmp.write('v22.pcap', pcapFile('usec-le', 1, records, 65535, [2, 2]));
    const r = readAll(old);
    assert.equal(r.src.problem, null);
    assert.deepEqual(
      r.seen.map((s) => [s.caplen, s.wirelen]),
      [
        [SYN.length, 600000],
        [SYN.length, SYN.length],
      ],
    );
    r.src.close();
    // The same record in a 2.4 file is impossible: the read ends there.
    const cur = tmp.write('v24.pcap', pcapFile('usec-le', 1, records, 65535, [2, 4]));
    const c = readAll(cur);
    assert.equal(c.seen.length, 0);
    assert.equal(c.src.problem?.code, 'PALISADE_ERR_CAPTURE_CORRUPT');
    c.src.close();
  });

  it('counts progress in bytes and reports the total size', () => {
    const file = tmp.write('progress.pcap', pcapFile('usec-le', 1, [{ sec: 1, frac: 0, data: SYN }, { sec: 2, frac: 0, data: DATA }]));
    const src = openCapture(file);
    const view = new PacketView();
    assert.equal(src.totalBytes, 24 + 16 + SYN.length + 16 + DATA.length);
    assert.equal(src.bytesRead, 24);
    src.next(view);
    assert.equal(src.bytesRead, 24 + 16 + SYN.length);
    src.next(view);
    assert.equal(src.bytesRead, src.totalBytes);
    assert.equal(src.next(view), false);
    assert.equal(src.problem, null);
    assert.equal(src.next(view), false, 'stays at the end');
    src.close();
  });

  it('an empty capture (header only) has no packets and no problem', () => {
    const file = tmp.write('empty.pcap', pcapFile('usec-le', 1, []));
    const { seen, src } = readAll(file);
    assert.equal(seen.length, 0);
    assert.equal(src.problem, null);
    src.close();
  });

  it('close() mid-file ends the read', () => {
    const file = tmp.write('close.pcap', pcapFile('usec-le', 1, [{ sec: 1, frac: 0, data: SYN }, { sec: 2, frac: 0, data: SYN }]));
    const src = openCapture(file);
    const view = new PacketView();
    assert.equal(src.next(view), true);
    src.close();
    assert.equal(src.next(view), false);
    assert.equal(src.problem, null);
    src.close();
  });
});

describe('pcap: files larger than one read chunk', () => {
  it('reads records that straddle chunk boundaries, and one record larger than the chunk', () => {
    // 9 MiB of 200 KB records (snaplen 16 MiB) crosses the 8 MiB chunk, then one 9 MiB record.
    const big = new Uint8Array(9 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i >> 12) & 255;
    const recs = [];
    for (let i = 0; i < 46; i++) {
      const data = new Uint8Array(200 * 1000 + i);
      data[0] = i;
      data[data.length - 1] = 255 - i;
      recs.push({ sec: i, frac: 0, data });
    }
    recs.push({ sec: 100, frac: 0, data: big });
    recs.push({ sec: 101, frac: 0, data: SYN });
    const file = tmp.write('big.pcap', pcapFile('usec-le', 1, recs, 16 * 1024 * 1024));
    const { seen, src } = readAll(file);
    assert.equal(src.problem, null);
    assert.equal(seen.length, recs.length);
    for (let i = 0; i < 46; i++) {
      assert.equal(seen[i].caplen, 200 * 1000 + i);
      assert.equal(seen[i].first, i);
      assert.equal(seen[i].last, 255 - i);
    }
    assert.equal(seen[46].caplen, big.length);
    assert.equal(seen[47].first, SYN[0]);
    assert.equal(src.bytesRead, src.totalBytes);
    src.close();
  });
});
