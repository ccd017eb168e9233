// NFQUEUE inline mode end to end, as root, in namespaces this test creates and deletes: a small HTTP
// server in a victim namespace, `palisade nfqueue enable` and `palisade live` run there (under
// `ip netns exec`, as a user would), and an attacker namespace sending a benign request, an SQL
// injection and a real sqlmap run. The injection's request packet itself is dropped (the TCP
// handshake completes, the request never reaches the server); after SIGKILL of `live` traffic still
// flows (fail-open via `bypass`), or stops (--fail-closed); `disable` leaves nothing behind.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { nativePath } from '../src/kernel/native.js';
import { Lab, type Peer } from './support/netns.js';
import { requireRoot, requireTools } from './support/ns.js';
import { PALISADE_BIN } from './support/paths.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QUEUE = 7;
const PORT = 8080;
/** An SQL injection the default rule http-sqli (mode: block) flags: ?id=1' OR '1'='1 */
const SQLI_PATH = '/?id=1%27%20OR%20%271%27%3D%271';

let lab: Lab;
let attacker: Peer;
let dir: string;
let server: ChildProcess | null = null;
let serverOut = '';
const children = new Set<ChildProcess>();

interface Ran {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to the end without blocking the event loop (other children keep draining their pipes). */
function run(argv: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `palisade ARGS` inside the victim namespace. */
function palisade(args: string[], timeoutMs = 20_000): Promise<Ran> {
  return run(Lab.inNs(lab.victim, [process.execPath, PALISADE_BIN, ...args]), timeoutMs);
}

interface Probe {
  connected: boolean;
  status: number | null;
  body: string;
}

/** One GET from the attacker namespace, as a user's client would see it. */
async function get(pathAndQuery: string, timeoutMs: number, host = attacker.victimV4): Promise<Probe> {
  const arg = JSON.stringify({ host, port: PORT, path: pathAndQuery, timeoutMs });
  const r = await run(Lab.inNs(attacker.ns, [process.execPath, path.join(HERE, 'support', 'http-probe.js'), arg]), timeoutMs + 10_000);
  assert.equal(r.code, 0, `http probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

/** Polls until `fn` holds or the deadline passes (a loaded 2-CPU VM: generous). */
async function until(fn: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

class Live {
  out = '';
  err = '';
  exited: Promise<{ code: number | null; signal: string | null }>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (b: Buffer) => (this.out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (this.err += b.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => children.delete(child));
  }

  /** `palisade live --queue QUEUE ARGS` in the victim namespace, once it has bound the queue. */
  static async start(args: string[] = []): Promise<Live> {
    const argv = Lab.inNs(lab.victim, [process.execPath, PALISADE_BIN, 'live', '--queue', String(QUEUE), ...args]);
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const live = new Live(child);
    let gone = false;
    void live.exited.then(() => (gone = true));
    await until(() => gone || live.err.includes(`inline on NFQUEUE queue ${QUEUE}`), 20_000, 'palisade live to bind its queue');
    if (gone) throw new Error(`palisade live exited at start: ${live.err}`);
    return live;
  }

  /** Ctrl+C: resolves to its exit code once it printed the summary. */
  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return (await this.exited).code;
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Palisade's rules in the victim namespace, as the kernel lists them (nft shows iptables-nft's too). */
function palisadeRules(): string[] {
  const r = lab.exec(lab.victim, ['nft', 'list', 'ruleset']);
  return r.stdout.split('\n').filter((l) => /palisade/i.test(l));
}

describe('NFQUEUE inline: palisade nfqueue + palisade live in namespaces', { timeout: 240_000 }, () => {
  before(async () => {
    requireRoot('the NFQUEUE inline test');
    requireTools('ip', 'nft', 'iptables', 'ip6tables', 'sqlmap', 'setpriv');
    if (!existsSync(nativePath())) throw new Error(`the kernel addon is not built (${nativePath()} missing): run make build`);
    dir = mkdtempSync(path.join(tmpdir(), 'pal-nfq-'));
    lab = new Lab('pal-nfq-');
    attacker = lab.addPeer('att');
    const argv = Lab.inNs(lab.victim, [process.execPath, path.join(HERE, 'support', 'http-echo.js'), String(PORT)]);
    server = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    server.stdout!.on('data', (b: Buffer) => (serverOut += b.toString()));
    await until(() => serverOut.includes('listening'), 10_000, 'the HTTP server in the victim namespace');
  });

  after(() => {
    for (const c of children) c.kill('SIGKILL');
    server?.kill('SIGKILL');
    lab?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('enable adds the queue rule in a table/chain of its own, idempotently, and status names the queue', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await palisade(['nfqueue', 'enable', '--queue', String(QUEUE)]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`enabled: queue ${QUEUE}, fail-open`));
    }
    const s = await palisade(['nfqueue', 'status', '-o', 'json']);
    const st = JSON.parse(s.stdout) as { enabled: boolean; queue: number; failOpen: boolean; hooks: string[] };
    assert.deepEqual([st.enabled, st.queue, st.failOpen, st.hooks], [true, QUEUE, true, ['input']]);
    // Twice enabled, one rule: exactly one queue rule per family in Palisade's chain.
    const queueRules = lab.exec(lab.victim, ['nft', 'list', 'ruleset']).stdout.split('\n').filter((l) => new RegExp(`queue (num|flags bypass to) ${QUEUE}`).test(l));
    assert.ok(queueRules.length === 1 || queueRules.length === 2, `one queue rule per family, got:\n${queueRules.join('\n')}`);
  });

  it('the nftables definition parses (nft -c), or fails only for want of the kernel queue expression', async () => {
    const { nftEnableScript } = await import('../src/sources/nfqueue/queue-rules.js');
    const script = nftEnableScript({ table: 'palisade_nfq_check', queue: QUEUE, failOpen: true, forward: true });
    const r = lab.exec(lab.victim, ['nft', '-c', '-f', '-'], { input: script, allowFail: true });
    if (r.status !== 0) assert.match(r.stderr, /Could not process rule: (No such file or directory|Operation not supported)[\s\S]*queue/, r.stderr);
  });

  let live: Live;

  it('a benign GET passes; an SQL injection request packet is dropped after the handshake; live prints the alert', async () => {
    live = await Live.start();
    const ok = await get('/?id=1', 5_000);
    assert.deepEqual([ok.connected, ok.status], [true, 200], `benign GET: ${JSON.stringify(ok)}`);
    assert.match(serverOut, /request \/\?id=1\n/);

    const bad = await get(SQLI_PATH, 2_000);
    assert.equal(bad.connected, true, 'the TCP handshake itself is not touched');
    assert.equal(bad.status, null, `the injection got an answer: ${JSON.stringify(bad)}`);
    assert.ok(!serverOut.includes('%27'), `the server saw the injection:\n${serverOut}`);
    await until(() => /SIGNATURE: http-sqli .*action=would-block/.test(live.out), 10_000, 'the http-sqli alert line');

    // The same over IPv6 (ip6tables / inet table).
    const ok6 = await get('/?id=v6', 5_000, attacker.victimV6);
    assert.deepEqual([ok6.connected, ok6.status], [true, 200], `benign GET over IPv6: ${JSON.stringify(ok6)}`);
    const bad6 = await get(SQLI_PATH.replace('id=1', 'id=6'), 2_000, attacker.victimV6);
    assert.deepEqual([bad6.connected, bad6.status], [true, null], `injection over IPv6: ${JSON.stringify(bad6)}`);
    await until(() => live.out.includes(`-> ${attacker.victimV6} dport=${PORT}`), 10_000, 'the IPv6 alert line');
  });

  it('sqlmap from the attacker namespace: its probes are dropped and it finds nothing injectable', async () => {
    const out = path.join(dir, 'sqlmap');
    const url = `http://${attacker.victimV4}:${PORT}/?id=1`;
    const r = await run(
      Lab.inNs(attacker.ns, ['sqlmap', '-u', url, '--batch', '--level', '1', '--technique=B', '--timeout', '3', '--retries', '0', '--threads', '1', '--output-dir', out]),
      150_000,
    );
    const text = r.stdout + r.stderr;
    assert.equal(r.signal, null, `sqlmap did not finish in time:\n${text.slice(-2000)}`);
    assert.match(text, /(does not seem to be|do not appear to be) injectable/, text.slice(-2000));
    assert.doesNotMatch(text, /appears to be '.*' injectable|is vulnerable/, text.slice(-2000));

    assert.equal(await live.interrupt(), 0, live.err);
    const drops = /verdict drops\s+([\d,]+)/.exec(live.out);
    assert.ok(drops && Number(drops[1].replace(/,/g, '')) > 1, `verdict drops in the summary:\n${live.out}`);
    assert.match(live.out, /^\s+http-sqli\s+\d/m, 'alerts by rule in the summary');
    assert.match(live.out, /Palisade live on NFQUEUE queue 7 \(fail-open\)/);
  });

  it('a second reader and a reader without CAP_NET_ADMIN get one clear line naming the queue', async () => {
    const first = await Live.start();
    try {
      const second = await palisade(['live', '--queue', String(QUEUE)]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`^palisade: NFQUEUE queue ${QUEUE} is already taken by another program`));
      assert.doesNotMatch(second.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await first.interrupt();
    }
    const noCap = await run(Lab.inNs(lab.victim, ['setpriv', '--bounding-set=-all', '--inh-caps=-all', process.execPath, PALISADE_BIN, 'live', '--queue', String(QUEUE)]), 20_000);
    assert.equal(noCap.code, 1);
    assert.equal(noCap.stderr, `palisade: NFQUEUE queue ${QUEUE}: binding needs root (CAP_NET_ADMIN)\n`);
  });

  it('after SIGKILL of live, traffic still flows (fail-open via bypass)', async () => {
    const l = await Live.start();
    assert.equal((await get('/?id=2', 5_000)).status, 200);
    await l.kill9();
    const after = await get('/?id=3', 5_000);
    assert.deepEqual([after.connected, after.status], [true, 200], `after SIGKILL: ${JSON.stringify(after)}`);
  });

  it('the daemon with --queue: the injection packet is dropped inline and its source is decided for blocking', async () => {
    const state = path.join(dir, 'daemon');
    const argv = Lab.inNs(lab.victim, [process.execPath, PALISADE_BIN, 'run', '--queue', String(QUEUE), '--state-dir', state, '--no-journald', '--auth-log', path.join(dir, 'no-auth.log')]);
    const env = { ...process.env };
    delete env.SSH_CLIENT;
    delete env.SSH_CONNECTION;
    const daemon = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env });
    children.add(daemon);
    let err = '';
    daemon.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    try {
      const status = async (): Promise<{ row: { packet_source: string } } | null> => {
        const r = await palisade(['status', '--state-dir', state, '-o', 'json']);
        return r.code === 0 ? JSON.parse(r.stdout) : null;
      };
      let st: { row: { packet_source: string } } | null = null;
      await until(async () => (st = await status()) !== null, 20_000, `the daemon to answer (stderr: ${err.slice(-500)})`);
      assert.match(st!.row.packet_source, new RegExp(`NFQUEUE queue ${QUEUE} \\(fail-open\\)`));
      assert.equal((await get('/?id=d1', 5_000)).status, 200, 'benign GET through the daemon');
      const bad = await get(SQLI_PATH.replace('id=1', 'id=d2'), 2_000);
      assert.deepEqual([bad.connected, bad.status], [true, null], `the injection through the daemon: ${JSON.stringify(bad)}`);
      let blocked: { target: string; rule: string }[] = [];
      await until(async () => {
        const r = await palisade(['blacklist', '--state-dir', state, '-o', 'json']);
        blocked = r.code === 0 ? JSON.parse(r.stdout) : [];
        return blocked.some((b) => b.target === attacker.v4);
      }, 10_000, 'the attacker in the daemon\'s blacklist');
      assert.equal(blocked.find((b) => b.target === attacker.v4)!.rule, 'http-sqli');
    } finally {
      daemon.kill('SIGTERM');
      await new Promise((r) => (daemon.exitCode !== null ? r(null) : daemon.once('exit', r)));
    }
  });

  it('fail-closed: after SIGKILL of live, traffic stops', async () => {
    const en = await palisade(['nfqueue', 'enable', '--queue', String(QUEUE), '--fail-closed']);
    assert.equal(en.code, 0, en.stderr);
    assert.match(en.stdout, new RegExp(`enabled: queue ${QUEUE}, fail-closed`));
    const l = await Live.start(['--fail-closed']);
    assert.match(l.err, /fail-closed/);
    assert.equal((await get('/?id=4', 5_000)).status, 200);
    await l.kill9();
    const after = await get('/?id=5', 2_000);
    assert.deepEqual([after.connected, after.status], [false, null], `fail-closed after SIGKILL: ${JSON.stringify(after)}`);
  });

  it('disable removes only Palisade\'s rules; traffic flows again', async () => {
    const d = await palisade(['nfqueue', 'disable']);
    assert.equal(d.code, 0, d.stderr);
    assert.deepEqual(palisadeRules(), []);
    const st = await palisade(['nfqueue', 'status']);
    assert.match(st.stdout, /not enabled/);
    const again = await palisade(['nfqueue', 'disable']);
    assert.match(again.stdout, /nothing to remove/);
    assert.equal((await get('/?id=6', 5_000)).status, 200);
  });
});
