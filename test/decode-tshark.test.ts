// Our decoder against tshark, packet by packet, over the whole public corpus. The expected tables
// are committed CSVs made by test/fixtures/decode/generate.sh (which documents the few fields
// excluded where tshark legitimately differs, marked '*'); tshark is not needed here.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeFrame } from '../src/decode/decoder.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, PacketView } from '../src/decode/packet-view.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import { CORPUS_DIR, REPO_ROOT, corpusSkip } from './support/paths.js';

const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'decode');
const FIELDS = ['src', 'dst', 'proto', 'sport', 'dport', 'flags', 'icmp'] as const;

interface Fixture {
  name: string;
  file: string;
  packets: number;
  every: number;
  /** tshark's frame.time_epoch of the first and last packet ('*' = not compared). */
  ts: [string, string] | null;
  rows: Map<number, string[]>;
}

function loadFixture(name: string): Fixture {
  const text = readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
  const fx: Fixture = { name, file: '', packets: -1, every: 1, ts: null, rows: new Map() };
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('n,')) continue;
    if (line.startsWith('#')) {
      const m = /^# (file|packets|every|ts): (.*)$/.exec(line);
      if (m?.[1] === 'file') fx.file = m[2];
      else if (m?.[1] === 'ts') fx.ts = m[2].split(' ') as [string, string];
      else if (m?.[1] === 'packets') fx.packets = Number(m[2]);
      else if (m?.[1] === 'every') fx.every = Number(m[2]);
      continue;
    }
    const cells = line.split(',');
    fx.rows.set(Number(cells[0]), cells.slice(1, 1 + FIELDS.length));
  }
  return fx;
}

/** Our decode of the current packet, in the fixture's columns. */
function ours(v: PacketView): string[] {
  if (v.ipVersion === 0) return ['', '', '', '', '', '', ''];
  const l4 = v.l4Off >= 0;
  const ports = l4 && (v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP);
  return [
    v.srcString(),
    v.dstString(),
    String(v.proto),
    ports ? String(v.sport) : '',
    ports ? String(v.dport) : '',
    l4 && v.proto === IPPROTO_TCP ? v.tcpFlags.toString(16).padStart(2, '0') : '',
    l4 && (v.proto === IPPROTO_ICMP || v.proto === IPPROTO_ICMPV6) ? String(v.icmpType) : '',
  ];
}

const fixtures = existsSync(FIXTURE_DIR) ? readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.csv')).sort() : [];

describe('decoder agrees with tshark on every stored packet of the corpus', () => {
  it('has a fixture for every corpus capture', { skip: corpusSkip }, () => {
    const expected = readdirSync(path.join(CORPUS_DIR, 'pcaps')).filter((f) => /\.pcap(ng)?$/.test(f));
    const have = new Set(fixtures.map((f) => loadFixture(f).file));
    for (const f of expected) assert.ok(have.has(`pcaps/${f}`), `no fixture for pcaps/${f}: run test/fixtures/decode/generate.sh`);
    assert.ok(fixtures.some((f) => f.startsWith('sv__')), 'no suricata-verify fixtures');
  });

  for (const name of fixtures) {
    it(name.replace(/\.csv$/, ''), { skip: corpusSkip }, () => {
      const fx = loadFixture(name);
      assert.ok(fx.file !== '' && fx.packets >= 0, `${name}: header incomplete`);
      assert.ok(fx.rows.size > 0 || fx.packets === 0, `${name}: no rows`);
      const src = openCapture(path.join(CORPUS_DIR, fx.file));
      const view = new PacketView();
      const mismatches: string[] = [];
      let n = 0;
      let compared = 0;
      let firstTs = NaN;
      let lastTs = NaN;
      try {
        while (src.next(view)) {
          n++;
          if (n === 1) firstTs = view.ts;
          lastTs = view.ts;
          decodeFrame(view);
          const want = fx.rows.get(view.index);
          if (want === undefined) continue;
          compared++;
          const got = ours(view);
          for (let i = 0; i < FIELDS.length; i++) {
            if (want[i] === '*') continue;
            if (want[i] !== got[i]) mismatches.push(`packet ${view.index} ${FIELDS[i]}: tshark '${want[i]}', ours '${got[i]}'`);
          }
        }
      } finally {
        src.close();
      }
      assert.equal(n, fx.packets, `${fx.file}: packet count`);
      if (fx.ts !== null && n > 0) {
        // tshark prints seconds with 9 decimals; a double holds an epoch time to about 0.24 µs.
        for (const [want, got, which] of [[fx.ts[0], firstTs, 'first'], [fx.ts[1], lastTs, 'last']] as const) {
          if (want === '*') continue;
          assert.ok(Math.abs(Number(want) - got) < 1e-6, `${fx.file}: ${which} packet time ${got}, tshark ${want}`);
        }
      }
      assert.equal(compared, fx.rows.size, `${fx.file}: every stored row was compared`);
      assert.deepEqual(mismatches.slice(0, 20), [], `${fx.file}: ${mismatches.length} field(s) differ from tshark`);
    });
  }
});
