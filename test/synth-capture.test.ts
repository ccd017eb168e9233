// Whole captures: determinism (same seed → same bytes; another seed → other bytes), exact packet
// counts, sound packets, the mixed profile's traffic shares, the spoofed profile's distinct sources,
// and that normal web requests never carry attack syntax.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { actorAddress, ActorRole, ip4, isReservedOrLab, LAB_NET } from '../bench/synth/net.js';
import { ParsedPacket, readPcap } from '../bench/synth/pcap-reader.js';
import { generate, GenerateOptions, GenerateResult } from '../bench/synth/profiles.js';
import { EPOCH_MICROS } from '../bench/synth/timeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-synth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function make(o: Omit<GenerateOptions, 'out'>): { file: string; res: GenerateResult } {
  const file = path.join(dir, `c${fileNo++}.pcap`);
  return { file, res: generate({ ...o, out: file }) };
}

const NORMAL = ['normalWeb', 'dns', 'ntp', 'ping'];
const WEB_ATTACKS = ['sqli', 'pathTraversal', 'cmdInjection', 'xss'] as const;
const ATTACKS = ['synScan', 'stealthScan', 'synFlood', 'spoofedSynFlood', 'icmpFlood', 'udpFlood', ...WEB_ATTACKS];

describe('determinism', () => {
  it('the same seed and arguments give byte-identical files; another seed gives other bytes', () => {
    for (const o of [
      { profile: 'mixed', packets: 20_000, seed: 11 },
      { profile: 'spoofed', packets: 5_000, sources: 2_000, seed: 11 },
    ] as const) {
      const a = readFileSync(make(o).file);
      const b = readFileSync(make(o).file);
      const c = readFileSync(make({ ...o, seed: 12 }).file);
      assert.ok(a.equals(b), `${o.profile}: same seed, different bytes`);
      assert.ok(!a.equals(c), `${o.profile}: different seed, same bytes`);
    }
  });
});

describe('mixed profile', () => {
  const N = 60_000;
  let res: GenerateResult;
  let pkts: ParsedPacket[] = [];
  before(() => {
    const m = make({ profile: 'mixed', packets: N, seed: 3 });
    res = m.res;
    pkts = readPcap(m.file);
  });

  it('has exactly the requested packet count', () => {
    assert.equal(res.packets, N);
    assert.equal(pkts.length, N);
    const total = Object.values(res.scenes).reduce((a, b) => a + b, 0);
    assert.equal(total, N);
    for (const n of [1, 2, 999, 5000]) assert.equal(make({ profile: 'mixed', packets: n }).res.packets, n);
  });

  it('has sound packets in time order from 2026-01-01', () => {
    assert.equal(pkts[0].ts, EPOCH_MICROS);
    let last = 0;
    for (const p of pkts) {
      assert.deepEqual(p.errors, [], `packet ${p.index}`);
      assert.ok(p.ts >= last);
      last = p.ts;
    }
  });

  it('is about 80% normal traffic and contains every attack', () => {
    const normal = NORMAL.reduce((a, k) => a + (res.scenes[k] ?? 0), 0);
    const share = normal / N;
    assert.ok(share > 0.74 && share < 0.86, `normal share ${share}`);
    for (const k of [...NORMAL, ...ATTACKS]) assert.ok((res.scenes[k] ?? 0) > 0, `scene ${k} missing`);
  });

  it('has IPv6 and 802.1Q-tagged frames among the normal traffic', () => {
    assert.ok(pkts.some((p) => p.ipVersion === 6 && p.proto === 6));
    assert.ok(pkts.some((p) => p.ipVersion === 6 && p.proto === 17));
    const tagged = pkts.filter((p) => p.vlan === LAB_NET.vlanId);
    assert.ok(tagged.length > 0);
    // VLAN 200 is 10.0.200.0/21; IPv6 twins carry the IPv4 address in their last 32 bits.
    const onVlan = (a: string): boolean => /^10\.0\.20[0-7]\./.test(a) || /:a00:c[89a-f][0-9a-f]{2}$/.test(a);
    assert.ok(tagged.every((p) => onVlan(p.src) || onVlan(p.dst)));
    assert.ok(pkts.filter((p) => p.vlan < 0).every((p) => !onVlan(p.src) && !onVlan(p.dst)));
  });

  it('keeps attackers on their documented addresses', () => {
    const bySrc = (role: ActorRole): ParsedPacket[] => {
      const a = actorAddress(role, 0);
      return pkts.filter((p) => p.src4 === a);
    };
    assert.ok(bySrc('scanner').every((p) => p.tcpFlags === 0x02 || p.tcpFlags === 0x04));
    assert.ok(bySrc('synFlooder').every((p) => p.tcpFlags === 0x02));
    assert.ok(bySrc('icmpFlooder').every((p) => p.proto === 1 && p.icmpType === 8));
    assert.ok(bySrc('udpFlooder').every((p) => p.proto === 17));
    assert.ok(bySrc('stealthScanner').some((p) => p.tcpFlags === 0x29));
  });

  it('sends normal HTTP requests that look like browsers, never like attacks', () => {
    const attackers = new Set<number>();
    for (const role of WEB_ATTACKS) for (let i = 0; i < 10; i++) attackers.add(actorAddress(role, i));
    const normal = pkts.filter((p) => p.dport === 80 && p.payload.length > 0 && !attackers.has(p.src4));
    assert.ok(normal.length > 100);
    const bad = new RegExp(
      [
        "%27|'|%3C|<", // quotes and tags
        '\\.\\./|%2e%2e|\\.\\.%2f|%252f', // traversal
        '%3B|;cat|\\|\\||%7C|%26%26|%60|`|\\$\\(|%24\\(', // shell
        'union%20|select%20|%20and%20|order%20by|sleep\\(|javascript%3a', // SQL and script keywords as syntax
      ].join('|'),
      'i',
    );
    for (const p of normal) {
      const text = p.payload.toString('latin1');
      assert.match(text, /^GET \S+ HTTP\/1\.1\r\nHost: /);
      assert.match(text, /\r\nUser-Agent: Mozilla\/5\.0 /);
      const line = text.split('\r\n')[0];
      assert.doesNotMatch(line, bad, line);
    }
    assert.ok(normal.some((p) => p.payload.toString('latin1').startsWith('GET /search?q=select+a+dress&page=2 ')));
    const attacks = pkts.filter((p) => p.dport === 80 && p.payload.length > 0 && attackers.has(p.src4));
    assert.ok(attacks.length > 0);
    assert.ok(attacks.every((p) => bad.test(p.payload.toString('latin1').split('\r\n')[0])));
  });

  it('completes TCP handshakes and teardowns for web sessions', () => {
    const syn = pkts.filter((p) => p.tcpFlags === 0x02 && (p.dport === 80 || p.dport === 443) && p.src.startsWith('10.')).length;
    const synAck = pkts.filter((p) => p.tcpFlags === 0x12 && (p.sport === 80 || p.sport === 443) && p.dst.startsWith('10.')).length;
    const fin = pkts.filter((p) => (p.tcpFlags & 0x01) !== 0 && (p.dport === 80 || p.dport === 443) && p.src.startsWith('10.')).length;
    assert.ok(syn > 100);
    assert.ok(synAck >= syn - 50 && synAck <= syn, `${synAck} vs ${syn}`);
    assert.ok(fin > syn * 0.8, `${fin} FINs for ${syn} SYNs`);
  });
});

describe('spoofed profile', () => {
  it('sends exactly N SYNs to one port from exactly K distinct public sources', () => {
    const { file, res } = make({ profile: 'spoofed', packets: 30_000, sources: 12_345 });
    assert.equal(res.packets, 30_000);
    const pkts = readPcap(file);
    assert.equal(pkts.length, 30_000);
    assert.equal(new Set(pkts.map((p) => p.src4)).size, 12_345);
    assert.equal(new Set(pkts.slice(0, 12_345).map((p) => p.src4)).size, 12_345, 'the first K SYNs all differ');
    const victim = ip4(LAB_NET.victim);
    for (const p of pkts) {
      assert.deepEqual(p.errors, []);
      assert.equal(p.tcpFlags, 0x02);
      assert.equal(p.dport, 80);
      assert.equal(ip4(p.dst), victim);
      assert.equal(isReservedOrLab(p.src4), false);
    }
  });

  it('refuses more sources than packets before writing anything', () => {
    const out = path.join(dir, 'refused.pcap');
    assert.throws(() => generate({ profile: 'spoofed', packets: 10, sources: 11, out }), /--sources 11/);
    assert.throws(() => readFileSync(out), /ENOENT/);
  });
});
