// XdpGuard's maps, loaded but not attached (root): where each kind of target goes, what the
// kernel holds afterwards (read back through bpftool, not through the guard), entry counts the
// program sees, drift detection across all four block maps, and the errors a user gets.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { toPrefixes, XdpGuard } from '../src/kernel/xdp-guard.js';
import { PalisadeError } from '../src/errors.js';

function bpftoolKeys(id: number): string[] {
  const r = spawnSync('bpftool', ['map', 'dump', 'id', String(id), '-j'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`REQUIRED TOOL MISSING or failed: bpftool map dump (${r.error?.message ?? r.stderr.trim()})`);
  return (JSON.parse(r.stdout) as { key: string[] }[]).map((e) => e.key.map((b) => Number(b).toString(16).padStart(2, '0')).join(''));
}

/** The program's guard_cfg as the kernel holds it (bpftool formats it from the object's BTF). */
function guardCfg(g: XdpGuard): Record<string, number> {
  const r = spawnSync('bpftool', ['map', 'dump', 'id', String(g.mapIds()['.bss']), '-j'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout)[0].formatted.value['.bss'][0].guard_cfg;
}

describe('XdpGuard maps (root, not attached)', () => {
  let g: XdpGuard;
  before(() => {
    if (process.geteuid?.() !== 0) throw new Error('NOT ROOT: loading the XDP guard needs root (make test and CI run as root)');
    g = XdpGuard.load({ iface: 'pal-notattached', maxBlocks: 64 });
  });
  after(() => g?.close());

  it('single addresses go to the hash maps, networks to the tries, as network-order bytes', () => {
    g.block(['203.0.113.9', '2001:db8::1', '198.51.100.0/24', '2001:db8:1::/48', '0.0.0.0']);
    const ids = g.mapIds();
    assert.deepEqual(bpftoolKeys(ids.blk_v4).sort(), ['00000000', 'cb007109']);
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
    assert.deepEqual(guardCfg(g), { n_blk_v4: 0, n_blk_v6: 0, n_net_v4: 0, n_net_v6: 0, n_allow_v4: 0, n_allow_v6: 0, sample_rate: 0, snaplen: 0 });
    g.block(['192.0.2.5', '2001:db8::/32']);
    g.setSampling(3, 100);
    assert.deepEqual(guardCfg(g), { n_blk_v4: 1, n_blk_v6: 0, n_net_v4: 0, n_net_v6: 1, n_allow_v4: 0, n_allow_v6: 0, sample_rate: 3, snaplen: 100 });
    g.unblock(['192.0.2.5', '2001:db8::/32']);
    g.setSampling(0, 0);
  });

  it('replaceBlocks loads a batch and then makes the maps exactly the new list', () => {
    const many = toPrefixes(Array.from({ length: 40 }, (_, i) => `10.1.${i}.1`), 't');
    assert.deepEqual(g.replaceBlocks(many), { added: 40, removed: 0 });
    assert.equal(bpftoolKeys(g.mapIds().blk_v4).length, 40);
    assert.deepEqual(g.replaceBlocks(toPrefixes(['10.1.0.1', '10.9.9.9'], 't')), { added: 1, removed: 39 });
    assert.deepEqual(g.listBlocks().sort(), ['10.1.0.1', '10.9.9.9']);
    g.replaceBlocks([]);
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
