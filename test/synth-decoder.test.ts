// The synthesizer's captures read back through Palisade's own capture reader and decoder: every
// packet decodes without a decode event, with the same 5-tuple and flags the synthesizer wrote.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { readPcap } from '../bench/synth/pcap-reader.js';
import { generate } from '../bench/synth/profiles.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { parseAddress } from '../src/decode/ip-addr.js';
import { PacketView } from '../src/decode/packet-view.js';
import { openCapture } from '../src/sources/pcap-file/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-synth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('synthetic captures through src/decode', () => {
  it('decode cleanly with the fields the synthesizer wrote', () => {
    const file = path.join(dir, 'mixed.pcap');
    generate({ profile: 'mixed', packets: 20_000, seed: 5, out: file });
    const expected = readPcap(file);
    const src = openCapture(file);
    const v = new PacketView();
    let i = 0;
    try {
      while (src.next(v)) {
        decodeFrame(v);
        const e = expected[i++];
        assert.equal(v.event, 0, `packet ${v.index}: decode event ${v.event}`);
        assert.equal(v.ipVersion, e.ipVersion);
        assert.equal(v.proto, e.proto);
        // Compare addresses as bytes (the two sides format IPv6 differently).
        assert.deepEqual(parseAddress(v.srcString())?.bytes, parseAddress(e.src)?.bytes, `packet ${v.index} src`);
        assert.deepEqual(parseAddress(v.dstString())?.bytes, parseAddress(e.dst)?.bytes, `packet ${v.index} dst`);
        assert.equal(v.vlanDepth, e.vlan >= 0 ? 1 : 0);
        assert.equal(v.ts * 1e6, e.ts, `packet ${v.index} time`);
        if (e.proto === 6 || e.proto === 17) {
          assert.equal(v.sport, e.sport);
          assert.equal(v.dport, e.dport);
          assert.equal(v.payloadLen, e.payload.length);
        }
        if (e.proto === 6) assert.equal(v.tcpFlags, e.tcpFlags);
        if (e.proto === 1) assert.equal(v.icmpType, e.icmpType);
      }
      assert.equal(src.problem, null);
    } finally {
      src.close();
    }
    assert.equal(i, expected.length);
  });
});
