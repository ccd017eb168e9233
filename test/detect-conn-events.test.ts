// The connection-event decoder and detector on crafted records: record bytes as the kernel writes
// them, windows in event time, one alert per episode, bounded per-remote state.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CONN_EVENT_LAYOUT as L, decodeConnEvent, KtimeClock, type ConnEvent, type ConnKind } from '../src/decode/conn-event.js';
import type { Detection } from '../src/detect/detection.js';
import { ConnEventDetector, defaultConnEventSettings, TCP_HALF_OPEN, TCP_RESET_SCAN, TCP_RESET_STORM } from '../src/detect/conn-events.js';

const KINDS: Record<ConnKind, number> = { outbound: 1, accepted: 2, 'half-open': 3, 'half-open-reset': 4, 'reset-received': 5, 'reset-sent': 6, failed: 7 };

function record(f: { kind: number; family: number; laddr: number[]; raddr: number[]; lport: number; rport: number; netns?: number; old?: number; neu?: number; reason?: number; ktime?: bigint; protocol?: number }): Buffer {
  const b = Buffer.alloc(L.size);
  b.writeBigUInt64LE(f.ktime ?? 5_000_000_000n, L.ktime_ns);
  b.writeUInt32LE(f.netns ?? 4026531840, L.netns);
  b.writeUInt16LE(f.family, L.family);
  b[L.protocol] = f.protocol ?? 6;
  b[L.kind] = f.kind;
  b[L.oldstate] = f.old ?? 0;
  b[L.newstate] = f.neu ?? 0;
  b[L.reason] = f.reason ?? 0;
  b.writeUInt16LE(f.lport, L.lport);
  b.writeUInt16LE(f.rport, L.rport);
  b.set(f.laddr, L.laddr);
  b.set(f.raddr, L.raddr);
  return b;
}

const mapped = (a: number[]) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...a];

function ev(kind: ConnKind, ts: number, remote: string, lport: number, over: Partial<ConnEvent> = {}): ConnEvent {
  return { kind, ts, netns: 1, family: 4, local: '192.0.2.1', lport, remote, rport: 40000, oldState: '', newState: '', reason: 0, ...over };
}

describe('decodeConnEvent', () => {
  const clock = new KtimeClock();

  it('IPv4 accepted connection with states and ports', () => {
    const e = decodeConnEvent(record({ kind: 2, family: 2, laddr: [192, 0, 2, 1], raddr: [198, 51, 100, 7], lport: 443, rport: 51000, old: 3, neu: 1, netns: 77 }), 0, L.size, clock)!;
    assert.deepEqual({ ...e, ts: 0 }, { kind: 'accepted', ts: 0, netns: 77, family: 4, local: '192.0.2.1', lport: 443, remote: '198.51.100.7', rport: 51000, oldState: 'SYN_RECV', newState: 'ESTABLISHED', reason: 0 });
    // Monotonic 5 s after boot, mapped onto the epoch: in the past, not in 1970.
    assert.ok(e.ts > 1.7e9 && e.ts < Date.now() / 1000);
  });

  it('a dual-stack listener\'s IPv4-mapped addresses become IPv4; real IPv6 stays IPv6', () => {
    const m = decodeConnEvent(record({ kind: 4, family: 10, laddr: mapped([10, 0, 0, 1]), raddr: mapped([10, 0, 0, 2]), lport: 80, rport: 1234 }), 0, L.size, clock)!;
    assert.deepEqual([m.family, m.local, m.remote, m.kind], [4, '10.0.0.1', '10.0.0.2', 'half-open-reset']);
    const v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9];
    const six = decodeConnEvent(record({ kind: 6, family: 10, laddr: mapped([10, 0, 0, 1]), raddr: v6, lport: 22, rport: 5, reason: 1 }), 0, L.size, clock)!;
    assert.deepEqual([six.family, six.remote, six.reason, six.kind], [6, '2001:db8::9', 1, 'reset-sent']);
  });

  it('unknown kinds, families, protocols and short records are not events', () => {
    const base = { family: 2, laddr: [1, 1, 1, 1], raddr: [2, 2, 2, 2], lport: 1, rport: 2 };
    assert.equal(decodeConnEvent(record({ ...base, kind: 99 }), 0, L.size, clock), null);
    assert.equal(decodeConnEvent(record({ ...base, kind: 1, family: 1 }), 0, L.size, clock), null);
    assert.equal(decodeConnEvent(record({ ...base, kind: 1, protocol: 132 }), 0, L.size, clock), null);
    assert.equal(decodeConnEvent(record({ ...base, kind: 1 }), 0, L.size - 1, clock), null);
    assert.equal(Object.keys(KINDS).length, 7);
  });
});

describe('ConnEventDetector', () => {
  const A = '203.0.113.5';

  it('tcp-half-open: fires at the threshold within the window, once per episode', () => {
    const out: Detection[] = [];
    const d = new ConnEventDetector(defaultConnEventSettings(), (x) => out.push(x));
    for (let i = 0; i < 19; i++) d.onEvent(ev('half-open-reset', 1000 + i * 0.1, A, 80));
    assert.equal(out.length, 0);
    d.onEvent(ev('half-open', 1002, A, 80));
    assert.equal(out.length, 1);
    assert.deepEqual([out[0].ruleId, out[0].src, out[0].dst, out[0].dport, out[0].action, out[0].evidence.half_open], [TCP_HALF_OPEN, A, '192.0.2.1', 80, 'would-block', 20]);
    for (let i = 0; i < 50; i++) d.onEvent(ev('half-open', 1003 + i * 0.1, A, 80));
    assert.equal(out.length, 1, 'the same episode');
    // After the cooldown of quiet, a new episode.
    for (let i = 0; i < 20; i++) d.onEvent(ev('half-open', 1200 + i * 0.1, A, 80));
    assert.equal(out.length, 2);
  });

  it('tcp-half-open: a slow trickle under the rate is not an alert (event time, not arrival)', () => {
    const out: Detection[] = [];
    const d = new ConnEventDetector(defaultConnEventSettings(), (x) => out.push(x));
    for (let i = 0; i < 200; i++) d.onEvent(ev('half-open', 1000 + i * 2, A, 80)); // one per 2 s
    assert.equal(out.length, 0);
  });

  it('tcp-reset-scan: distinct ports refused (no socket) or left half-open; other RSTs do not count', () => {
    const out: Detection[] = [];
    const d = new ConnEventDetector(defaultConnEventSettings(), (x) => out.push(x));
    for (let p = 1; p <= 30; p++) d.onEvent(ev('reset-sent', 1000 + p * 0.01, A, p, { reason: 2 })); // not NO_SOCKET
    for (let p = 1; p <= 10; p++) d.onEvent(ev('reset-sent', 1001, A, 22, { reason: 1 })); // one port, ten times
    assert.equal(out.length, 0);
    for (let p = 100; p < 118; p++) d.onEvent(ev('reset-sent', 1002, A, p, { reason: 1 }));
    d.onEvent(ev('half-open-reset', 1003, A, 443));
    assert.equal(out.length, 1);
    assert.equal(out[0].ruleId, TCP_RESET_SCAN);
    assert.equal(out[0].evidence.distinct_ports, 20);
    assert.deepEqual((out[0].evidence.recent_ports as number[]).slice(-2), [117, 443]);
  });

  it('tcp-reset-storm: RSTs received on connections, not the refusals of our own connects; alert only', () => {
    const out: Detection[] = [];
    const d = new ConnEventDetector(defaultConnEventSettings(), (x) => out.push(x));
    for (let i = 0; i < 150; i++) d.onEvent(ev('reset-received', 1000 + i * 0.01, A, 5000 + i, { oldState: 'SYN_SENT' }));
    assert.equal(out.length, 0);
    for (let i = 0; i < 100; i++) d.onEvent(ev('reset-received', 1002 + i * 0.01, A, 5000 + i, { oldState: 'ESTABLISHED' }));
    assert.equal(out.length, 1);
    assert.deepEqual([out[0].ruleId, out[0].action, out[0].severity], [TCP_RESET_STORM, 'alert', 'medium']);
  });

  it('bounded: past max_sources the least recently seen remote is evicted and counted', () => {
    const out: Detection[] = [];
    const s = { ...defaultConnEventSettings(), max_sources: 3 };
    const d = new ConnEventDetector(s, (x) => out.push(x));
    for (let i = 0; i < 1000; i++) d.onEvent(ev('half-open', 1000 + i * 0.001, `198.51.100.${i % 250}`, 80));
    const c = d.counters();
    assert.equal(c.remotes_tracked, 3);
    assert.equal(c.remote_evictions, 997);
    assert.equal(c.events, 1000);
    assert.deepEqual(out, [], 'spread over many remotes, none reaches the threshold');
  });

  it('the namespace filter keeps only its namespace\'s events', () => {
    const out: Detection[] = [];
    const d = new ConnEventDetector(defaultConnEventSettings(), (x) => out.push(x), { netns: 5 });
    for (let i = 0; i < 30; i++) d.onEvent(ev('half-open', 1000 + i * 0.01, A, 80, { netns: 6 }));
    assert.equal(out.length, 0);
    assert.equal(d.counters().other_netns, 30);
    for (let i = 0; i < 20; i++) d.onEvent(ev('half-open', 1000 + i * 0.01, A, 80, { netns: 5 }));
    assert.equal(out.length, 1);
    assert.equal(out[0].evidence.netns, 5);
  });
});
