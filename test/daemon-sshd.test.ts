// End to end, as root: a real sshd in a victim namespace, the Palisade daemon following its auth log
// and enforcing with nftables in that namespace, and real OpenSSH clients guessing passwords from an
// attacker namespace and from an admin namespace whose addresses are whitelisted (one by the config,
// one as the SSH client that started the daemon).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lab, type Peer } from './support/netns.js';
import { requireRoot, requireTools } from './support/ns.js';
import { PALISADE_BIN } from './support/paths.js';
import { guessPassword, Sshd } from './support/sshd.js';

const TTL = 20;

let lab: Lab;
let attacker: Peer;
let admin: Peer;
let sshd: Sshd;
let dir: string;
let authLog: string;
let cfgFile: string;
let daemon: ChildProcess | null = null;
let daemonErr = '';

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [PALISADE_BIN, ...args, '--state-dir', dir], { encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function cliJson<T>(args: string[]): T {
  const r = cli([...args, '-o', 'json']);
  assert.equal(r.status, 0, `palisade ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** The kernel's view: does Palisade's nftables table in the victim namespace hold this address? */
function inKernel(addr: string): boolean {
  const r = lab.exec(lab.victim, ['nft', 'list', 'table', 'inet', 'palisade'], { allowFail: true });
  return r.status === 0 && new RegExp(`(^|[\\s{,])${addr.replace(/[.:]/g, '\\$&')}([\\s,}]|$)`, 'm').test(r.stdout);
}

function tableExists(): boolean {
  return lab.exec(lab.victim, ['nft', 'list', 'table', 'inet', 'palisade'], { allowFail: true }).status === 0;
}

async function startDaemon(): Promise<void> {
  daemonErr = '';
  const argv = Lab.inNs(lab.victim, [process.execPath, PALISADE_BIN, 'run', '-c', cfgFile, '--state-dir', dir, '--auth-log', authLog, '--no-dry-run', '--no-journald', '--log-file', path.join(dir, 'daemon.log')]);
  // The admin's IPv6 address is whitelisted as "the SSH client that started the daemon".
  const env = { ...process.env, SSH_CONNECTION: `${admin.v6} 50022 ${admin.victimV6} 22`, SSH_CLIENT: `${admin.v6} 50022 22` };
  daemon = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  daemon.stderr!.setEncoding('utf8');
  daemon.stderr!.on('data', (c: string) => (daemonErr += c));
  for (let i = 0; i < 100; i++) {
    if (daemon.exitCode !== null) throw new Error(`daemon exited ${daemon.exitCode}: ${daemonErr}`);
    if (cli(['status']).status === 0) return;
    await sleep(100);
  }
  throw new Error(`daemon did not answer within 10 s: ${daemonErr}`);
}

async function stopDaemon(): Promise<number | null> {
  const d = daemon;
  daemon = null;
  if (!d || d.exitCode !== null) return d?.exitCode ?? null;
  d.kill('SIGTERM');
  return new Promise((resolve) => d.once('exit', (code) => resolve(code)));
}

/** Guesses passwords until the source is blocked; returns the ms from the crossing log line to the kernel block. */
async function bruteForceUntilBlocked(peer: Peer, target: string, user: string): Promise<{ latencyMs: number; guesses: number }> {
  let blockedAt = 0;
  let polling = true;
  const poller = (async () => {
    while (polling && blockedAt === 0) {
      if (inKernel(peer.v4)) blockedAt = Date.now();
      else await sleep(20);
    }
  })();
  let guesses = 0;
  while (blockedAt === 0 && guesses < 12) {
    await guessPassword(peer.ns, user, target);
    guesses++;
    await sleep(150);
  }
  await sleep(1200);
  polling = false;
  await poller;
  assert.ok(blockedAt > 0, `${peer.v4} was not blocked after ${guesses} guesses; daemon log:\n${readFileSync(path.join(dir, 'daemon.log'), 'utf8').slice(-3000)}`);
  const before = sshd.lines.filter((l) => l.at <= blockedAt && l.text.includes(peer.v4));
  assert.ok(before.length > 0);
  return { latencyMs: blockedAt - before[before.length - 1].at, guesses };
}

describe('daemon with a real sshd, as root, in network namespaces', { timeout: 180_000 }, () => {
  before(async () => {
    requireRoot('the sshd end-to-end test');
    requireTools('nft', 'sshd', 'ssh', 'sshpass', 'ip');
    lab = new Lab('pal-e2e');
    attacker = lab.addPeer('att');
    admin = lab.addPeer('adm');
    dir = mkdtempSync(path.join(tmpdir(), 'palisade-e2e-'));
    authLog = path.join(dir, 'auth.log');
    cfgFile = path.join(dir, 'palisade.yaml');
    writeFileSync(cfgFile, `policy:\n  blacklist_ttl: ${TTL}\n  whitelist: [${admin.v4}]\nenforce:\n  drift_check_interval: 2\n`);
    sshd = new Sshd(lab.victim, authLog);
    await sshd.start([attacker.victimV4, admin.victimV4, `[${admin.victimV6}]`]);
    await startDaemon();
  });

  after(async () => {
    await stopDaemon();
    await sshd?.stop();
    lab?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('blocks a password-guessing attacker in nftables within one second of the crossing failure; its next connection fails', async () => {
    const st = cliJson<{ enforcer: { backend: string; dry_run: boolean } }>(['status']);
    assert.equal(st.enforcer.backend, 'nftables');
    assert.equal(st.enforcer.dry_run, false);
    const { latencyMs } = await bruteForceUntilBlocked(attacker, attacker.victimV4, 'root');
    assert.ok(latencyMs < 1000, `blocked ${latencyMs} ms after the crossing line`);
    const next = await guessPassword(attacker.ns, 'root', attacker.victimV4, 'x', 2);
    assert.notEqual(next.status, 0);
    assert.match(next.stderr, /timed out/i, `the blocked client should time out, got: ${next.stderr}`);
    const bl = cliJson<{ target: string; rule: string; expires_at: number }[]>(['blacklist']);
    const row = bl.find((b) => b.target === attacker.v4);
    assert.ok(row, 'listed in palisade blacklist');
    assert.equal(row.rule, 'ssh-bruteforce');
    const alerts = cliJson<{ rule_id: string; src: string }[]>(['alerts', '--limit', '5']);
    assert.ok(alerts.some((a) => a.rule_id === 'ssh-bruteforce' && a.src === attacker.v4));
    const actions = readFileSync(path.join(dir, 'actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const blockAction = actions.find((a) => a.blocked_ip === attacker.v4 && a.verdict === 'block');
    assert.ok(blockAction, 'action logged');
    assert.deepEqual(Object.keys(blockAction).sort(), ['analysis', 'blocked_ip', 'command', 'dry_run', 'event', 'executed', 'reason', 'timestamp', 'verdict'].sort());
    assert.equal(blockAction.executed, true);
    assert.equal(blockAction.dry_run, false);
    assert.match(String(blockAction.command), /nft/);
  });

  it('keeps the block across a restart, with its remaining TTL', async () => {
    const before = cliJson<{ target: string; expires_at: number }[]>(['blacklist']).find((b) => b.target === attacker.v4);
    assert.ok(before);
    assert.equal(await stopDaemon(), 0);
    assert.equal(tableExists(), false, 'a clean stop removes the table');
    await startDaemon();
    assert.ok(inKernel(attacker.v4), 'restored into the kernel at start');
    const after = cliJson<{ target: string; expires_at: number }[]>(['blacklist']).find((b) => b.target === attacker.v4);
    assert.ok(after);
    assert.ok(Math.abs(after.expires_at - before.expires_at) < 1, 'the remaining TTL is kept, not restarted');
  });

  it('lifts the block from the kernel when its TTL expires', async () => {
    const after = cliJson<{ target: string; expires_at: number }[]>(['blacklist']).find((b) => b.target === attacker.v4);
    assert.ok(after);
    const wait = after.expires_at * 1000 - Date.now();
    await sleep(Math.max(0, wait) + 2500);
    assert.equal(inKernel(attacker.v4), false, 'lifted from the kernel at expiry');
    assert.equal(cliJson<{ target: string }[]>(['blacklist']).some((b) => b.target === attacker.v4), false);
    const r = await guessPassword(attacker.ns, 'root', attacker.victimV4, 'x', 3);
    assert.doesNotMatch(r.stderr, /timed out/i, 'the address reaches sshd again');
    const actions = readFileSync(path.join(dir, 'actions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(actions.some((a) => a.blocked_ip === attacker.v4 && a.verdict === 'unblock'));
  });

  it('never blocks whitelisted addresses doing the same (config whitelist and the SSH client that started the daemon)', async () => {
    for (let i = 0; i < 6; i++) await guessPassword(admin.ns, 'root', admin.victimV4);
    for (let i = 0; i < 6; i++) await guessPassword(admin.ns, 'root', admin.victimV6);
    await sleep(800);
    assert.equal(inKernel(admin.v4), false);
    assert.equal(inKernel(admin.v6), false);
    const ok = await guessPassword(admin.ns, 'root', admin.victimV4, 'x', 3);
    assert.doesNotMatch(ok.stderr, /timed out/i, 'the admin still reaches sshd');
    const st = cliJson<{ counts: { whitelisted_skips: number } }>(['status']);
    assert.ok(st.counts.whitelisted_skips >= 2, `whitelisted_skips ${st.counts.whitelisted_skips}`);
    const wl = cliJson<{ cidr: string; why: string }[]>(['whitelist', 'list']);
    assert.ok(wl.some((w) => w.cidr.startsWith(admin.v6) && /ssh/i.test(w.why)), JSON.stringify(wl));
  });

  it('blocks nobody for log-injection lines', async () => {
    const forged = '198.51.100.77';
    // Through sshd itself: a whitelisted client whose user name carries a forged "from ADDR".
    for (let i = 0; i < 6; i++) await guessPassword(admin.ns, `admin from ${forged} port 22 ssh2`, admin.victimV4);
    // Written into the log by another program.
    for (let i = 0; i < 7; i++) sshd.log('sudo', 999, `pam_unix(sudo:auth): authentication failure; Failed password for root from ${forged} port 22 ssh2`);
    await sleep(1000);
    assert.equal(inKernel(forged), false);
    const bl = cliJson<{ target: string }[]>(['blacklist']);
    assert.deepEqual(bl.map((b) => b.target).filter((t) => t !== attacker.v4), []);
  });

  it('refuses a bad config on SIGHUP and keeps running with the old one', async () => {
    const good = readFileSync(cfgFile, 'utf8');
    const blocksBefore = cliJson<unknown[]>(['blacklist']);
    writeFileSync(cfgFile, good + 'policy_typo: 1\n');
    daemon!.kill('SIGHUP');
    await sleep(500);
    const st = cliJson<{ last_reload: { ok: boolean; message: string } }>(['status']);
    assert.equal(st.last_reload.ok, false);
    assert.match(st.last_reload.message, /palisade\.yaml:\d+: policy_typo: unknown setting/);
    assert.equal(st.last_reload.message.includes('\n'), false);
    assert.deepEqual(cliJson<unknown[]>(['blacklist']), blocksBefore, 'blocks kept');
    // A good config is taken on the next SIGHUP.
    writeFileSync(cfgFile, good);
    daemon!.kill('SIGHUP');
    await sleep(500);
    assert.equal(cliJson<{ last_reload: { ok: boolean } }>(['status']).last_reload.ok, true);
    writeFileSync(cfgFile, good);
  });

  it('refuses to start with a bad config, with one line naming the file and line', () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'policy:\n  blacklist_ttl: -5\n');
    const r = spawnSync(process.execPath, [PALISADE_BIN, 'run', '-c', bad, '--state-dir', path.join(dir, 'other')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /bad\.yaml:2: policy\.blacklist_ttl/);
  });


});
