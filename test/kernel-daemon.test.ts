// The daemon on the kernel data path, end to end: `palisade run --iface ... --enforcer xdp
// --no-dry-run` inside a victim namespace watches two links through the XDP guard's ring buffer.
// From an attacker namespace the real tools attack (nmap SYN scan, hping3 SYN flood, hping3 ICMP
// flood, each from its own address); each attack must be detected, its source put into the XDP
// maps, the guard's drop counter must move and the source's connections must stop reaching the
// victim. A benign namespace on the other link must keep connecting throughout, and still after
// the daemon is killed with SIGKILL (the guard stays attached and fails open for everyone else).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PALISADE_BIN } from './support/paths.js';
import { Lab, type Peer } from './support/netns.js';
import { requireRoot, requireTools } from './support/ns.js';
import { startTcpListener, tcpConnects } from './support/ns-tcp.js';
import { waitFor } from './support/wait.js';

const PORT = 8080;

describe('daemon with the XDP guard: attacks detected and dropped in XDP, benign traffic unaffected', { timeout: 240_000 }, () => {
  let lab: Lab;
  let atk: Peer;
  let ben: Peer;
  let stateDir: string;
  let daemon: ChildProcess | null = null;
  let listener: ChildProcess | null = null;
  let daemonErr = '';
  /** The attacker's three addresses, one per attack, on the same link. */
  const addr = { scan: '', syn: '', icmp: '' };

  const cli = (args: string[]) => lab.exec(lab.victim, [process.execPath, PALISADE_BIN, ...args, '--state-dir', stateDir, '-o', 'json'], { allowFail: true });
  const json = (args: string[]): any => {
    const r = cli(args);
    if (r.status !== 0) throw new Error(`palisade ${args.join(' ')}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
  };
  const connects = (from: string, ns: string, to: string): boolean => tcpConnects(ns, from, to, PORT);
  const blocked = (): string[] => (json(['blacklist']) as { target: string }[]).map((b) => b.target);
  const drops = (): number => Number(json(['stats']).kernel_drops?.packets ?? 0);

  before(async () => {
    requireRoot('the kernel daemon test');
    requireTools('ip', 'nmap', 'hping3');
    lab = new Lab('pal-kd');
    atk = lab.addPeer('a');
    ben = lab.addPeer('b');
    const base = atk.v4.replace(/\.2$/, '');
    addr.scan = atk.v4;
    addr.syn = `${base}.3`;
    addr.icmp = `${base}.4`;
    for (const a of [addr.syn, addr.icmp]) lab.exec(atk.ns, ['ip', 'addr', 'add', `${a}/24`, 'dev', atk.peerIface]);
    stateDir = mkdtempSync(path.join(tmpdir(), 'pal-kd-'));
    // No whitelist beyond the defaults; the test's own SSH client (if any) must not whitelist lab addresses.
    writeFileSync(path.join(stateDir, 'palisade.yaml'), 'enforce:\n  drift_check_interval: 5\nsources:\n  journald: false\n  auth_logs: []\n');
    listener = await startTcpListener(lab.victim, PORT);
    const env = { ...process.env };
    delete env.SSH_CLIENT;
    delete env.SSH_CONNECTION;
    daemon = spawn(
      'ip',
      Lab.inNs(lab.victim, [
        process.execPath, PALISADE_BIN, 'run', '-c', path.join(stateDir, 'palisade.yaml'), '--state-dir', stateDir,
        '--iface', atk.victimIface, '--iface', ben.victimIface, '--enforcer', 'xdp', '--no-dry-run',
      ]).slice(1),
      { stdio: ['ignore', 'ignore', 'pipe'], env },
    );
    daemon.stderr!.on('data', (d: Buffer) => (daemonErr += d.toString()));
    await waitFor('the daemon to answer with both XDP captures running', () => {
      const r = cli(['status']);
      if (r.status !== 0) return false;
      const s = JSON.parse(r.stdout);
      return s.packet_sources?.filter((p: { kind: string }) => p.kind === 'xdp').length === 2 ? s : false;
    }, 30_000).catch((err) => {
      throw new Error(`${(err as Error).message}\ndaemon stderr:\n${daemonErr.slice(-3000)}`);
    });
  });

  after(() => {
    if (daemon && daemon.exitCode === null) daemon.kill('SIGKILL');
    if (listener && listener.exitCode === null) listener.kill('SIGKILL');
    lab?.dispose();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('status names the BPF row, XDP capture on both links and the xdp enforcer', () => {
    const s = json(['status']);
    assert.equal(s.row.environment, 'Linux, root, BPF');
    assert.match(s.row.packet_source, /XDP ring buffer/);
    assert.equal(s.enforcer.backend, 'xdp');
    assert.equal(s.enforcer.dry_run, false);
    assert.ok(connects(ben.v4, ben.ns, ben.victimV4), 'benign connects before any attack');
    assert.ok(connects(addr.scan, atk.ns, atk.victimV4), 'the attacker connects before it attacks');
  });

  it('nmap SYN scan: port-scan detected, source dropped in XDP, its connects time out', async () => {
    const before = drops();
    lab.exec(atk.ns, ['timeout', '60', 'nmap', '-sS', '-n', '-Pn', '-p', '1-1000', '-T4', atk.victimV4], { allowFail: true });
    await waitFor(`${addr.scan} in the blacklist`, () => blocked().includes(addr.scan));
    const alerts = json(['alerts', '--limit', '50', '--src', addr.scan]) as { rule_id: string }[];
    assert.ok(alerts.some((a) => a.rule_id === 'port-scan'), `port-scan alert for ${addr.scan}: ${JSON.stringify(alerts)}`);
    assert.equal(connects(addr.scan, atk.ns, atk.victimV4), false, 'the scanner can no longer connect');
    await waitFor('the XDP drop counter to move', () => drops() > before);
    assert.ok(connects(ben.v4, ben.ns, ben.victimV4), 'benign still connects');
  });

  it('hping3 SYN flood: syn-flood detected, source dropped in XDP', async () => {
    const before = drops();
    lab.exec(atk.ns, ['timeout', '4', 'hping3', '-S', '--flood', '-p', String(PORT), '-a', addr.syn, atk.victimV4], { allowFail: true });
    await waitFor(`${addr.syn} in the blacklist`, () => blocked().includes(addr.syn));
    const alerts = json(['alerts', '--limit', '50', '--src', addr.syn]) as { rule_id: string }[];
    assert.ok(alerts.some((a) => a.rule_id === 'syn-flood'), `syn-flood alert for ${addr.syn}: ${JSON.stringify(alerts)}`);
    assert.ok(drops() > before, 'the flood after the block was dropped in XDP');
    assert.equal(connects(addr.syn, atk.ns, atk.victimV4), false);
    assert.ok(connects(ben.v4, ben.ns, ben.victimV4), 'benign still connects');
  });

  it('hping3 ICMP flood: icmp-flood detected, source dropped in XDP', async () => {
    const before = drops();
    lab.exec(atk.ns, ['timeout', '4', 'hping3', '--icmp', '--flood', '-a', addr.icmp, atk.victimV4], { allowFail: true });
    await waitFor(`${addr.icmp} in the blacklist`, () => blocked().includes(addr.icmp));
    const alerts = json(['alerts', '--limit', '50', '--src', addr.icmp]) as { rule_id: string }[];
    assert.ok(alerts.some((a) => a.rule_id === 'icmp-flood'), `icmp-flood alert for ${addr.icmp}: ${JSON.stringify(alerts)}`);
    assert.ok(drops() > before);
    assert.equal(connects(addr.icmp, atk.ns, atk.victimV4), false);
  });

  it('stats show the guard\'s counters and the flooders among its busiest SYN/ICMP sources', () => {
    const k = json(['stats']).kernel as Record<string, { counters: { passed: { packets: number } }; top_syn_icmp_sources: { addr: string; syn: number; icmp: number }[] }>;
    const g = k[atk.victimIface];
    assert.ok(g && g.counters.passed.packets > 0, `guard counters for ${atk.victimIface}: ${JSON.stringify(k)}`);
    const syn = g.top_syn_icmp_sources.find((s) => s.addr === addr.syn);
    const icmp = g.top_syn_icmp_sources.find((s) => s.addr === addr.icmp);
    assert.ok(syn && syn.syn >= 100, `SYN flooder counted by the guard: ${JSON.stringify(g.top_syn_icmp_sources)}`);
    assert.ok(icmp && icmp.icmp >= 100, `ICMP flooder counted by the guard: ${JSON.stringify(g.top_syn_icmp_sources)}`);
  });

  it('the benign namespace was never blocked or alerted on', () => {
    assert.ok(!blocked().includes(ben.v4));
    const alerts = json(['alerts', '--limit', '50', '--src', ben.v4]) as unknown[];
    assert.deepEqual(alerts, []);
  });

  it('after SIGKILL of the daemon, benign traffic still flows', async () => {
    daemon!.kill('SIGKILL');
    await new Promise((r) => daemon!.once('exit', r));
    assert.ok(connects(ben.v4, ben.ns, ben.victimV4), 'benign connects with the daemon gone');
    assert.ok(connects(ben.v6, ben.ns, ben.victimV6), 'benign connects over IPv6 too');
  });
});
