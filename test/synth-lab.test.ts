// The shipped demo capture: byte-identical to what its generator produces now, under 1 MB, and
// containing each documented attack from its documented actor.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LAB_PCAP, LAB_MD, labDescription, makeLabCapture } from '../examples/make-lab-capture.js';
import { LAB_ACTORS, LAB_NET, isReservedOrLab, ip4 } from '../bench/synth/net.js';
import { ParsedPacket, readPcap } from '../bench/synth/pcap-reader.js';
import { GenerateResult, LAB_SPOOFED } from '../bench/synth/profiles.js';
import { EPOCH_MICROS } from '../bench/synth/timeline.js';

const SYN = 0x02;
const ACK = 0x10;
const RST = 0x04;

describe('examples/lab.pcap', () => {
  let dir = '';
  let fresh = '';
  let res: GenerateResult;
  let pkts: ParsedPacket[] = [];
  const from = (addr: string): ParsedPacket[] => pkts.filter((p) => p.src === addr);

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'palisade-lab-'));
    fresh = path.join(dir, 'lab.pcap');
    res = makeLabCapture(fresh);
    pkts = readPcap(fresh);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is byte-identical to what examples/make-lab-capture.ts produces (regenerate it if this fails)', () => {
    const shipped = readFileSync(LAB_PCAP);
    const now = readFileSync(fresh);
    assert.equal(shipped.length, now.length, 'size differs: run node dist/examples/make-lab-capture.js');
    assert.ok(shipped.equals(now), 'bytes differ: run node dist/examples/make-lab-capture.js');
  });

  it('has a description that matches the capture', () => {
    assert.equal(readFileSync(LAB_MD, 'utf8'), labDescription(res));
  });

  it('is under 1 MB and spans about 60 seconds from 2026-01-01', () => {
    assert.ok(statSync(LAB_PCAP).size < 1_000_000, `size ${statSync(LAB_PCAP).size}`);
    assert.equal(pkts.length, res.packets);
    assert.equal(pkts[0].ts >= EPOCH_MICROS, true);
    const span = (pkts[pkts.length - 1].ts - pkts[0].ts) / 1e6;
    assert.ok(span > 55 && span < 65, `span ${span} s`);
  });

  it('has sound packets: every length and checksum is right, timestamps never go back', () => {
    let last = 0;
    for (const p of pkts) {
      assert.deepEqual(p.errors, [], `packet ${p.index}`);
      assert.ok(p.ts >= last, `packet ${p.index} goes back in time`);
      last = p.ts;
    }
  });

  it('contains a SYN scan of ~200 ports from the scanner', () => {
    const syns = from(LAB_ACTORS.scanner).filter((p) => p.tcpFlags === SYN);
    assert.equal(new Set(syns.map((p) => p.dport)).size, 200);
    assert.ok(syns.every((p) => p.dst === LAB_NET.victim));
    const replies = pkts.filter((p) => p.dst === LAB_ACTORS.scanner);
    assert.equal(replies.filter((p) => p.tcpFlags === (SYN | ACK)).length, 3, 'SYN/ACK from the 3 open ports');
    assert.equal(replies.filter((p) => p.tcpFlags === (RST | ACK)).length, 197);
  });

  it('contains NULL, FIN and XMAS probes from the stealth scanner', () => {
    const flags = new Set(from(LAB_ACTORS.stealthScanner).map((p) => p.tcpFlags));
    assert.deepEqual([...flags].sort((a, b) => a - b), [0x00, 0x01, 0x29]);
  });

  it('contains a SYN flood of several thousand SYNs to port 80, none completed', () => {
    const f = from(LAB_ACTORS.synFlooder);
    assert.equal(f.length, 3000);
    assert.ok(f.every((p) => p.tcpFlags === SYN && p.dport === 80));
  });

  it('contains an ICMP flood of a few thousand echo requests in a few seconds', () => {
    const f = from(LAB_ACTORS.icmpFlooder);
    assert.equal(f.length, 2000);
    assert.ok(f.every((p) => p.proto === 1 && p.icmpType === 8));
    const secs = (f[f.length - 1].ts - f[0].ts) / 1e6;
    assert.ok(secs > 1 && secs < 3, `${secs} s`);
  });

  it('contains a UDP flood to one port', () => {
    const f = from(LAB_ACTORS.udpFlooder);
    assert.equal(f.length, 1000);
    assert.equal(new Set(f.map((p) => p.dport)).size, 1);
  });

  it(`contains a spoofed SYN flood from ${LAB_SPOOFED.sources} distinct public sources`, () => {
    const lanOrActor = new Set<string>(Object.values(LAB_ACTORS));
    const spoofed = pkts.filter(
      (p) => p.ipVersion === 4 && !p.src.startsWith('10.') && !lanOrActor.has(p.src) && p.tcpFlags === SYN && p.dst === LAB_NET.victim,
    );
    assert.equal(spoofed.length, LAB_SPOOFED.count);
    assert.equal(new Set(spoofed.map((p) => p.src)).size, LAB_SPOOFED.sources);
    assert.ok(spoofed.every((p) => !isReservedOrLab(ip4(p.src))));
  });

  const requests = (addr: string): string[] =>
    from(addr)
      .filter((p) => p.payload.length > 0)
      .map((p) => p.payload.toString('latin1').split('\r\n')[0]);

  it('contains the web attacks, each request in its own TCP session', () => {
    const cases: Array<[string, RegExp, number]> = [
      [LAB_ACTORS.sqli, /UNION%20ALL%20SELECT|'\+or\+'1'='1/, 10],
      [LAB_ACTORS.pathTraversal, /\.\.\/|%2e%2e%2f/i, 8],
      [LAB_ACTORS.cmdInjection, /%3Bcat%20\/etc\/passwd/, 6],
      [LAB_ACTORS.xss, /%3Cscript%3E/, 6],
    ];
    for (const [addr, re, n] of cases) {
      const lines = requests(addr);
      assert.equal(lines.length, n, addr);
      assert.ok(lines.every((l) => l.startsWith('GET ') && l.endsWith(' HTTP/1.1')), addr);
      assert.ok(lines.some((l) => re.test(l)), `${addr}: ${re}`);
      const syns = from(addr).filter((p) => p.tcpFlags === SYN);
      assert.equal(new Set(syns.map((p) => p.sport)).size, n, `${addr}: one session per request`);
    }
  });

  it('has normal web, DNS, NTP and ping traffic from the office clients', () => {
    for (const scene of ['normalWeb', 'dns', 'ntp', 'ping']) assert.ok((res.scenes[scene] ?? 0) > 0, scene);
    const clients = new Set(LAB_NET.labClients);
    const gets = pkts.filter((p) => clients.has(p.src) && p.dport === 80 && p.payload.length > 0);
    assert.ok(gets.length >= 10);
  });
});
