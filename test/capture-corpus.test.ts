// Every file of the public corpus (pcaps/ and every .pcap under suricata-verify/): read and decoded
// without an exception, the packet counts of MANIFEST.md (capinfos), damaged files ending with a
// CaptureProblem that names the packet and the byte offset, and the view's invariants on every
// decoded packet (offsets inside the frame, payload inside the IP datagram).

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeFrame } from '../src/decode/decoder.js';
import { DECODE_EVENTS } from '../src/decode/decode-events.js';
import { PacketView } from '../src/decode/packet-view.js';
import { PalisadeError } from '../src/errors.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import { CORPUS_DIR, CORPUS_PRESENT, corpusPcap, corpusSkip, svPath } from './support/paths.js';

/** Captures known to be damaged, with where the read must stop. */
const DAMAGED: Record<string, { code: string; packet: number; offset: number; detail: RegExp }> = {
  'odd__ndpi__fuzz-2021-10-13_truncated.pcap': {
    code: 'PALISADE_ERR_CAPTURE_TRUNCATED',
    packet: 2,
    offset: 237,
    detail: /record header needs 16 bytes, file has 2$/,
  },
};

/** Packet counts from MANIFEST.md ("pkts" column, from capinfos). */
function manifestCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  const text = readFileSync(path.join(CORPUS_DIR, 'pcaps', 'MANIFEST.md'), 'utf8');
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const m = /^`([^`]+)`$/.exec(cells[1] ?? '');
    if (m && /^\d+$/.test(cells[5] ?? '')) counts.set(m[1], Number(cells[5]));
  }
  return counts;
}

function svCaptures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...svCaptures(p));
    else if (e.name.endsWith('.pcap')) out.push(p);
  }
  return out.sort();
}

interface ReadResult {
  packets: number;
  events: Map<string, number>;
}

/** Reads and decodes every packet, checking the view's invariants; never expected to throw. */
function readAndCheck(file: string): ReadResult & { src: ReturnType<typeof openCapture> } {
  const src = openCapture(file);
  const view = new PacketView();
  const events = new Map<string, number>();
  let packets = 0;
  while (src.next(view)) {
    packets++;
    assert.equal(view.index, packets);
    assert.ok(Number.isFinite(view.ts), `${file}#${packets}: ts`);
    decodeFrame(view);
    const frameEnd = view.frameOff + view.caplen;
    const where = `${path.basename(file)} packet ${packets}`;
    assert.ok(frameEnd <= view.buf.length, `${where}: frame inside the buffer`);
    assert.ok(view.payloadLen >= 0, `${where}: payloadLen >= 0`);
    if (view.payloadLen > 0) {
      assert.ok(view.payloadOff >= view.frameOff && view.payloadOff + view.payloadLen <= frameEnd, `${where}: payload inside the frame`);
      const stated = view.ipVersion === 4 ? view.ipLen > 0 : view.ipLen > 40;
      if (stated) assert.ok(view.payloadOff + view.payloadLen <= view.ipOff + view.ipLen, `${where}: payload inside the IP datagram`);
    }
    if (view.l4Off >= 0) {
      assert.ok(view.ipVersion !== 0, `${where}: L4 only under IP`);
      assert.ok(!view.isFragment || view.fragOffset === 0, `${where}: L4 only in a first fragment`);
      assert.ok(view.l4Off >= view.frameOff && view.l4Off < frameEnd, `${where}: l4Off inside the frame`);
    }
    if (view.ipVersion !== 0) assert.ok(view.ipOff >= view.frameOff && view.ipOff < frameEnd, `${where}: ipOff inside the frame`);
    if (view.eventCount > 0) {
      const name = DECODE_EVENTS[view.event];
      assert.ok(name !== undefined && name !== '', `${where}: event id ${view.event} is named`);
      events.set(name, (events.get(name) ?? 0) + 1);
    } else {
      assert.equal(view.event, 0);
    }
  }
  return { packets, events, src };
}

describe('corpus: pcaps/', () => {
  const names = CORPUS_PRESENT ? readdirSync(path.join(CORPUS_DIR, 'pcaps')).sort() : [];

  it('MANIFEST.md lists a packet count for every capture', { skip: corpusSkip }, () => {
    const counts = manifestCounts();
    for (const n of names.filter((f) => /\.pcap(ng)?$/.test(f))) assert.ok(counts.has(n), `${n} missing from MANIFEST.md`);
  });

  for (const name of names) {
    const file = corpusPcap(name);
    if (!/\.pcap(ng)?$/.test(name)) {
      it(`${name}: not a capture, refused with one clear line`, { skip: corpusSkip }, () => {
        assert.throws(
          () => openCapture(file),
          (err: unknown) => err instanceof PalisadeError && err.code === 'PALISADE_ERR_FILE_FORMAT' && err.message.startsWith(`${file}: not a capture file (magic 0x`),
        );
      });
      continue;
    }
    it(`${name}: every packet read and decoded, count as MANIFEST.md`, { skip: corpusSkip }, () => {
      const { packets, src } = readAndCheck(file);
      src.close();
      assert.equal(packets, manifestCounts().get(name), 'packet count (capinfos)');
      const damaged = DAMAGED[name];
      if (damaged) {
        assert.ok(src.problem, 'a damaged capture ends with a CaptureProblem');
        assert.equal(src.problem.code, damaged.code);
        assert.equal(src.problem.packet, damaged.packet);
        assert.equal(src.problem.offset, damaged.offset);
        assert.ok(src.problem.message.startsWith(`${file}: `), 'names the file');
        assert.match(src.problem.message, new RegExp(`at packet ${damaged.packet} \\(byte offset ${damaged.offset}\\)`));
        assert.match(src.problem.message, damaged.detail);
      } else {
        assert.equal(src.problem, null, src.problem?.message);
        assert.equal(src.bytesRead, statSync(file).size, 'read to the last byte');
      }
    });
  }

  it('decode events on the odd captures are the expected ones', { skip: corpusSkip }, () => {
    const expect: Record<string, Record<string, number>> = {
      'odd__zeek__trunc-hdr.pcap': { 'decoder.ethernet.trunc_pkt': 1 },
      'odd__zeek__ipv4-truncated-broken-header.pcap': { 'decoder.ipv4.iplen_smaller_than_hlen': 1 },
      'odd__zeek__ip6-ext-trunc.pcap': { 'decoder.ipv6.trunc_pkt': 1 },
      'odd__ndpi__malformed_icmp.pcap': { 'decoder.icmpv4.unknown_type': 1 },
      'odd__zeek__ipv4-fragmented-syn.pcap': { 'decoder.tcp.opt_trunc': 1 },
      'odd__zeek__tcp-truncated-header.pcap': { 'decoder.tcp.opt_trunc': 1 },
      'odd__zeek__ipv6-mobility-dst-opts.pcap': { 'decoder.ipv6.exthdr_invalid_optlen': 2, 'decoder.ipv6.exthdr_trunc': 1 },
      'odd__zeek__vlan-qinqinq.pcap': {},
      'odd__zeek__linux_dlt_sll2.pcap': {},
      'odd__sv__sll1_tcp_fastopen.pcap': {},
      'odd__ppp__linktype_ipv6_raw.pcap': {},
      'odd__ppp__many_interfaces-1.pcapng': {},
      'normal__cce15__normal.pcap': {},
    };
    for (const [name, want] of Object.entries(expect)) {
      const { events, src } = readAndCheck(corpusPcap(name));
      src.close();
      assert.deepEqual(Object.fromEntries(events), want, name);
    }
  });
});

describe('corpus: suricata-verify/', () => {
  const files = CORPUS_PRESENT ? svCaptures(svPath()) : [];

  it('has captures', { skip: corpusSkip }, () => {
    assert.ok(files.length >= 40, `found ${files.length}`);
  });

  for (const file of files) {
    it(`${path.relative(svPath(), file)}: every packet read and decoded`, { skip: corpusSkip }, () => {
      const { packets, src } = readAndCheck(file);
      src.close();
      assert.ok(packets > 0);
      assert.equal(src.problem, null, src.problem?.message);
      assert.equal(src.bytesRead, statSync(file).size);
    });
  }
});
