// What a user sees when a capture cannot be read: a PalisadeError naming the file when it cannot be
// opened as one, and a CaptureProblem naming the file, packet number and byte offset when damage
// ends it early (every packet before the damage delivered).

import assert from 'node:assert/strict';
import { PALISADE_BIN } from './support/paths.js';
import { after, describe, it } from 'node:test';
import { PacketView } from '../src/decode/packet-view.js';
import { PalisadeError } from '../src/errors.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import type { FrameSource } from '../src/sources/source.js';
import {
  TempDir,
  concat,
  ethernet,
  ipv4,
  pcapFile,
  pngBlock,
  pngInterface,
  pngPacket,
  pngSection,
  tcp,
  u32le,
} from './fixtures/decode/frames.js';

const tmp = new TempDir();
after(() => tmp.remove());

const SYN = ethernet(0x0800, ipv4({ proto: 6, payload: tcp({ flags: 0x02 }) }));

function drain(src: FrameSource): number {
  const view = new PacketView();
  let n = 0;
  while (src.next(view)) {
    n++;
    assert.equal(view.index, n);
  }
  return n;
}

function openFails(path: string, code: string, message: RegExp): void {
  assert.throws(
    () => openCapture(path),
    (err: unknown) => {
      assert.ok(err instanceof PalisadeError, `PalisadeError expected, got ${String(err)}`);
      assert.equal(err.code, code);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('capture files that cannot be opened', () => {
  it('a missing file', () => {
    const p = `${tmp.dir}/nope.pcap`;
    openFails(p, 'PALISADE_ERR_FILE_OPEN', new RegExp(`^${p}: cannot open \\(no such file\\)$`));
  });

  it('a directory', () => {
    openFails(tmp.dir, 'PALISADE_ERR_FILE_OPEN', /: cannot open \(is a directory\)$/);
  });

  it('a text file: the magic is named', () => {
    const p = tmp.write('x.txt', 'HELLO, this is not a capture\n');
    openFails(p, 'PALISADE_ERR_FILE_FORMAT', /x\.txt: not a capture file \(magic 0x48454c4c; expected pcap or pcapng\)$/);
  });

  it('an empty file and a 3-byte file', () => {
    openFails(tmp.write('empty.pcap', ''), 'PALISADE_ERR_FILE_FORMAT', /empty\.pcap: not a capture file \(empty; expected pcap or pcapng\)/);
    openFails(tmp.write('three.pcap', new Uint8Array([0xd4, 0xc3, 0xb2])), 'PALISADE_ERR_FILE_FORMAT', /only 3 bytes/);
  });

  it('a pcap file header cut short', () => {
    const p = tmp.write('hdr.pcap', pcapFile('usec-le', 1, []).subarray(0, 20));
    openFails(p, 'PALISADE_ERR_CAPTURE_TRUNCATED', /hdr\.pcap: truncated pcap file header: needs 24 bytes, file has 20/);
  });

  it('a pcapng file with a bad byte-order magic', () => {
    const shb = pngSection(true);
    shb[8] = 0x11;
    openFails(tmp.write('bom.pcapng', shb), 'PALISADE_ERR_FILE_FORMAT', /bom\.pcapng: not a capture file \(pcapng magic but byte-order magic 0x113c2b1a/);
  });

  it('an unreadable file', async () => {
    const { chmodSync } = await import('node:fs');
    const p = tmp.write('secret.pcap', pcapFile('usec-le', 1, []));
    chmodSync(p, 0o000);
    if (process.getuid?.() !== 0) {
      openFails(p, 'PALISADE_ERR_FILE_OPEN', /secret\.pcap: cannot open \(permission denied\)/);
      return;
    }
    // Root reads anything: run the real command as nobody, as an unprivileged user would meet it.
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, [PALISADE_BIN, 'analyze', p], { uid: 65534, gid: 65534, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^palisade: .*secret\.pcap: cannot open \(permission denied\)\n$/);
  });
});

describe('pcap damaged mid-file', () => {
  const two = pcapFile('usec-le', 1, [
    { sec: 1, frac: 0, data: SYN },
    { sec: 2, frac: 0, data: SYN },
  ]);
  const secondAt = 24 + 16 + SYN.length;

  it('a record header cut off by the end of the file', () => {
    const p = tmp.write('cut-hdr.pcap', two.subarray(0, secondAt + 2));
    const src = openCapture(p);
    assert.equal(drain(src), 1, 'the packet before the damage is delivered');
    assert.deepEqual(src.problem, {
      code: 'PALISADE_ERR_CAPTURE_TRUNCATED',
      message: `${p}: truncated at packet 2 (byte offset ${secondAt}): record header needs 16 bytes, file has 2`,
      packet: 2,
      offset: secondAt,
    });
    assert.equal(src.bytesRead, secondAt);
    src.close();
  });

  it('packet data cut off by the end of the file', () => {
    const p = tmp.write('cut-data.pcap', two.subarray(0, two.length - 5));
    const src = openCapture(p);
    assert.equal(drain(src), 1);
    assert.equal(src.problem?.code, 'PALISADE_ERR_CAPTURE_TRUNCATED');
    assert.equal(
      src.problem?.message,
      `${p}: truncated at packet 2 (byte offset ${secondAt}): packet record needs ${16 + SYN.length} bytes, file has ${16 + SYN.length - 5}`,
    );
    src.close();
  });

  it('a caplen beyond the snaplen / 256 KiB limit cannot be trusted', () => {
    const bad = pcapFile('usec-le', 1, [
      { sec: 1, frac: 0, data: SYN },
      { sec: 2, frac: 0, data: SYN, caplen: 524501, wirelen: 600000 },
      { sec: 3, frac: 0, data: SYN },
    ]);
    const p = tmp.write('huge.pcap', bad);
    const src = openCapture(p);
    assert.equal(drain(src), 1);
    assert.equal(src.problem?.code, 'PALISADE_ERR_CAPTURE_CORRUPT');
    assert.equal(src.problem?.packet, 2);
    assert.equal(src.problem?.offset, secondAt);
    assert.match(src.problem?.message ?? '', /huge\.pcap: corrupt record at packet 2 \(byte offset \d+\): captured length 524501 exceeds the limit of 262144 bytes/);
    src.close();
  });
});

describe('pcapng damaged mid-file', () => {
  const head = concat(pngSection(true), pngInterface(true, 1), pngPacket(true, 0, 1, SYN));

  function expectProblem(name: string, tail: Uint8Array, code: string, message: RegExp): void {
    const p = tmp.write(name, concat(head, tail));
    const src = openCapture(p);
    assert.equal(drain(src), 1, 'the packet before the damage is delivered');
    assert.equal(src.problem?.code, code);
    assert.equal(src.problem?.packet, 2);
    assert.equal(src.problem?.offset, head.length);
    assert.match(src.problem?.message ?? '', message);
    assert.ok(src.problem?.message.startsWith(`${p}: `));
    src.close();
  }

  it('a block cut off by the end of the file', () => {
    const next = pngPacket(true, 0, 2, SYN);
    expectProblem(
      'cut.pcapng',
      next.subarray(0, 40),
      'PALISADE_ERR_CAPTURE_TRUNCATED',
      new RegExp(`truncated at packet 2 \\(byte offset ${head.length}\\): block type 0x6 needs ${next.length} bytes, file has 40$`),
    );
  });

  it('a block header cut off', () => {
    expectProblem('cut-hdr.pcapng', new Uint8Array([6, 0, 0, 0, 32]), 'PALISADE_ERR_CAPTURE_TRUNCATED', /block header needs 12 bytes, file has 5$/);
  });

  it('a block length that is not a multiple of 4', () => {
    const next = pngPacket(true, 0, 2, SYN);
    next.set(u32le(next.length - 2), 4);
    expectProblem('odd-len.pcapng', next, 'PALISADE_ERR_CAPTURE_CORRUPT', /corrupt record at packet 2 .*block type 0x6 has an impossible total length/);
  });

  it('a block length that is too small', () => {
    const next = pngBlock(true, 6, []);
    next.set(u32le(8), 4);
    expectProblem('small.pcapng', next, 'PALISADE_ERR_CAPTURE_CORRUPT', /impossible total length 8$/);
  });

  it('an absurd block length in a small file costs no huge buffer and is reported as truncation', () => {
    const next = pngPacket(true, 0, 2, SYN);
    next.set(u32le(48 * 1024 * 1024), 4);
    expectProblem('absurd.pcapng', next, 'PALISADE_ERR_CAPTURE_TRUNCATED', /needs 50331648 bytes, file has \d+$/);
  });

  it('an enhanced packet block too short for its header', () => {
    expectProblem('short-epb.pcapng', pngBlock(true, 6, [0, 0, 0, 0]), 'PALISADE_ERR_CAPTURE_CORRUPT', /enhanced packet block too short \(16 bytes\)/);
  });

  it('a packet on an interface the section never described', () => {
    expectProblem('no-if.pcapng', pngPacket(true, 3, 2, SYN), 'PALISADE_ERR_CAPTURE_CORRUPT', /packet refers to interface 3, but the section describes 1/);
  });

  it('a captured length beyond its block', () => {
    const next = pngPacket(true, 0, 2, SYN);
    next.set(u32le(4000), 20);
    expectProblem('caplen.pcapng', next, 'PALISADE_ERR_CAPTURE_CORRUPT', /captured length 4000 exceeds its block/);
  });

  it('a trailing length that differs from the leading one', () => {
    const next = pngPacket(true, 0, 2, SYN);
    next.set(u32le(12), next.length - 4);
    expectProblem('trail.pcapng', next, 'PALISADE_ERR_CAPTURE_CORRUPT', /trailing length 12 differs from/);
  });

  it('a later section header with a bad byte-order magic', () => {
    const shb = pngSection(true);
    shb.set([1, 2, 3, 4], 8);
    expectProblem('shb.pcapng', shb, 'PALISADE_ERR_CAPTURE_CORRUPT', /section header block has a bad byte-order magic 0x01020304/);
  });

  it('a section of an unsupported major version', () => {
    const shb = pngSection(true);
    shb.set([2, 0], 12);
    expectProblem('ver.pcapng', shb, 'PALISADE_ERR_CAPTURE_CORRUPT', /unsupported version 2\.0/);
  });
});
