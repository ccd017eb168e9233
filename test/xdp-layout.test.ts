// The TypeScript view of bpf/xdp_guard.h agrees with the compiled object: struct sizes and member
// offsets from the object's BTF, the stat indexes and event flags from the header, and the key and
// value sizes of the loaded maps.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BPF_MAP_TYPE, bpfAddon } from '../src/kernel/bpf.js';
import { BUCKET_SIZE, TAB_OVERFLOW, TAB_SLOTS, tabHash } from '../src/kernel/xdp-table.js';
import { packageRoot, bpfObjectPath } from '../src/kernel/paths.js';
import {
  CFG_FIELDS,
  CFG_SIZE,
  EVENT,
  EVENT_FLAGS,
  KEY_SIZE,
  MAX_SNAPLEN,
  SRC_KEY_SIZE,
  SRC_VALUE_SIZE,
  STAT_VALUE_SIZE,
  VALUE_SIZE,
  XDP_STAT_NAMES,
} from '../src/kernel/xdp-guard.js';
import { requireRoot } from './support/ns.js';

interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  members?: { name: string; bits_offset: number }[];
  vars?: { type_id: number; offset: number; size: number }[];
}

function btf(): Map<string, BtfType> & { byId: Map<number, BtfType> } {
  const obj = bpfObjectPath('xdp_guard');
  if (!existsSync(obj)) throw new Error(`BUILD MISSING: ${obj} (run make build)`);
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', obj, '-j'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`REQUIRED TOOL MISSING or failed: bpftool btf dump (${r.error?.message ?? r.stderr.trim()})`);
  const types = (JSON.parse(r.stdout) as { types: BtfType[] }).types;
  const out = new Map(types.filter((t) => t.name).map((t) => [t.name, t])) as Map<string, BtfType> & { byId: Map<number, BtfType> };
  out.byId = new Map(types.map((t) => [t.id, t]));
  return out;
}

function layout(t: BtfType | undefined, name: string): { size: number; at: Record<string, number> } {
  assert.ok(t && t.kind === 'STRUCT', `struct ${name} is in the object's BTF`);
  return { size: t.size!, at: Object.fromEntries(t.members!.map((m) => [m.name, m.bits_offset / 8])) };
}

const header = () => readFileSync(path.join(packageRoot(), 'bpf', 'xdp_guard.h'), 'utf8');

describe('xdp_guard layouts: C and TypeScript agree', () => {
  it('struct xg_event_hdr', () => {
    const l = layout(btf().get('xg_event_hdr'), 'xg_event_hdr');
    assert.equal(l.size, EVENT.size);
    for (const f of ['ktime_ns', 'ifindex', 'wirelen', 'caplen', 'verdict', 'flags', 'rx_queue'] as const) assert.equal(l.at[f], EVENT[f], f);
  });

  it('struct xg_cfg is the whole .bss, fields in order', () => {
    const b = btf();
    const l = layout(b.get('xg_cfg'), 'xg_cfg');
    assert.equal(l.size, CFG_SIZE);
    CFG_FIELDS.forEach((f, i) => assert.equal(l.at[f], 4 * i, f));
    const bss = b.get('.bss');
    assert.ok(bss && bss.kind === 'DATASEC', '.bss section');
    assert.equal(bss.vars!.length, 1, 'guard_cfg is the only .bss variable');
    assert.equal(bss.vars![0].offset, 0);
    assert.equal(bss.vars![0].size, CFG_SIZE);
  });

  it('keys and values', () => {
    const b = btf();
    assert.equal(layout(b.get('lpm_v4_key'), 'lpm_v4_key').size, KEY_SIZE.net_v4);
    assert.equal(layout(b.get('lpm_v6_key'), 'lpm_v6_key').at.addr, 4);
    assert.equal(layout(b.get('lpm_v6_key'), 'lpm_v6_key').size, KEY_SIZE.net_v6);
    assert.equal(layout(b.get('in6_key'), 'in6_key').size, KEY_SIZE.blk_v6);
    const sk = layout(b.get('src_key'), 'src_key');
    assert.deepEqual([sk.size, sk.at.family, sk.at.addr], [SRC_KEY_SIZE, 0, 4]);
    const sv = layout(b.get('src_rate_val'), 'src_rate_val');
    assert.deepEqual([sv.size, sv.at.syn, sv.at.icmp, sv.at.first_ns, sv.at.last_ns], [SRC_VALUE_SIZE, 0, 8, 16, 24]);
    const st = layout(b.get('xg_stat_val'), 'xg_stat_val');
    assert.deepEqual([st.size, st.at.packets, st.at.bytes], [STAT_VALUE_SIZE, 0, 8]);
    const bk = layout(b.get('xg_bucket'), 'xg_bucket');
    assert.deepEqual([bk.size, bk.at.slot, bk.at.flags], [BUCKET_SIZE, 0, 4 * TAB_SLOTS]);
    const h = header();
    assert.match(h, new RegExp(`#define XG_TAB_SLOTS ${TAB_SLOTS}\\b`));
    assert.match(h, new RegExp(`#define XG_TAB_OVERFLOW 0x${TAB_OVERFLOW}u\\b`));
  });

  it('the bucket hash is the same function on both sides', () => {
    // xg_tab_hash from the header, compiled for the host, against tabHash over a spread of inputs.
    const dir = mkdtempSync(path.join(tmpdir(), 'pal-hash-'));
    try {
      const src = path.join(dir, 'h.c');
      writeFileSync(src, `#include <stdio.h>\n#include "xdp_guard.h"\nint main(void){unsigned a=1,s=0x9e3779b9u;for(int i=0;i<4096;i++){printf("%u %u %u\\n",a,s,xg_tab_hash(a,s));a=a*2654435761u+i;s^=a<<7;}return 0;}\n`);
      const cc = spawnSync('cc', ['-O2', `-I${path.join(packageRoot(), 'bpf')}`, '-I/usr/include/x86_64-linux-gnu', src, '-o', path.join(dir, 'h')], { encoding: 'utf8' });
      assert.equal(cc.status, 0, `cc: ${cc.stderr || cc.error?.message}`);
      const out = spawnSync(path.join(dir, 'h'), [], { encoding: 'utf8' }).stdout.trim().split('\n');
      assert.equal(out.length, 4096);
      for (const line of out) {
        const [a, sd, h] = line.split(' ').map(Number);
        assert.equal(tabHash(a, sd), h, `xg_tab_hash(${a}, ${sd})`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stat indexes, event flags and the snap cap match the header', () => {
    const h = header();
    XDP_STAT_NAMES.forEach((name, i) => {
      const m = new RegExp(`XG_STAT_${name.toUpperCase()}\\s*=\\s*(\\d+)`).exec(h);
      assert.ok(m, `XG_STAT_${name.toUpperCase()} in the header`);
      assert.equal(Number(m[1]), i, name);
    });
    assert.match(h, new RegExp(`XG_STAT_MAX\\s*=\\s*${XDP_STAT_NAMES.length}\\b`));
    const flags: Record<keyof typeof EVENT_FLAGS, string> = { ipv4: 'IPV4', ipv6: 'IPV6', vlan: 'VLAN', qinq: 'QINQ', allowed: 'ALLOWED', notIp: 'NOT_IP', malformed: 'MALFORMED' };
    for (const [k, c] of Object.entries(flags)) {
      const m = new RegExp(`#define XG_EV_${c}\\s+(0x[0-9a-f]+)`).exec(h);
      assert.ok(m, `XG_EV_${c}`);
      assert.equal(Number(m[1]), EVENT_FLAGS[k as keyof typeof EVENT_FLAGS], k);
    }
    assert.match(h, new RegExp(`#define XG_MAX_SNAP ${MAX_SNAPLEN}\\b`));
  });

  it('the loaded maps have the key and value sizes the TypeScript side writes (root)', () => {
    requireRoot('loading the XDP object');
    const bpf = bpfAddon();
    const obj = bpf.bpfLoad(bpfObjectPath('xdp_guard'), { blk_v4: 1000, blk_v6: 1000, net_v4: 1000, net_v6: 1000 });
    try {
      for (const [name, ks] of Object.entries(KEY_SIZE)) {
        const info = bpf.bpfMapInfo(bpf.bpfMapFd(obj, name));
        assert.deepEqual([info.keySize, info.valueSize], [ks, VALUE_SIZE], name);
      }
      assert.equal(bpf.bpfMapInfo(bpf.bpfMapFd(obj, 'blk_v4')).maxEntries, 1000, 'map sizes are set at load');
      const tab = bpf.bpfMapInfo(bpf.bpfMapFd(obj, 'tab_v4'));
      assert.deepEqual([tab.type, tab.keySize, tab.valueSize], [BPF_MAP_TYPE.ARRAY, 4, BUCKET_SIZE]);
      const stats = bpf.bpfMapInfo(bpf.bpfMapFd(obj, 'stats'));
      assert.deepEqual([stats.valueSize, stats.maxEntries], [STAT_VALUE_SIZE, XDP_STAT_NAMES.length]);
      const src = bpf.bpfMapInfo(bpf.bpfMapFd(obj, 'src_rate'));
      assert.deepEqual([src.keySize, src.valueSize], [SRC_KEY_SIZE, SRC_VALUE_SIZE]);
      assert.equal(bpf.bpfMapInfo(bpf.bpfMapFd(obj, '.bss')).valueSize, CFG_SIZE);
    } finally {
      bpf.bpfClose(obj);
    }
  });
});
