// sock_trace against real TCP stacks: a victim namespace with listeners, an attacker and a benign
// peer joined by veth pairs. The tracepoint program runs in the kernel (global tracepoints), the
// source filters to the victim's namespace, and the detector turns the events into detections.
// Traffic: real connects (node), hping3 SYNs (answered with RST by the attacker's kernel, or from a
// spoofed address that never answers) and hping3 probes of closed ports.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONN_EVENT_LAYOUT, type ConnEvent } from '../src/decode/conn-event.js';
import type { Detection } from '../src/detect/detection.js';
import { ConnEventDetector, defaultConnEventSettings, TCP_HALF_OPEN, TCP_RESET_SCAN } from '../src/detect/conn-events.js';
import { bpfObjectPath } from '../src/kernel/paths.js';
import { netnsInode, SockTraceSource } from '../src/sources/sock-trace/sock-trace-source.js';
import { Lab, type Peer } from './support/netns.js';
import { requireRoot, requireTools } from './support/ns.js';
import { startTcpListener, tcpConnects } from './support/ns-tcp.js';
import { waitFor } from './support/wait.js';
import { ensureBpffs, ensureTracefs } from '../src/kernel/kernel-fs.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LISTEN_PORT = 8080;
const PEER_PORT = 9090;

function mountKernelFs(): void {
  // The same mounting the daemon does (src/kernel/kernel-fs.ts); a failure is the test's failure.
  for (const why of [ensureTracefs(), ensureBpffs()]) if (why) throw new Error(why);
}

/** A real client connect from a namespace (completes the handshake, then closes); true = connected. */
function connect(lab: Lab, ns: string, from: string, to: string, port: number): boolean {
  return tcpConnects(ns, from, to, port, 3000);
}

function hping(lab: Lab, ns: string, args: string[]): void {
  // Bounded: hping3 stops after -c packets; timeout guards against a stuck run.
  lab.exec(ns, ['timeout', '30', 'hping3', '-q', ...args], { allowFail: true });
}

describe('sock_trace: connection events from tracepoints', { concurrency: false, timeout: 120_000 }, () => {
  let lab: Lab;
  let atk: Peer;
  let ben: Peer;
  let victimNs = 0;
  const children: ChildProcess[] = [];
  const events: ConnEvent[] = [];
  const detections: Detection[] = [];
  let source: SockTraceSource | null = null;
  let detector: ConnEventDetector;

  before(async () => {
    requireRoot('the sock_trace test');
    requireTools('ip', 'hping3', 'bpftool', 'timeout', 'mountpoint');
    if (!existsSync(bpfObjectPath('sock_trace'))) throw new Error(`${bpfObjectPath('sock_trace')} is missing: run make (the tracepoint program must be built)`);
    mountKernelFs();
    lab = new Lab('pal-st');
    atk = lab.addPeer('atk');
    ben = lab.addPeer('ben');
    victimNs = netnsInode(lab.victim);
    children.push(await startTcpListener(lab.victim, LISTEN_PORT));
    children.push(await startTcpListener(atk.ns, PEER_PORT));
    detector = new ConnEventDetector(defaultConnEventSettings(), (d) => detections.push(d));
    source = new SockTraceSource((e) => {
      events.push(e);
      detector.onEvent(e);
    }, { netns: victimNs });
    source.start();
  });

  after(async () => {
    await source?.stop();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    lab?.dispose();
  });

  it('the TypeScript record layout matches struct pal_conn_event in the compiled object', () => {
    const btf = execFileSync('bpftool', ['btf', 'dump', 'file', bpfObjectPath('sock_trace')], { encoding: 'utf8' });
    const m = /STRUCT 'pal_conn_event' size=(\d+) vlen=\d+\n((?:\t.*\n)+)/.exec(btf);
    assert.ok(m, 'struct pal_conn_event is in the object\'s BTF');
    assert.equal(Number(m[1]), CONN_EVENT_LAYOUT.size);
    const fields = [...m[2].matchAll(/'(\w+)' type_id=\d+ bits_offset=(\d+)/g)].filter((f) => f[1] !== 'pad0');
    const layout = CONN_EVENT_LAYOUT as unknown as Record<string, number>;
    assert.deepEqual(Object.fromEntries(fields.map((f) => [f[1], Number(f[2]) / 8])), Object.fromEntries(Object.entries(layout).filter(([k]) => k !== 'size')));
  });

  it('an accepted connection (IPv4 and IPv6, dual-stack listener): kind accepted, peer as the remote', async () => {
    assert.equal(connect(lab, atk.ns, atk.v4, atk.victimV4, LISTEN_PORT), true);
    const e = await waitFor('accepted v4', () => events.find((x) => x.kind === 'accepted' && x.remote === atk.v4));
    assert.deepEqual({ local: e.local, lport: e.lport, family: e.family, netns: e.netns, old: e.oldState, new: e.newState }, { local: atk.victimV4, lport: LISTEN_PORT, family: 4, netns: victimNs, old: 'SYN_RECV', new: 'ESTABLISHED' });
    assert.ok(Math.abs(e.ts - Date.now() / 1000) < 5, `event time ${e.ts} is now`);

    assert.equal(connect(lab, atk.ns, atk.v6, atk.victimV6, LISTEN_PORT), true);
    const e6 = await waitFor('accepted v6', () => events.find((x) => x.kind === 'accepted' && x.remote === atk.v6));
    assert.equal(e6.local, atk.victimV6);
    assert.equal(e6.family, 6);
  });

  it('an outbound connect from the victim: kind outbound; the peer namespace\'s own events are filtered out', async () => {
    assert.equal(connect(lab, lab.victim, atk.victimV4, atk.v4, PEER_PORT), true);
    const e = await waitFor('outbound', () => events.find((x) => x.kind === 'outbound' && x.remote === atk.v4));
    assert.equal(e.rport, PEER_PORT);
    assert.equal(e.local, atk.victimV4);
    // The attacker's listener accepted that connection in its own namespace: not delivered.
    assert.ok(!events.some((x) => x.netns !== victimNs), 'only the victim namespace\'s events arrive');
    assert.ok(!events.some((x) => x.kind === 'accepted' && x.local === atk.v4));
  });

  it('a refused connection: the victim sends a RST (no socket); the victim\'s own refused connect fails with a RST', async () => {
    assert.equal(connect(lab, atk.ns, atk.v4, atk.victimV4, 81), false);
    const rst = await waitFor('reset-sent', () => events.find((x) => x.kind === 'reset-sent' && x.remote === atk.v4 && x.lport === 81));
    assert.equal(rst.reason, 1, 'reason NO_SOCKET');
    assert.equal(connect(lab, lab.victim, atk.victimV4, atk.v4, 81), false);
    const got = await waitFor('reset-received + failed', () => {
      const r = events.find((x) => x.kind === 'reset-received' && x.remote === atk.v4 && x.rport === 81);
      const f = events.find((x) => x.kind === 'failed' && x.remote === atk.v4 && x.rport === 81);
      return r && f ? { r, f } : null;
    });
    assert.equal(got.r.oldState, 'SYN_SENT');
    assert.deepEqual([got.f.oldState, got.f.newState], ['SYN_SENT', 'CLOSE']);
  });

  it('hping3 SYNs to a listening port, reset by the attacker\'s kernel: half-open-reset events and tcp-half-open for the attacker', async () => {
    hping(lab, atk.ns, ['-S', '-p', String(LISTEN_PORT), '-c', '30', '-i', 'u20000', atk.victimV4]);
    const d = await waitFor('tcp-half-open for the attacker', () => detections.find((x) => x.ruleId === TCP_HALF_OPEN && x.src === atk.v4));
    assert.equal(d.dst, atk.victimV4);
    assert.equal(d.dport, LISTEN_PORT);
    assert.equal(d.action, 'would-block');
    assert.ok((d.evidence.half_open as number) >= 20);
    const n = events.filter((x) => x.kind === 'half-open-reset' && x.remote === atk.v4 && x.lport === LISTEN_PORT).length;
    assert.ok(n >= 20, `${n} half-open-reset events`);
  });

  it('SYNs from a spoofed address that never answers: half-open events (SYN-ACK retransmitted) and tcp-half-open for it', async () => {
    const spoofed = atk.v4.replace(/\.2$/, '.99');
    hping(lab, atk.ns, ['-a', spoofed, '-S', '-p', String(LISTEN_PORT), '-c', '25', '-i', 'u20000', atk.victimV4]);
    const d = await waitFor('tcp-half-open for the spoofed source', () => detections.find((x) => x.ruleId === TCP_HALF_OPEN && x.src === spoofed));
    assert.equal(d.evidence.last_kind, 'half-open');
    const ev = events.filter((x) => x.kind === 'half-open' && x.remote === spoofed);
    assert.ok(ev.length >= 20, `${ev.length} half-open events`);
    assert.equal(ev[0].oldState, 'NEW_SYN_RECV');
    // One event per handshake, not one per SYN-ACK retransmission.
    assert.equal(new Set(ev.map((x) => x.rport)).size, ev.length);
  });

  it('hping3 probing 30 closed ports: tcp-reset-scan for the attacker', async () => {
    hping(lab, atk.ns, ['-S', '-p', '++3000', '-c', '30', '-i', 'u20000', atk.victimV4]);
    const d = await waitFor('tcp-reset-scan', () => detections.find((x) => x.ruleId === TCP_RESET_SCAN && x.src === atk.v4));
    assert.ok((d.evidence.distinct_ports as number) >= 20);
  });

  it('a benign peer\'s single connects (one accepted, one refused) raise nothing', async () => {
    assert.equal(connect(lab, ben.ns, ben.v4, ben.victimV4, LISTEN_PORT), true);
    assert.equal(connect(lab, ben.ns, ben.v4, ben.victimV4, 81), false);
    await waitFor('benign events', () => events.some((x) => x.kind === 'accepted' && x.remote === ben.v4) && events.some((x) => x.kind === 'reset-sent' && x.remote === ben.v4));
    assert.deepEqual(detections.filter((d) => d.src === ben.v4), []);
    assert.deepEqual([...new Set(detections.map((d) => d.src))].sort(), [atk.v4, atk.v4.replace(/\.2$/, '.99')].sort());
  });

  it('status counts events; stop detaches every program', async () => {
    const st = source!.status();
    assert.equal(st.lost, 0);
    assert.equal(st.events, events.length);
    assert.deepEqual(st.attached, ['sock/inet_sock_set_state', 'tcp/tcp_retransmit_synack', 'tcp/tcp_receive_reset', 'tcp/tcp_send_reset', 'skb/kfree_skb']);
    const progs = () => execFileSync('bpftool', ['prog', 'show'], { encoding: 'utf8' });
    assert.match(progs(), /name sock_set_state/);
    await source!.stop();
    source = null;
    await waitFor('programs freed', () => !/name sock_set_state/.test(progs()), 10_000);
  });
});
