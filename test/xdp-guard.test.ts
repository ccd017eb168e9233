// The XDP guard and the xdp enforcer in a lab of namespaces: an attacker and a benign namespace
// reach a victim through one bridged interface (vic0) that the guard protects. What a user sees:
// blocked sources' TCP connects time out while others connect, the drop counters move, the
// whitelist wins inside a blocked network, sampled frames arrive through the ring buffer decoded,
// and reconcile repairs entries and attachments changed behind Palisade's back.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BlockEntry } from '../src/decide/decision.js';
import { defaultConfig } from '../src/config/defaults.js';
import { DryRunEnforcer } from '../src/enforce/dryrun/index.js';
import { selectEnforcer } from '../src/enforce/select.js';
import { nsRun, requireRootAndTools } from './support/ns.js';
import { XADDR, XdpLab, XPORT } from './support/xdp-lab.js';
import { existsSync } from 'node:fs';
import { bpfObjectPath } from '../src/kernel/paths.js';
import { PALISADE_BIN, REPO_ROOT } from './support/paths.js';
import { buildFrame, FrameSpec, SYN } from '../bench/synth/frames.js';
import { parseAddress } from '../src/decode/ip-addr.js';
import { rawOf, tabHash } from '../src/kernel/xdp-table.js';

const block = (target: string, expiresAt: number | null = null): BlockEntry => ({ target, family: target.includes(':') ? 6 : 4, network: target.includes('/'), expiresAt });

/** Polls until `fn` holds (the kernel and the network settle asynchronously); fails with the last value. */
async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > end) assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('XDP guard and xdp enforcer (root, namespaces)', { concurrency: false, timeout: 120_000 }, () => {
  let lab: XdpLab;
  let mode = '';

  before(async () => {
    requireRootAndTools(['ip', 'bpftool'], 'the XDP tests (BPF programs, network namespaces)');
    if (!existsSync(bpfObjectPath('xdp_guard'))) throw new Error(`BUILD MISSING: ${bpfObjectPath('xdp_guard')} (run make build)`);
    lab = await XdpLab.create('g');
  });
  after(async () => {
    if (lab) {
      await Promise.race([lab.call('stop', { remove: true }), new Promise((r) => setTimeout(r, 5000))]);
      lab.close();
    }
  });

  const reachAttacker = () => lab.reach(lab.attacker, [XADDR.attacker4, XADDR.inNet4, XADDR.allowed4, XADDR.attacker6, XADDR.inNet6]);
  const reachBenign = () => lab.reach(lab.benign, [XADDR.benign4, XADDR.benign6]);

  it('selects the xdp backend and attaches the guard to vic0', async () => {
    const sel = await lab.must('select', { enforce: { backend: 'xdp', dry_run: false, xdp_interfaces: ['vic0'], xdp_mode: 'auto' } });
    assert.equal(sel.name, 'xdp', sel.why);
    assert.equal(sel.row, 'Linux, root, BPF: XDP maps');
    mode = sel.modes.vic0;
    assert.ok(mode === 'native' || mode === 'generic', `mode ${mode}`);
    assert.match(sel.why, new RegExp(`attached to vic0 \\(${mode}\\)`));
    const link = nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout;
    assert.match(link, mode === 'native' ? /\bxdp\b/ : /\bxdpgeneric\b/, link);
    const r = await lab.must('start', { entries: [] });
    assert.equal(r.error, null);
    const all = await reachAttacker();
    assert.deepEqual(Object.values(all), [true, true, true, true, true], JSON.stringify(all));
    console.log(`# guard attached in ${mode} mode`);
  });

  it('a blocked address cannot connect, the benign namespace can, the drop counter moves', async () => {
    const before = await lab.must('drops');
    const r = await lab.must('apply', { add: [block(XADDR.attacker4), block(XADDR.attacker6)], remove: [] });
    assert.equal(r.error, null);
    assert.ok(r.commands.includes(`xdp vic0: add ${XADDR.attacker4}`), r.commands.join('\n'));
    const reach = await reachAttacker();
    assert.equal(reach[XADDR.attacker4], false);
    assert.equal(reach[XADDR.attacker6], false);
    assert.equal(reach[XADDR.inNet4], true, 'the attacker namespace\'s other addresses are not blocked');
    assert.deepEqual(await reachBenign(), { [XADDR.benign4]: true, [XADDR.benign6]: true });
    const afterDrops = await lab.must('drops');
    assert.ok(afterDrops.packets > before.packets, `drops ${JSON.stringify(before)} -> ${JSON.stringify(afterDrops)}`);
    const stats = (await lab.must('stats')).vic0;
    assert.ok(stats.drop_addr_v4.packets > 0 && stats.drop_addr_v6.packets > 0, JSON.stringify(stats));
    assert.ok(stats.passed.packets > 0);
    assert.deepEqual((await lab.must('list')).sort(), [XADDR.attacker4, XADDR.attacker6].sort());
  });

  it('unblock: the address connects again', async () => {
    const r = await lab.must('apply', { add: [], remove: [block(XADDR.attacker4), block(XADDR.attacker6)] });
    assert.equal(r.error, null);
    assert.ok(r.commands.includes(`xdp vic0: remove ${XADDR.attacker6}`), r.commands.join('\n'));
    await until('attacker reach after unblock', () => lab.reach(lab.attacker, [XADDR.attacker4, XADDR.attacker6]), (v) => v[XADDR.attacker4] && v[XADDR.attacker6]);
    assert.deepEqual(await lab.must('list'), []);
  });

  it('networks go to the tries; a whitelisted address inside a blocked network still passes', async () => {
    await lab.must('whitelist', { cidrs: [XADDR.allowed4] });
    const r = await lab.must('apply', { add: [block(XADDR.net4), block(XADDR.net6)], remove: [] });
    assert.equal(r.error, null);
    const counts = await lab.must('counts');
    assert.deepEqual([counts.blk_v4, counts.blk_v6, counts.net_v4, counts.net_v6, counts.allow_v4], [0, 0, 1, 1, 1]);
    const reach = await reachAttacker();
    assert.equal(reach[XADDR.inNet4], false);
    assert.equal(reach[XADDR.inNet6], false);
    assert.equal(reach[XADDR.allowed4], true, 'whitelisted inside 10.98.2.0/24');
    assert.equal(reach[XADDR.attacker4], true);
    const stats = (await lab.must('stats')).vic0;
    assert.ok(stats.drop_net_v4.packets > 0 && stats.drop_net_v6.packets > 0, JSON.stringify(stats));
    assert.ok(stats.allowed.packets > 0, 'the whitelist let a blocked source through');
    await lab.must('apply', { add: [], remove: [block(XADDR.net4), block(XADDR.net6)] });
    await lab.must('whitelist', { cidrs: [] });
  });

  it('the ring buffer delivers sampled frames that decode to the right source and port', async () => {
    await lab.must('sourceStart', { sampleRate: 1, snaplen: 128 });
    await lab.must('sourceTake');
    const t0 = Date.now() / 1000;
    await reachBenign();
    const seen: any[] = [];
    await until(
      'ring buffer records of the benign SYNs',
      async () => {
        seen.push(...(await lab.must('sourceTake')));
        return seen;
      },
      (s) => [XADDR.benign4, XADDR.benign6].every((a) => s.some((p) => p.src === a && p.dport === XPORT && p.proto === 6 && (p.tcpFlags & 0x12) === 0x02)),
    );
    const syn = seen.find((p) => p.src === XADDR.benign4 && p.dport === XPORT)!;
    assert.equal(syn.dst, XADDR.victim4);
    assert.ok(syn.caplen > 0 && syn.caplen <= 128 && syn.caplen <= syn.wirelen, JSON.stringify(syn));
    assert.ok(Math.abs(syn.ts - t0) < 30, `record time ${syn.ts} vs now ${t0}`);
    const status = await lab.must('sourceStatus');
    assert.equal(status.kind, 'xdp');
    assert.equal(status.name, `xdp vic0 (${mode})`);
    assert.ok(status.packets >= 2);
    assert.equal(status.lost, 0);
    assert.equal(status.problem, null);
    const stats = (await lab.must('stats')).vic0;
    assert.ok(stats.sampled.packets >= status.packets, JSON.stringify(stats.sampled));
    const top = await lab.must('topSources', { n: 10 });
    assert.ok(top.some((s: any) => s.addr === XADDR.benign4 && s.syn >= 1), JSON.stringify(top));
    await lab.must('sourceStop');
  });

  it('parses one and two VLAN tags; a third tag is not IP, a short or bad IPv4 header is malformed (both pass)', async () => {
    await lab.must('apply', { add: [block(XADDR.attacker4), block(XADDR.net6)], remove: [] });
    const f = new FrameSpec();
    const buf = Buffer.alloc(200);
    const frame = (v6: boolean, src: string, tags: number[]): Buffer => {
      if (v6) {
        f.v6 = true;
        f.proto = 6;
        f.src6.set(parseAddress(src)!.bytes);
        f.dst6.set(parseAddress(XADDR.victim6)!.bytes);
        f.sport = 40000;
        f.dport = XPORT;
        f.flags = SYN;
      } else {
        f.tcp4(parseAddress(src)!.v4, parseAddress(XADDR.victim4)!.v4, 40000, XPORT, SYN, 1, 0, 1024);
      }
      const n = buildFrame(buf, 0, f);
      const tagBytes = Buffer.concat(tags.map((tpid, i) => Buffer.from([tpid >> 8, tpid & 255, 0, 10 + i])));
      return Buffer.concat([buf.subarray(0, 12), tagBytes, buf.subarray(12, n)]);
    };
    const plain4 = frame(false, XADDR.attacker4, []);
    const badIhl = Buffer.from(plain4);
    badIhl[14] = 0x44;
    // Sent on the switch's port towards the victim: the frames reach vic0 exactly as written.
    const send = (count: number, frames: Buffer[]) => {
      const r = spawnSync('ip', ['netns', 'exec', lab.sw, 'python3', path.join(REPO_ROOT, 'test', 'support', 'send-frames.py'), 'swv', String(count), ...frames.map((b) => b.toString('hex'))], { encoding: 'utf8' });
      assert.equal(r.status, 0, `send-frames.py: ${r.stderr || r.error?.message}`);
    };
    const s0 = (await lab.must('stats')).vic0;
    send(5, [frame(false, XADDR.attacker4, [0x8100])]);
    send(5, [frame(true, XADDR.inNet6, [0x88a8, 0x8100])]);
    send(5, [frame(false, XADDR.attacker4, [0x8100, 0x8100, 0x8100])]);
    send(5, [plain4.subarray(0, 14 + 10), badIhl]);
    const s1 = (await lab.must('stats')).vic0;
    const d = (k: string) => s1[k].packets - s0[k].packets;
    assert.ok(d('drop_addr_v4') >= 5, `802.1Q-tagged IPv4 from a blocked address dropped (${d('drop_addr_v4')})`);
    assert.ok(d('drop_net_v6') >= 5, `QinQ-tagged IPv6 from a blocked network dropped (${d('drop_net_v6')})`);
    assert.ok(d('not_ip') >= 5, `three tags: not parsed as IP (${d('not_ip')})`);
    assert.ok(d('malformed') >= 10, `truncated and bad-IHL IPv4 counted as malformed (${d('malformed')})`);
    await lab.must('apply', { add: [], remove: [block(XADDR.attacker4), block(XADDR.net6)] });
  });

  it('reconcile puts back an entry deleted behind its back and removes a foreign one', async () => {
    const entries = [block(XADDR.attacker4)];
    await lab.must('apply', { add: entries, remove: [] });
    const ids = await lab.must('mapIds');
    // Deleted behind the guard's back: its tab_v4 slot zeroed with bpftool.
    const dump = spawnSync('bpftool', ['map', 'dump', 'id', String(ids.tab_v4), '-j'], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    const want = XADDR.attacker4.split('.').map(Number);
    const bucket = (JSON.parse(dump.stdout) as { key: string[]; value: string[] }[])
      .map((e) => ({ key: e.key.map(Number), value: e.value.map(Number) }))
      .find((e) => [...Array(15).keys()].some((i) => want.every((b, j) => e.value[4 * i + j] === b)));
    assert.ok(bucket, `${XADDR.attacker4} is in a tab_v4 bucket`);
    for (let i = 0; i < 15; i++) if (want.every((b, j) => bucket.value[4 * i + j] === b)) bucket.value.fill(0, 4 * i, 4 * i + 4);
    const del = spawnSync('bpftool', ['map', 'update', 'id', String(ids.tab_v4), 'key', ...bucket.key.map(String), 'value', ...bucket.value.map(String)], { encoding: 'utf8' });
    assert.equal(del.status, 0, del.stderr);
    const add = spawnSync('bpftool', ['map', 'update', 'id', String(ids.blk_v4), 'key', '192', '0', '2', '77', 'value', '0', '0', '0', '0'], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    assert.deepEqual(await lab.must('list'), ['192.0.2.77']);
    assert.equal((await lab.reach(lab.attacker, [XADDR.attacker4]))[XADDR.attacker4], true, 'the deleted entry no longer drops');
    const report = await lab.must('reconcile', { entries });
    assert.deepEqual(report, { missing: [XADDR.attacker4], extra: ['192.0.2.77'], recreated: false });
    assert.deepEqual(await lab.must('list'), [XADDR.attacker4]);
    assert.equal((await lab.reach(lab.attacker, [XADDR.attacker4]))[XADDR.attacker4], false);
    assert.deepEqual(await lab.must('reconcile', { entries }), { missing: [], extra: [], recreated: false });
  });

  it('an address whose table bucket is full is held in blk_v4 and still dropped; unblocked, it connects again', async () => {
    await lab.must('apply', { add: [], remove: [block(XADDR.attacker4)] });
    assert.deepEqual(await lab.must('list'), []);
    const ids = await lab.must('mapIds');
    const bss = spawnSync('bpftool', ['map', 'dump', 'id', String(ids['.bss']), '-j'], { encoding: 'utf8' });
    assert.equal(bss.status, 0, bss.stderr);
    const cfg = JSON.parse(bss.stdout)[0].formatted.value['.bss'][0].guard_cfg as { tab_seed: number; tab_mask: number };
    const bucketOf = (a: string) => tabHash(rawOf(Uint8Array.from(a.split('.').map(Number))), cfg.tab_seed) & cfg.tab_mask;
    // Fifteen addresses (benchmarking range, never used in the lab) that fill the attacker's bucket.
    const fillers: string[] = [];
    for (let i = 1; fillers.length < 15; i++) {
      const a = `198.18.${(i >> 8) & 255}.${i & 255}`;
      if (bucketOf(a) === bucketOf(XADDR.attacker4)) fillers.push(a);
    }
    assert.equal((await lab.must('apply', { add: fillers.map((f) => block(f)), remove: [] })).error, null);
    const s0 = (await lab.must('stats')).vic0;
    assert.equal((await lab.must('apply', { add: [block(XADDR.attacker4)], remove: [] })).error, null);
    const inHash = spawnSync('bpftool', ['map', 'dump', 'id', String(ids.blk_v4), '-j'], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(inHash.stdout) as { key: string[] }[]).map((e) => e.key.map(Number).join('.')), [XADDR.attacker4], 'the attacker spilled into blk_v4');
    assert.equal((await reachAttacker())[XADDR.attacker4], false);
    const s1 = (await lab.must('stats')).vic0;
    assert.ok(s1.drop_addr_v4.packets > s0.drop_addr_v4.packets, 'dropped as a blocked address');
    assert.equal((await lab.must('apply', { add: [], remove: [block(XADDR.attacker4)] })).error, null);
    assert.equal((await reachAttacker())[XADDR.attacker4], true);
    assert.equal((await lab.must('apply', { add: [], remove: fillers.map((f) => block(f)) })).error, null);
    assert.deepEqual(await lab.must('list'), []);
    // Back as the reconcile tests left it.
    await lab.must('apply', { add: [block(XADDR.attacker4)], remove: [] });
  });

  it('reconcile attaches again after `ip link set dev vic0 xdp off`', async () => {
    const entries = [block(XADDR.attacker4)];
    const off = nsRun(lab.victim, ['ip', 'link', 'set', 'dev', 'vic0', mode === 'native' ? 'xdp' : 'xdpgeneric', 'off']);
    assert.equal(off.code, 0, off.stderr);
    await until('attacker reach with the guard off', () => lab.reach(lab.attacker, [XADDR.attacker4]), (v) => v[XADDR.attacker4]);
    const report = await lab.must('reconcile', { entries });
    assert.deepEqual(report, { missing: [], extra: [], recreated: true });
    assert.equal((await lab.reach(lab.attacker, [XADDR.attacker4]))[XADDR.attacker4], false);
    assert.deepEqual(await reachBenign(), { [XADDR.benign4]: true, [XADDR.benign6]: true });
  });

  it('expired entries are never loaded; an expired add is a remove', async () => {
    const past = Date.now() / 1000 - 5;
    const r = await lab.must('start', { entries: [block(XADDR.attacker6), block(XADDR.attacker4, past)] });
    assert.equal(r.error, null);
    assert.deepEqual(await lab.must('list'), [XADDR.attacker6]);
    await lab.must('apply', { add: [block(XADDR.attacker6, past)], remove: [] });
    assert.deepEqual(await lab.must('list'), []);
  });

  it('stop(true) detaches: nothing is dropped any more, the link has no XDP program', async () => {
    await lab.must('apply', { add: [block(XADDR.attacker4)], remove: [] });
    await lab.must('stop', { remove: true });
    const link = nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout;
    assert.doesNotMatch(link, /prog\/xdp|xdpgeneric|xdp id/, link);
    await until('attacker reach after stop', () => lab.reach(lab.attacker, [XADDR.attacker4]), (v) => v[XADDR.attacker4]);
  });

  it('generic mode drops as well', async () => {
    const sel = await lab.must('select', { enforce: { backend: 'xdp', dry_run: false, xdp_interfaces: ['vic0'], xdp_mode: 'generic' } });
    assert.equal(sel.name, 'xdp', sel.why);
    assert.equal(sel.modes.vic0, 'generic');
    assert.match(nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout, /xdpgeneric/);
    await lab.must('start', { entries: [block(XADDR.attacker4)] });
    assert.equal((await lab.reach(lab.attacker, [XADDR.attacker4]))[XADDR.attacker4], false);
    assert.deepEqual(await reachBenign(), { [XADDR.benign4]: true, [XADDR.benign6]: true });
    assert.ok((await lab.must('drops')).packets > 0);
    await lab.must('stop', { remove: true });
    assert.doesNotMatch(nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout, /xdpgeneric/);
  });

  it('falls back to nftables with the reason when the guard cannot run', async () => {
    const missing = await lab.must('select', {
      enforce: { backend: 'xdp', dry_run: false, xdp_interfaces: ['vic0'] },
      env: { xdpObject: '/nonexistent/xdp_guard.bpf.o' },
    });
    assert.equal(missing.name, 'nftables');
    assert.equal(missing.row, 'Linux, root, no BPF: nftables');
    assert.match(missing.why, /^xdp requested but the XDP guard cannot run here \(xdp: the guard's object \/nonexistent\/xdp_guard\.bpf\.o is missing \(run make\)\); nft works$/);
    const bogus = await lab.must('select', { enforce: { backend: 'xdp', dry_run: false, xdp_interfaces: ['pal-nope0'] } });
    assert.equal(bogus.name, 'nftables');
    assert.match(bogus.why, /interface pal-nope0 does not exist here/);
    const none = await lab.must('select', { enforce: { backend: 'xdp', dry_run: false } });
    assert.equal(none.name, 'nftables');
    assert.match(none.why, /no interface to guard/);
    // sources.packets.interfaces is the default when enforce.xdp_interfaces is empty.
    const fromPackets = await lab.must('select', { enforce: { backend: 'xdp', dry_run: false }, packetInterfaces: ['vic0'] });
    assert.equal(fromPackets.name, 'xdp', fromPackets.why);
    await lab.must('stop', { remove: true });
    // The nftables fallbacks above only probed (nft --check): the victim's ruleset is untouched.
    assert.equal(nsRun(lab.victim, ['nft', 'list', 'ruleset']).stdout.trim(), '');
  });

  it('dry-run with backend xdp logs one readable line per map change', async () => {
    const s = await selectEnforcer({ ...defaultConfig().enforce, backend: 'xdp', dry_run: true, xdp_interfaces: ['veth0'], maxElements: 1000 });
    assert.ok(s.enforcer instanceof DryRunEnforcer);
    assert.equal(s.enforcer.format, 'xdp');
    assert.match(s.row, /: dry-run \(xdp map changes\)$/);
    const start = await s.enforcer.start([block('198.51.100.0/24')]);
    assert.equal(start.executed, false);
    assert.deepEqual(start.commands, ['xdp veth0: attach xdp_guard mode auto', 'xdp veth0: set blocks to 1 entry', 'xdp veth0: add 198.51.100.0/24']);
    const r = await s.enforcer.apply([block('203.0.113.9')], [block('198.51.100.0/24')]);
    assert.deepEqual(r.commands, ['xdp veth0: add 203.0.113.9', 'xdp veth0: remove 198.51.100.0/24']);
    assert.deepEqual(await s.enforcer.list(), ['203.0.113.9']);
  });

  it('palisade run --iface vic0 --enforcer xdp: the daemon blocks in XDP, status says so, SIGTERM detaches', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pal-xdp-daemon-'));
    let daemon: ChildProcess | null = null;
    let stderr = '';
    const cli = (args: string[]) => spawnSync(process.execPath, [PALISADE_BIN, ...args, '--state-dir', dir], { encoding: 'utf8' });
    try {
      writeFileSync(path.join(dir, 'auth.log'), '');
      const argv = ['netns', 'exec', lab.victim, process.execPath, PALISADE_BIN, 'run', '--iface', 'vic0', '--enforcer', 'xdp', '--no-dry-run', '--no-journald'];
      argv.push('--auth-log', path.join(dir, 'auth.log'), '--state-dir', dir, '--log-file', path.join(dir, 'daemon.log'));
      daemon = spawn('ip', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
      daemon.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await until('daemon status', async () => cli(['status']).status, (code) => code === 0 || daemon!.exitCode !== null);
      assert.equal(daemon.exitCode, null, stderr);
      const status = JSON.parse(cli(['status', '-o', 'json']).stdout);
      assert.equal(status.enforcer.backend, 'xdp', JSON.stringify(status.enforcer));
      assert.equal(status.row.environment, 'Linux, root, BPF');
      assert.equal(status.row.enforcement, 'XDP maps');
      // The passive source on vic0 is the same guard's ring buffer (one program on the interface).
      assert.match(status.row.packet_source, /XDP ring buffer/, status.row.packet_source);
      const src = status.packet_sources.find((p: any) => p.kind === 'xdp');
      assert.equal(src?.name, `xdp vic0 (${mode})`, JSON.stringify(status.packet_sources));
      await reachBenign();
      await until('sampled packets counted in status', async () => JSON.parse(cli(['status', '-o', 'json']).stdout).packet_sources.find((p: any) => p.kind === 'xdp').packets, (n) => n > 0);
      const b = cli(['block', XADDR.attacker4]);
      assert.equal(b.status, 0, b.stderr);
      assert.equal((await lab.reach(lab.attacker, [XADDR.attacker4]))[XADDR.attacker4], false);
      assert.deepEqual(await reachBenign(), { [XADDR.benign4]: true, [XADDR.benign6]: true });
      const u = cli(['unblock', XADDR.attacker4]);
      assert.equal(u.status, 0, u.stderr);
      await until('attacker reach after palisade unblock', () => lab.reach(lab.attacker, [XADDR.attacker4]), (v) => v[XADDR.attacker4]);
      daemon.kill('SIGTERM');
      const code = await new Promise((r) => daemon!.once('exit', r));
      assert.equal(code, 0, stderr);
      assert.doesNotMatch(nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout, /prog\/xdp|xdpgeneric/);
    } finally {
      if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('palisade monitor --capture xdp reads the guard\'s ring buffer, then takes the guard off', async () => {
    const child = spawn('ip', ['netns', 'exec', lab.victim, process.execPath, PALISADE_BIN, 'monitor', '-i', 'vic0', '--capture', 'xdp', '-c', '6', '-o', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await until('monitor start', async () => err, (e) => e.includes('monitoring vic0 with the XDP ring buffer') || child.exitCode !== null);
      assert.equal(child.exitCode, null, err);
      // Traffic until the monitor has its packets (-c 6) and exits.
      await until('monitor exit after 6 packets', async () => (child.exitCode === null ? (await reachBenign(), null) : child.exitCode), (c) => c !== null, 20_000);
      assert.equal(await exited, 0, err);
      const summary = JSON.parse(out.trim().split('\n').pop()!).summary;
      assert.equal(summary.packets, 6, out);
      assert.deepEqual([summary.capture.method, summary.capture.lost], ['xdp', 0]);
      assert.doesNotMatch(nsRun(lab.victim, ['ip', '-d', 'link', 'show', 'vic0']).stdout, /prog\/xdp|xdpgeneric/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
