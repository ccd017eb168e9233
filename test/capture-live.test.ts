// `palisade monitor` with libpcap against real attack tools. A victim namespace bridges two peers
// (an attacker namespace with three source addresses, a benign namespace); the monitor runs as a
// child inside the victim on the bridge, and the attacks come from the attacker namespace: nmap
// SYN scan, hping3 SYN flood, hping3 ICMP flood. Each must be reported naming its source; the benign
// peer's single connects must not be.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig } from '../src/config/defaults.js';
import { PALISADE_BIN } from './support/paths.js';
import { requireRoot, requireTools, run } from './support/ns.js';
import { waitFor } from './support/wait.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TAG = `pal-cap${process.pid % 100000}`;
const NS = { victim: `${TAG}-v`, atk: `${TAG}-a`, ben: `${TAG}-b` };
const NET = `10.${200 + (process.pid % 50)}.77`;
const IP = {
  victim: `${NET}.1`,
  /** Three attacker addresses, one per attack, so each detection's source is unambiguous. */
  scan: `${NET}.2`,
  synflood: `${NET}.3`,
  icmpflood: `${NET}.4`,
  benign: `${NET}.9`,
};
const BRIDGE = 'palbr0';
const LISTEN_PORT = 8080;

function ns(name: string, argv: string[], allowFail = false): { status: number; stdout: string; stderr: string } {
  return run('ip', ['netns', 'exec', name, ...argv], { allowFail });
}

function setUp(): void {
  for (const n of Object.values(NS)) run('ip', ['netns', 'add', n]);
  for (const n of Object.values(NS)) ns(n, ['ip', 'link', 'set', 'lo', 'up']);
  ns(NS.victim, ['ip', 'link', 'add', BRIDGE, 'type', 'bridge']);
  for (const [peer, end] of [[NS.atk, 'a'], [NS.ben, 'b']] as const) {
    const vEnd = `${TAG}v${end}`.slice(0, 15);
    run('ip', ['link', 'add', vEnd, 'netns', NS.victim, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', peer]);
    ns(NS.victim, ['ip', 'link', 'set', vEnd, 'master', BRIDGE]);
    ns(NS.victim, ['ip', 'link', 'set', vEnd, 'up']);
    ns(peer, ['ip', 'link', 'set', 'eth0', 'up']);
  }
  ns(NS.victim, ['ip', 'addr', 'add', `${IP.victim}/24`, 'dev', BRIDGE]);
  ns(NS.victim, ['ip', 'link', 'set', BRIDGE, 'up']);
  for (const a of [IP.scan, IP.synflood, IP.icmpflood]) ns(NS.atk, ['ip', 'addr', 'add', `${a}/24`, 'dev', 'eth0']);
  ns(NS.ben, ['ip', 'addr', 'add', `${IP.benign}/24`, 'dev', 'eth0']);
}

function tearDown(): void {
  for (const n of Object.values(NS)) run('ip', ['netns', 'del', n], { allowFail: true });
}

/** `palisade monitor` running inside the victim namespace; stdout JSON lines collected. */
class Monitor {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn('ip', ['netns', 'exec', NS.victim, process.execPath, PALISADE_BIN, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  alerts(rule: string, src?: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.rule_id === rule && (src === undefined || l.src === src));
  }

  summary(): Record<string, unknown> | undefined {
    return this.lines.find((l) => 'summary' in l)?.summary as Record<string, unknown> | undefined;
  }
}

function connect(nsName: string, from: string, to: string, port: number): boolean {
  const r = ns(nsName, [process.execPath, path.join(HERE, 'support', 'tcp-probe.js'), JSON.stringify({ tries: [{ from, to, port }], timeoutMs: 3000 })]);
  return (JSON.parse(r.stdout) as boolean[])[0];
}

describe('palisade monitor: live libpcap capture against real attack tools', { concurrency: false, timeout: 180_000 }, () => {
  let monitor: Monitor | null = null;
  let listener: ChildProcess | null = null;

  before(async () => {
    requireRoot('the live capture test');
    requireTools('ip', 'nmap', 'hping3', 'timeout');
    tearDown(); // leftovers of an earlier run with the same pid
    setUp();
    listener = spawn('ip', ['netns', 'exec', NS.victim, process.execPath, path.join(HERE, 'support', 'tcp-listen.js'), String(LISTEN_PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      listener!.stdout!.once('data', () => resolve());
      listener!.once('exit', (c) => reject(new Error(`listener exited ${c}`)));
    });
  });

  after(() => {
    for (const c of [monitor?.child, listener]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    tearDown();
  });

  it('an unknown interface or a bad filter is one clear error line', () => {
    const a = spawnSync('ip', ['netns', 'exec', NS.victim, process.execPath, PALISADE_BIN, 'monitor', '-i', 'nosuch0', '--capture', 'pcap'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(a.status, 1);
    assert.equal(a.stderr, "palisade: unknown interface 'nosuch0': no such network device here (see ip link)\n");
    const b = spawnSync('ip', ['netns', 'exec', NS.victim, process.execPath, PALISADE_BIN, 'monitor', '-i', BRIDGE, '--filter', 'tcp port', '-c', '1'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(b.status, 1);
    assert.match(b.stderr, new RegExp(`^palisade: pcap ${BRIDGE}: filter 'tcp port': .+\\n$`));
    assert.equal(b.stderr.split('\n').length, 2, 'one line');
  });

  it('starts on the victim\'s interface and says how it captures', async () => {
    monitor = new Monitor(['-i', BRIDGE, '--capture', 'pcap', '-o', 'json']);
    await waitFor('the monitor to start', () => monitor!.stderr.includes(`monitoring ${BRIDGE} with libpcap`) || monitor!.child.exitCode !== null);
    assert.equal(monitor.child.exitCode, null, `monitor exited: ${monitor.stderr}`);
  });

  it('a benign peer\'s single connects raise nothing', async () => {
    assert.equal(connect(NS.ben, IP.benign, IP.victim, LISTEN_PORT), true);
    assert.equal(connect(NS.ben, IP.benign, IP.victim, 81), false);
  });

  it('nmap -sS -p 1-1000 -T4: port-scan naming the scanner', async () => {
    const r = ns(NS.atk, ['timeout', '120', 'nmap', '-n', '-Pn', '-sS', '-p', '1-1000', '-T4', '-S', IP.scan, '-e', 'eth0', IP.victim], true);
    assert.match(r.stdout, /Nmap done: 1 IP address \(1 host up\)/, r.stdout + r.stderr);
    const a = await waitFor('port-scan', () => monitor!.alerts('port-scan', IP.scan)[0]);
    assert.equal(a.dst, IP.victim);
    assert.equal(a.action, 'would-block');
    assert.ok((a.evidence as { distinct_ports: number }).distinct_ports >= defaultConfig().detect.port_scan.threshold);
  });

  it('hping3 -S --flood -p 80 for 3 s: syn-flood naming the flooder', async () => {
    ns(NS.atk, ['timeout', '3', 'hping3', '-q', '-S', '--flood', '-p', '80', '-a', IP.synflood, IP.victim], true);
    const a = await waitFor('syn-flood', () => monitor!.alerts('syn-flood', IP.synflood)[0]);
    assert.equal(a.dst, IP.victim);
    assert.equal(a.dport, 80);
    assert.ok((a.evidence as { half_open: number }).half_open >= defaultConfig().detect.syn_flood.threshold);
  });

  it('hping3 --icmp --flood for 3 s: icmp-flood naming the flooder', async () => {
    ns(NS.atk, ['timeout', '3', 'hping3', '-q', '--icmp', '--flood', '-a', IP.icmpflood, IP.victim], true);
    const a = await waitFor('icmp-flood', () => monitor!.alerts('icmp-flood', IP.icmpflood)[0]);
    assert.equal(a.dst, IP.victim);
    assert.equal(a.proto, 'icmp');
  });

  it('SIGTERM: a summary with the packets seen and the attackers, none of them the benign peer', async () => {
    assert.deepEqual(monitor!.lines.filter((l) => l.src === IP.benign), [], 'no alert names the benign peer');
    monitor!.child.kill('SIGTERM');
    const code = await monitor!.exited;
    assert.equal(code, 0, monitor!.stderr);
    const s = monitor!.summary();
    assert.ok(s, 'the last line is the summary');
    assert.ok((s.packets as number) > 1000, `packets ${s.packets}`);
    // Packet times are the capture's own (nanosecond) timestamps: within this test's run.
    const first = Date.parse(s.first_ts as string);
    assert.ok(first > Date.now() - 300_000 && first <= Date.parse(s.last_ts as string) && Date.parse(s.last_ts as string) <= Date.now(), `${s.first_ts} .. ${s.last_ts}`);
    const capture = s.capture as { interface: string; method: string; stopped_by: string };
    assert.deepEqual([capture.interface, capture.method, capture.stopped_by], [BRIDGE, 'pcap', 'signal']);
    const sources = (s.sources as { ip: string; rules: string[] }[]).map((x) => x.ip);
    for (const ip of [IP.scan, IP.synflood, IP.icmpflood]) assert.ok(sources.includes(ip), `${ip} in the summary's sources`);
    assert.ok(!sources.includes(IP.benign));
    const byRule = s.by_rule as Record<string, number>;
    for (const r of ['port-scan', 'syn-flood', 'icmp-flood']) assert.ok(byRule[r] >= 1, `${r} counted`);
  });

  it('-c COUNT: stops by itself after COUNT packets with a summary', async () => {
    const m = new Monitor(['-i', BRIDGE, '-o', 'json', '-c', '20', '--filter', 'tcp']);
    monitor = m;
    await waitFor('the monitor to start', () => m.stderr.includes('monitoring') || m.child.exitCode !== null);
    // --capture auto: the XDP ring buffer when it works here, else libpcap, saying why.
    if (!m.stderr.includes('with the XDP ring buffer')) assert.match(m.stderr, /XDP unavailable \(.+\): using libpcap\n/);
    for (let i = 0; i < 10 && m.child.exitCode === null; i++) connect(NS.ben, IP.benign, IP.victim, LISTEN_PORT);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([m.exited, new Promise((r) => (timer = setTimeout(() => r('timeout'), 30_000)))]);
    clearTimeout(timer);
    assert.equal(code, 0, m.stderr);
    const s = m.summary()!;
    assert.equal(s.packets, 20);
    assert.equal((s.capture as { stopped_by: string }).stopped_by, 'count');
  });

  it('the interface removed under it: the summary, then one line saying why capture stopped, exit 1', async () => {
    const m = new Monitor(['-i', BRIDGE, '--capture', 'pcap', '-o', 'json']);
    monitor = m;
    await waitFor('the monitor to start', () => m.stderr.includes('monitoring') || m.child.exitCode !== null);
    connect(NS.ben, IP.benign, IP.victim, LISTEN_PORT);
    ns(NS.victim, ['ip', 'link', 'del', BRIDGE]);
    const code = await m.exited;
    assert.equal(code, 1);
    assert.match(m.stderr, new RegExp(`\\npalisade: capture on ${BRIDGE} stopped: pcap ${BRIDGE}: .+\\n$`));
    assert.equal((m.summary()!.capture as { stopped_by: string }).stopped_by, 'problem');
  });
});
