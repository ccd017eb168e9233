// Unit tests of the synthesizer's pieces: the seeded generator, the frame builders (every field and
// checksum read back by an independent parser) and the pcap writer's file format.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ACK, buildFrame, FIN, FrameSpec, ICMP_ECHO_REPLY, PROTO_ICMP, PROTO_UDP, PSH, SYN, URG } from '../bench/synth/frames.js';
import { ip4, ip6, isReservedOrLab, lanV6 } from '../bench/synth/net.js';
import { parseFrame, readPcap } from '../bench/synth/pcap-reader.js';
import { PcapWriter } from '../bench/synth/pcap-writer.js';
import { Permutation32, Prng } from '../bench/synth/prng.js';
import { scanPorts, spoofedSources } from '../bench/synth/scenes.js';
import { EPOCH_MICROS } from '../bench/synth/timeline.js';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-synth-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Prng', () => {
  it('gives the same sequence for the same seed, another for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const sa = Array.from({ length: 100 }, () => a.u32());
    const sb = Array.from({ length: 100 }, () => b.u32());
    const sc = Array.from({ length: 100 }, () => c.u32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
  });

  it('is pinned: seed 1 starts with the same numbers on every machine', () => {
    const r = new Prng(1);
    const first = [r.u32(), r.u32(), r.u32()];
    // Any change here changes every generated capture, including examples/lab.pcap.
    assert.deepEqual(first, PINNED_SEED1);
  });

  it('stays in range and is roughly uniform', () => {
    const r = new Prng(7);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const x = r.range(0, 9);
      assert.ok(x >= 0 && x <= 9);
      buckets[x]++;
    }
    for (const b of buckets) assert.ok(b > 9000 && b < 11000, `bucket ${b}`);
  });

  it('Permutation32 never repeats; spoofed sources are distinct and public', () => {
    const p = new Permutation32(new Prng(3));
    const seen = new Set<number>();
    for (let i = 0; i < 50_000; i++) seen.add(p.at(i));
    assert.equal(seen.size, 50_000);
    const src = spoofedSources(new Prng(5), 20_000);
    assert.equal(new Set(src).size, 20_000);
    for (const a of src) assert.equal(isReservedOrLab(a), false);
  });

  it('scanPorts gives distinct ports, the common ones included', () => {
    const ports = scanPorts(new Prng(9), 200);
    assert.equal(new Set(ports).size, 200);
    assert.ok(ports.includes(80) && ports.includes(22) && ports.includes(443));
    assert.ok([...ports].every((p) => p >= 1 && p <= 65535));
  });
});

const PINNED_SEED1 = (() => {
  // Computed once from the reference sfc32 + splitmix32 seeding below, independent of Prng.
  let s = 1 >>> 0;
  const next = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = next();
  let b = next();
  let c = next();
  let d = next() | 1;
  const sfc = (): number => {
    const t0 = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const t = (t0 + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) sfc();
  return [sfc(), sfc(), sfc()];
})();

describe('buildFrame', () => {
  const buf = Buffer.alloc(2048);
  const parse = (len: number) => parseFrame(Buffer.from(buf.subarray(0, len)), 1, 0);

  it('builds an IPv4 TCP SYN with an MSS option and correct checksums', () => {
    const f = new FrameSpec();
    f.tcp4(ip4('10.0.2.21'), ip4('198.18.0.80'), 40000, 443, SYN, 0xfffffff0, 0, 64240);
    f.mss = 1460;
    f.ttl = 64;
    f.ipId = 0x1234;
    f.noPayload();
    const len = buildFrame(buf, 0, f);
    assert.equal(len, 14 + 20 + 24);
    const p = parse(len);
    assert.deepEqual(p.errors, []);
    assert.equal(p.src, '10.0.2.21');
    assert.equal(p.dst, '198.18.0.80');
    assert.equal(p.sport, 40000);
    assert.equal(p.dport, 443);
    assert.equal(p.tcpFlags, SYN);
    assert.equal(p.seq, 0xfffffff0);
    assert.equal(p.window, 64240);
    assert.equal(p.mss, 1460);
    assert.equal(p.ttl, 64);
    assert.equal(p.ipId, 0x1234);
    // MACs: LAN host 02:00 + its address; outside hosts sit behind the gateway 10.0.0.1.
    assert.equal(buf.subarray(6, 12).toString('hex'), '02000a000215');
    assert.equal(buf.subarray(0, 6).toString('hex'), '02000a000001');
    assert.equal(buf[14 + 6] & 0x40, 0x40, 'DF set');
  });

  it('builds TCP with payload (odd length), every flag combination, and a VLAN tag', () => {
    const f = new FrameSpec();
    const payload = Buffer.from('GET /search?q=select+a+dress&page=2 HTTP/1.1\r\nHost: x\r\n\r\nX', 'latin1');
    for (const flags of [0, FIN, FIN | PSH | URG, PSH | ACK, SYN | ACK]) {
      f.tcp4(ip4('10.0.200.7'), ip4('10.0.1.10'), 55555, 80, flags, 1, 2, 502);
      f.vlan = 200;
      f.setPayload(payload, 0, payload.length);
      const len = buildFrame(buf, 0, f);
      const p = parse(len);
      assert.deepEqual(p.errors, [], `flags ${flags}`);
      assert.equal(p.vlan, 200);
      assert.equal(p.tcpFlags, flags);
      assert.equal(p.payload.toString('latin1'), payload.toString('latin1'));
    }
  });

  it('builds UDP over IPv4 and IPv6 with correct checksums', () => {
    const f = new FrameSpec();
    f.vlan = -1;
    f.v6 = false;
    f.proto = PROTO_UDP;
    f.src4 = ip4('10.0.2.22');
    f.dst4 = ip4('10.0.0.53');
    f.sport = 51000;
    f.dport = 53;
    const q = Buffer.from('0123456789abcdefg');
    f.setPayload(q, 0, q.length);
    let p = parse(buildFrame(buf, 0, f));
    assert.deepEqual(p.errors, []);
    assert.equal(p.dport, 53);
    assert.equal(p.payload.length, q.length);
    f.v6 = true;
    f.src6.set(lanV6(ip4('10.0.2.22')));
    f.dst6.set(ip6('2001:db8:80::10'));
    p = parse(buildFrame(buf, 0, f));
    assert.deepEqual(p.errors, []);
    assert.equal(p.ipVersion, 6);
    assert.equal(p.src, 'fd00:0:0:0:0:0:a00:216');
    assert.equal(p.dst, '2001:db8:80:0:0:0:0:10');
  });

  it('builds ICMP echo request and reply', () => {
    const f = new FrameSpec();
    f.v6 = false;
    f.vlan = -1;
    f.proto = PROTO_ICMP;
    f.src4 = ip4('10.0.2.21');
    f.dst4 = ip4('10.0.0.1');
    f.icmpId = 0xbeef;
    f.icmpSeq = 7;
    f.noPayload();
    let p = parse(buildFrame(buf, 0, f));
    assert.deepEqual(p.errors, []);
    assert.equal(p.icmpType, 8);
    assert.equal(p.icmpId, 0xbeef);
    assert.equal(p.icmpSeq, 7);
    f.icmpType = ICMP_ECHO_REPLY;
    const data = Buffer.alloc(56, 0x41);
    f.setPayload(data, 0, 56);
    p = parse(buildFrame(buf, 0, f));
    assert.deepEqual(p.errors, []);
    assert.equal(p.icmpType, 0);
    assert.equal(p.len, 14 + 20 + 8 + 56);
  });

  it('never leaks bytes of an earlier, longer frame', () => {
    const f = new FrameSpec();
    const big = Buffer.alloc(1400, 0x5a);
    f.tcp4(1, 2, 3, 4, ACK, 5, 6, 7);
    f.setPayload(big, 0, big.length);
    buildFrame(buf, 0, f);
    f.noPayload();
    const len = buildFrame(buf, 0, f);
    const fresh = Buffer.alloc(2048);
    assert.equal(buildFrame(fresh, 0, f), len);
    assert.ok(buf.subarray(0, len).equals(fresh.subarray(0, len)));
  });
});

describe('PcapWriter', () => {
  it('writes a little-endian µs Ethernet pcap that flushes across its buffer', () => {
    const file = path.join(dir, 'w.pcap');
    const w = new PcapWriter(file, 200_000); // small buffer: forces several flushes
    const f = new FrameSpec();
    const payload = Buffer.alloc(1000, 0x61);
    for (let i = 0; i < 1000; i++) {
      f.tcp4(ip4('10.0.2.21'), ip4('10.0.1.10'), 40000, 80, PSH | ACK, i * 1000, 1, 500);
      f.setPayload(payload, 0, (i * 37) % 1000);
      const off = w.begin();
      w.commit(EPOCH_MICROS + i * 1500, buildFrame(w.buf, off, f));
    }
    w.close();
    const bytes = readFileSync(file);
    assert.equal(bytes.readUInt32LE(0), 0xa1b2c3d4);
    assert.equal(bytes.readUInt16LE(4), 2);
    assert.equal(bytes.readUInt16LE(6), 4);
    assert.equal(bytes.readUInt32LE(16), 65535);
    assert.equal(bytes.readUInt32LE(20), 1);
    assert.equal(bytes.length, w.bytes);
    const pkts = readPcap(file);
    assert.equal(pkts.length, 1000);
    pkts.forEach((p, i) => {
      assert.deepEqual(p.errors, []);
      assert.equal(p.ts, EPOCH_MICROS + i * 1500);
      assert.equal(p.seq, (i * 1000) >>> 0);
      assert.equal(p.payload.length, (i * 37) % 1000);
    });
  });

  it('refuses a timestamp that goes backwards', () => {
    const w = new PcapWriter(path.join(dir, 'back.pcap'));
    const f = new FrameSpec();
    f.tcp4(1, 2, 3, 4, SYN, 0, 0, 0);
    w.commit(EPOCH_MICROS + 10, buildFrame(w.buf, w.begin(), f));
    assert.throws(() => w.commit(EPOCH_MICROS + 9, buildFrame(w.buf, w.begin(), f)), /backwards/);
    w.close();
  });
});
