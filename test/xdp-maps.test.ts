// XdpGuard's maps, loaded but not attached (root): where each kind of target goes, what the
// kernel holds afterwards (read back through bpftool, not through the guard), entry counts the
// program sees, drift detection across all block maps, single IPv4 addresses spilling from a full
// tab_v4 bucket into blk_v4, and the errors a user gets.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { toPrefixes, XdpGuard } from '../src/kernel/xdp-guard.js';
import { rawOf, tabHash } from '../src/kernel/xdp-table.js';
import { PalisadeError } from '../src/errors.js';
import { requireRoot } from './support/ns.js';

interface DumpEntry {
  key: string[];
  value: string[];
}

function bpftoolDump(id: number): DumpEntry[] {
  const r = spawnSync('bpftool', ['map', 'dump', 'id', String(id), '-j'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`REQUIRED TOOL MISSING or failed: bpftool map dump (${r.error?.message ?? r.stderr.trim()})`);
  return JSON.parse(r.stdout) as DumpEntry[];
}

const hex = (bytes: string[]) => bytes.map((b) => Number(b).toString(16).padStart(2, '0')).join('');

function bpftoolKeys(id: number): string[] {
  return bpftoolDump(id).map((e) => hex(e.key));
}

/** tab_v4 as the kernel holds it: the addresses in its buckets' slots (hex, network order) and the buckets flagged as spilled. */
function tableContents(g: XdpGuard): { addrs: string[]; spilled: number[] } {
  const addrs: string[] = [];
  const spilled: number[] = [];
  for (const e of bpftoolDump(g.mapIds().tab_v4)) {
    assert.equal(e.value.length, 64, 'a bucket is 64 bytes');
    for (let i = 0; i < 15; i++) {
      const slot = hex(e.value.slice(4 * i, 4 * i + 4));
      if (slot !== '00000000') addrs.push(slot);
    }
    if (Number(e.value[60]) & 1) spilled.push(Number(e.key[0]) | (Number(e.key[1]) << 8) | (Number(e.key[2]) << 16));
  }
  return { addrs, spilled };
}

/** The program's guard_cfg as the kernel holds it (bpftool formats it from the object's BTF). */
function guardCfg(g: XdpGuard): Record<string, number> {
  const r = spawnSync('bpftool', ['map', 'dump', 'id', String(g.mapIds()['.bss']), '-j'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout)[0].formatted.value['.bss'][0].guard_cfg;
}

/** The bits set in bloom_v4 as the kernel holds it (u64 words, little-endian on this machine). */
function bloomBits(g: XdpGuard): number[] {
  const out: number[] = [];
  for (const e of bpftoolDump(g.mapIds().bloom_v4)) {
    const w = Number(e.key[0]) | (Number(e.key[1]) << 8) | (Number(e.key[2]) << 16);
    e.value.forEach((byte, i) => {
      for (let b = 0; b < 8; b++) if ((Number(byte) >> b) & 1) out.push(w * 64 + i * 8 + b);
    });
  }
  return out.sort((a, b) => a - b);
}

describe('XdpGuard maps (root, not attached)', () => {
  let g: XdpGuard;
  before(() => {
    requireRoot('loading the XDP guard');
    g = XdpGuard.load({ iface: 'pal-notattached', maxBlocks: 64 });
  });
  after(() => g?.close());

  it('single addresses go to the table (IPv4) and hash maps, networks to the tries, as network-order bytes', () => {
    g.block(['203.0.113.9', '2001:db8::1', '198.51.100.0/24', '2001:db8:1::/48', '0.0.0.0']);
    const ids = g.mapIds();
    assert.deepEqual(tableContents(g), { addrs: ['cb007109'], spilled: [] });
    assert.deepEqual(bpftoolKeys(ids.blk_v4), ['00000000'], '0.0.0.0 marks a free slot, so it lives in blk_v4');
    assert.deepEqual(bpftoolKeys(ids.blk_v6), ['20010db8000000000000000000000001']);
    // LPM keys: prefix length in host order (x86: little-endian), then the address.
    assert.deepEqual(bpftoolKeys(ids.net_v4), ['18000000c6336400']);
    assert.deepEqual(bpftoolKeys(ids.net_v6), ['3000000020010db8000100000000000000000000']);
    assert.deepEqual(g.listBlocks().sort(), ['0.0.0.0', '198.51.100.0/24', '2001:db8:1::/48', '2001:db8::1', '203.0.113.9']);
    assert.deepEqual(g.entryCounts(), { blk_v4: 2, blk_v6: 1, net_v4: 1, net_v6: 1, allow_v4: 0, allow_v6: 0 });
  });

  it('drift finds what is missing and extra in every map, including 0.0.0.0', () => {
    const want = toPrefixes(['203.0.113.9', '2001:db8::2', '198.51.100.0/24', '2001:db8:2::/48', '192.0.2.1'], 't');
    const ignore = toPrefixes(['0.0.0.0'], 't');
    const d = g.drift(want, ignore);
    assert.deepEqual(d.missing.map((p) => p.text).sort(), ['192.0.2.1', '2001:db8:2::/48', '2001:db8::2']);
    assert.deepEqual(d.extra.map((p) => p.text).sort(), ['2001:db8:1::/48', '2001:db8::1']);
    assert.equal(g.drift(toPrefixes(['203.0.113.9', '198.51.100.0/24'], 't')).extra.some((p) => p.text === '0.0.0.0'), true);
  });

  it('unblock removes and counts; the program sees zero for empty maps', () => {
    assert.equal(g.unblock(['203.0.113.9', '2001:db8::1', '198.51.100.0/24', '2001:db8:1::/48', '0.0.0.0', '192.0.2.200']), 5);
    assert.deepEqual(g.listBlocks(), []);
    assert.deepEqual(g.entryCounts(), { blk_v4: 0, blk_v6: 0, net_v4: 0, net_v6: 0, allow_v4: 0, allow_v6: 0 });
    const { tab_mask, tab_seed, bloom_shift, pad, ...counts } = guardCfg(g);
    assert.deepEqual(counts, { n_blk_v4: 0, n_blk_v6: 0, n_net_v4: 0, n_net_v6: 0, n_allow_v4: 0, n_allow_v6: 0, sample_rate: 0, snaplen: 0 });
    assert.equal(tab_mask, 63, 'maxBlocks 64: the smallest table, 64 buckets');
    assert.equal(typeof tab_seed, 'number');
    assert.deepEqual([bloom_shift, pad], [32 - 6, 0], 'maxBlocks 64: the smallest filter, 64 words of 64 bits');
    g.block(['192.0.2.5', '2001:db8::/32']);
    g.setSampling(3, 100);
    assert.deepEqual(guardCfg(g), { n_blk_v4: 1, n_blk_v6: 0, n_net_v4: 0, n_net_v6: 1, n_allow_v4: 0, n_allow_v6: 0, sample_rate: 3, snaplen: 100, tab_mask, tab_seed, bloom_shift, pad });
    g.unblock(['192.0.2.5', '2001:db8::/32']);
    g.setSampling(0, 0);
  });

  it('replaceBlocks loads a batch and then makes the maps exactly the new list', () => {
    const many = toPrefixes(Array.from({ length: 40 }, (_, i) => `10.1.${i}.1`), 't');
    assert.deepEqual(g.replaceBlocks(many), { added: 40, removed: 0 });
    assert.equal(tableContents(g).addrs.length + bpftoolKeys(g.mapIds().blk_v4).length, 40);
    assert.deepEqual(g.replaceBlocks(toPrefixes(['10.1.0.1', '10.9.9.9'], 't')), { added: 1, removed: 39 });
    assert.deepEqual(g.listBlocks().sort(), ['10.1.0.1', '10.9.9.9']);
    g.replaceBlocks([]);
  });

  it('a full bucket spills into blk_v4 and flags the bucket; the flag goes with its last spilled address', () => {
    // 64 buckets of 15 slots: 64 addresses that share a bucket (found with the guard's own seed).
    const seed = guardCfg(g).tab_seed;
    const bucketOf = (a: string) => tabHash(rawOf(Uint8Array.from(a.split('.').map(Number))), seed) & 63;
    const same: string[] = [];
    for (let i = 1; same.length < 17; i++) {
      const a = `10.3.${i >> 8}.${i & 255}`;
      if (bucketOf(a) === bucketOf('10.3.0.1')) same.push(a);
    }
    g.block(same);
    const { tab_seed, bloom_shift } = guardCfg(g);
    // Two bits per address in word h >> bloom_shift: h & 63 and (h >> 6) & 63 (bpf/xdp_guard.h).
    const bitsOf = (a: string) => {
      const h = tabHash(rawOf(Uint8Array.from(a.split('.').map(Number))), tab_seed);
      return [(h >>> bloom_shift) * 64 + (h & 63), (h >>> bloom_shift) * 64 + ((h >>> 6) & 63)];
    };
    const expectBits = (addrs: string[]) => [...new Set(addrs.flatMap(bitsOf))].sort((a, b) => a - b);
    assert.deepEqual(bloomBits(g), expectBits(same), 'every blocked address, spilled or not, sets its two filter bits');
    const t = tableContents(g);
    assert.equal(t.addrs.length, 15);
    assert.deepEqual(t.spilled, [bucketOf('10.3.0.1')]);
    assert.equal(bpftoolKeys(g.mapIds().blk_v4).length, 2);
    assert.deepEqual(g.listBlocks().sort(), [...same].sort());
    assert.equal(g.entryCounts().blk_v4, 17);
    // Two slot holders leave: the spilled ones stay where they are, the flag with them.
    g.unblock(same.slice(0, 2));
    assert.deepEqual(tableContents(g).spilled, [bucketOf('10.3.0.1')]);
    g.unblock(same.slice(15));
    assert.deepEqual(tableContents(g), { addrs: tableContents(g).addrs, spilled: [] });
    assert.deepEqual(bpftoolKeys(g.mapIds().blk_v4), []);
    assert.equal(g.entryCounts().blk_v4, 13);
    assert.deepEqual(bloomBits(g), expectBits(same.slice(2, 15)), 'bits of unblocked addresses are cleared');
    g.replaceBlocks([]);
    assert.deepEqual(tableContents(g), { addrs: [], spilled: [] });
    assert.deepEqual(bloomBits(g), []);
  });

  it('the whitelist is replaced as a whole', () => {
    g.setWhitelist(['192.0.2.7', '2001:db8:7::/64']);
    assert.deepEqual(g.whitelist().sort(), ['192.0.2.7', '2001:db8:7::/64']);
    g.setWhitelist(['192.0.2.8']);
    assert.deepEqual(g.whitelist(), ['192.0.2.8']);
    assert.equal(g.entryCounts().allow_v6, 0);
    g.setWhitelist([]);
  });

  it('errors: a bad target refuses the whole batch, a full map names policy.max_blocks', () => {
    assert.throws(() => g.block(['192.0.2.1', '192.0.2.300']), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_ENFORCE_TARGET' && /'192\.0\.2\.300'/.test(e.message));
    assert.deepEqual(g.listBlocks(), []);
    const tooMany = Array.from({ length: 65 }, (_, i) => `10.2.0.${i}`);
    assert.throws(() => g.block(tooMany), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_XDP' && /blk_v4 is full \(64 entries, policy\.max_blocks\)/.test(e.message));
    assert.equal(g.entryCounts().blk_v4, 64);
    g.replaceBlocks([]);
    assert.throws(() => g.setSampling(-1, 100), /sample rate must be an integer >= 0/);
    g.setSampling(4, 9000);
    assert.deepEqual(g.sampling(), { rate: 4, snaplen: 512 }, 'snaplen is capped at the compiled maximum');
  });

  it('a missing object or a bogus interface is one clear error', () => {
    assert.throws(() => XdpGuard.load({ iface: 'x', objectPath: '/nonexistent/guard.o' }), /the guard's object \/nonexistent\/guard\.o is missing \(run make\)/);
    const h = XdpGuard.load({ iface: 'pal-nope0', maxBlocks: 16 });
    try {
      assert.throws(() => h.attach(), /xdp: interface pal-nope0 does not exist here/);
      assert.equal(h.isAttached(), false);
    } finally {
      h.close();
    }
    const bad = XdpGuard.load({ iface: '../../etc', maxBlocks: 16 });
    try {
      assert.throws(() => bad.attach(), /'\.\.\/\.\.\/etc' is not a network interface name/);
    } finally {
      bad.close();
    }
  });
});
