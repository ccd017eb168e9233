// The addon's libbpf part against the real kernel: load an object, map operations (single and
// batch, per-CPU values, dumps), errors a caller can act on, and tc attach/detach on a namespace's
// interface (a program that drops one TCP port: connects to it time out while attached, another
// port keeps working, and after detach it works again).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { requireNative } from '../src/kernel/native.js';
import { Lab, type Peer } from './support/netns.js';
import { requireRoot, requireTools } from './support/ns.js';
import { startTcpListener, tcpConnects } from './support/ns-tcp.js';
import { REPO_ROOT } from './support/paths.js';
import type { BpfAddon } from '../src/kernel/bpf.js';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'bpf', 'tc_port_drop.bpf.c');
const AGENT = path.join(REPO_ROOT, 'dist', 'test', 'support', 'tc-agent.js');

describe('native addon: libbpf objects, maps and tc attach', () => {
  let dir: string;
  let obj: string;
  let a: BpfAddon;
  let h = -1;

  before(() => {
    requireRoot('the addon test');
    requireTools('clang', 'ip');
    dir = mkdtempSync(path.join(tmpdir(), 'pal-addon-'));
    obj = path.join(dir, 'tc_port_drop.bpf.o');
    execFileSync('clang', ['-O2', '-g', '-Wall', '-target', 'bpf', '-I/usr/include/x86_64-linux-gnu', '-c', FIXTURE, '-o', obj]);
    a = requireNative<BpfAddon>();
    h = a.bpfLoad(obj, { kv: 4096 });
  });

  after(() => {
    if (h >= 0) a.bpfClose(h);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads an object, sizes a map before load, names its maps', () => {
    assert.deepEqual(a.objMapNames(h).sort(), ['drop_port', 'dropped', 'kv']);
    const info = a.bpfMapInfo(a.bpfMapFd(h, 'kv'));
    assert.deepEqual([info.keySize, info.valueSize, info.maxEntries], [4, 8, 4096]);
  });

  it('single and batch operations on a hash map, and dumps of it', () => {
    const fd = a.bpfMapFd(h, 'kv');
    const n = 300;
    const keys = Buffer.alloc(4 * n);
    const values = Buffer.alloc(8 * n);
    for (let i = 0; i < n; i++) {
      keys.writeUInt32LE(1000 + i, 4 * i);
      values.writeBigUInt64LE(BigInt(i) * 7n, 8 * i);
    }
    assert.equal(a.mapUpdateBatch(fd, keys, values, n), n);
    const v = Buffer.alloc(8);
    assert.equal(a.mapLookup(fd, keys.subarray(4 * 42, 4 * 43), v), true);
    assert.equal(v.readBigUInt64LE(0), 42n * 7n);
    assert.equal(a.mapKeys(fd, 4, 10_000).count, n);
    const dump = a.mapLookupBatch(fd, 4, 8, 10_000);
    assert.equal(dump.count, n);
    for (let i = 0; i < dump.count; i++) {
      const k = dump.keys.readUInt32LE(4 * i);
      assert.equal(dump.values.readBigUInt64LE(8 * i), BigInt(k - 1000) * 7n, `value of key ${k}`);
    }
    assert.equal(a.mapDelete(fd, keys.subarray(0, 4)), true);
    assert.equal(a.mapDelete(fd, keys.subarray(0, 4)), false, 'deleting a missing key says so');
    assert.equal(a.mapDeleteBatch(fd, keys, n), n - 1, 'the missing key is skipped, the rest deleted');
    assert.equal(a.mapKeys(fd, 4, 10_000).count, 0);
    a.mapUpdate(fd, keys.subarray(0, 4), values.subarray(0, 8), 1 /* BPF_NOEXIST */);
    assert.throws(() => a.mapUpdate(fd, keys.subarray(0, 4), values.subarray(0, 8), 1), { code: 'EEXIST' });
  });

  it('per-CPU values come one slot per possible CPU', () => {
    const fd = a.bpfMapFd(h, 'dropped');
    const cpus = a.numPossibleCpus();
    assert.ok(cpus >= 1);
    assert.equal(a.mapLookup(fd, Buffer.alloc(4), Buffer.alloc(8 * cpus)), true);
    assert.throws(() => a.mapLookup(fd, Buffer.alloc(4), Buffer.alloc(8 * cpus - 1)), /value holds \d+ bytes, the map needs \d+/);
  });

  it('errors name what failed and carry the errno code', () => {
    assert.throws(() => a.bpfLoad(path.join(dir, 'missing.bpf.o'), {}), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /missing\.bpf\.o/.test(e.message));
    assert.throws(() => a.bpfMapFd(h, 'no_such_map'), { code: 'ENOENT', message: /map no_such_map/ });
    assert.throws(() => a.mapUpdate(a.bpfMapFd(h, 'kv'), Buffer.alloc(2), Buffer.alloc(8)), /key holds 2 bytes, the map needs 4/);
  });

  describe('tc attach on a namespace interface', () => {
    let lab: Lab;
    let peer: Peer;
    let listeners: ChildProcess[] = [];
    const agent = (arg: unknown) => lab.exec(lab.victim, [process.execPath, AGENT, JSON.stringify(arg)]);

    before(async () => {
      lab = new Lab('pal-tc');
      peer = lab.addPeer('p');
      listeners = [await startTcpListener(lab.victim, 9091), await startTcpListener(lab.victim, 9092)];
    });

    after(() => {
      for (const l of listeners) if (l.exitCode === null) l.kill('SIGKILL');
      lab?.dispose();
    });

    it('drops the chosen port while attached (ingress), not another; detach restores it', () => {
      assert.equal(tcpConnects(peer.ns, peer.v4, peer.victimV4, 9091), true, 'reachable before attach');
      agent({ attach: { obj, iface: peer.victimIface, port: 9091 } });
      assert.match(lab.exec(lab.victim, ['tc', 'filter', 'show', 'dev', peer.victimIface, 'ingress']).stdout, /tc_port_drop/);
      assert.equal(tcpConnects(peer.ns, peer.v4, peer.victimV4, 9091), false, 'dropped by the tc program');
      assert.equal(tcpConnects(peer.ns, peer.v4, peer.victimV4, 9092), true, 'another port passes');
      agent({ detach: { iface: peer.victimIface } });
      assert.doesNotMatch(lab.exec(lab.victim, ['tc', 'filter', 'show', 'dev', peer.victimIface, 'ingress']).stdout, /tc_port_drop/);
      assert.equal(tcpConnects(peer.ns, peer.v4, peer.victimV4, 9091), true, 'reachable after detach');
    });
  });
});
