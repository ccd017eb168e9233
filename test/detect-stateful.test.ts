import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig } from '../src/config/defaults.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, TCP_ECE, TCP_CWR } from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import { DetectEngine } from '../src/detect/engine.js';
import type { DetectSettings } from '../src/detect/settings.js';
import { OfflinePolicy } from '../src/decide/offline-policy.js';
import { classifyFlags, STEALTH_NONE } from '../src/detect/stealth-scan.js';
import { echoRequest, ip, tcp, udp, v4 } from './support/packets.js';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

function engine(patch: (s: DetectSettings) => void = () => {}): { e: DetectEngine; out: Detection[] } {
  const s = defaultConfig().detect;
  patch(s);
  const out: Detection[] = [];
  return { e: new DetectEngine(s, (d) => out.push(d)), out };
}

const ids = (out: Detection[]): string[] => out.map((d) => d.ruleId);

describe('icmp-flood', () => {
  it('alerts once when a source exceeds the rate, with evidence', () => {
    const { e, out } = engine();
    for (let i = 0; i < 1000; i++) e.onPacket(echoRequest(T0 + i / 500, '198.51.100.7', '10.0.0.1')); // 500/s for 2 s
    assert.deepEqual(ids(out), ['icmp-flood']);
    const d = out[0];
    assert.equal(d.src, '198.51.100.7');
    assert.equal(d.dst, '10.0.0.1');
    assert.equal(d.action, 'would-block');
    assert.equal(d.severity, 'high');
    assert.equal(d.scope, 'source');
    assert.equal(d.proto, 'icmp');
    assert.ok((d.evidence.rate_pps as number) >= 100);
    assert.equal(d.evidence.threshold_pps, 100);
    assert.match(d.reason, /ICMP echo flood: \d+\/s from 198\.51\.100\.7/);
  });

  it('stays quiet for a normal ping (1/s) and just below the threshold', () => {
    const { e, out } = engine();
    for (let i = 0; i < 60; i++) e.onPacket(echoRequest(T0 + i, '10.0.0.5', '10.0.0.1'));
    for (let i = 0; i < 900; i++) e.onPacket(echoRequest(T0 + 100 + i / 90, '10.0.0.6', '10.0.0.1')); // 90/s
    assert.deepEqual(out, []);
  });

  it('alerts again only after the cooldown of quiet', () => {
    const { e, out } = engine((s) => (s.cooldown = 30));
    const burst = (start: number) => {
      for (let i = 0; i < 400; i++) e.onPacket(echoRequest(start + i / 400, '198.51.100.7', '10.0.0.1'));
    };
    burst(T0);
    burst(T0 + 10); // within cooldown: same episode
    burst(T0 + 100); // after 30 s of quiet: new episode
    assert.deepEqual(ids(out), ['icmp-flood', 'icmp-flood']);
    assert.ok(out[1].ts >= T0 + 100);
  });

  it('counts a new source\'s first packet once it comes back (doorkeeper credit)', () => {
    // Exactly the threshold: 100 requests within one second must alert, including the first.
    const { e, out } = engine();
    for (let i = 0; i < 100; i++) e.onPacket(echoRequest(T0 + i / 200, '198.51.100.8', '10.0.0.1'));
    assert.deepEqual(ids(out), ['icmp-flood']);
    assert.equal(out[0].evidence.count, 100);
  });

  it('uses the threshold from the settings', () => {
    const { e, out } = engine((s) => (s.icmp_flood.threshold = 1000));
    for (let i = 0; i < 1000; i++) e.onPacket(echoRequest(T0 + i / 500, '198.51.100.7', '10.0.0.1'));
    assert.deepEqual(out, []);
  });
});

describe('udp-flood', () => {
  it('alerts on one source above the rate, not on a DNS server answering', () => {
    const { e, out } = engine();
    for (let i = 0; i < 5000; i++) e.onPacket(udp(T0 + i / 2500, '203.0.113.9', '10.0.0.1', 40000, 53));
    for (let i = 0; i < 500; i++) e.onPacket(udp(T0 + i / 100, '10.0.0.53', '10.0.0.20', 53, 30000 + i));
    assert.deepEqual(ids(out), ['udp-flood']);
    assert.equal(out[0].src, '203.0.113.9');
  });
});

describe('syn-flood (per source)', () => {
  it('alerts on many half-open connections to one port', () => {
    const { e, out } = engine();
    for (let i = 0; i < 500; i++) e.onPacket(tcp(T0 + i / 1000, '203.0.113.5', '10.0.0.1', 1024 + i, 80, TCP_SYN));
    assert.deepEqual(ids(out), ['syn-flood']);
    assert.equal(out[0].src, '203.0.113.5');
    assert.equal(out[0].dport, 80);
    assert.equal(out[0].scope, 'source');
    assert.ok((out[0].evidence.half_open as number) >= 100);
  });

  it('does not count completed handshakes (a busy but healthy client)', () => {
    const { e, out } = engine();
    for (let i = 0; i < 2000; i++) {
      const t = T0 + i / 1000;
      e.onPacket(tcp(t, '10.0.0.9', '10.0.0.1', 1024 + i, 80, TCP_SYN));
      e.onPacket(tcp(t + 0.0002, '10.0.0.9', '10.0.0.1', 1024 + i, 80, TCP_ACK));
    }
    assert.deepEqual(out, []);
  });

  it('does not count retransmitted SYNs of one connection', () => {
    const { e, out } = engine();
    for (let i = 0; i < 500; i++) e.onPacket(tcp(T0 + i / 100, '10.0.0.9', '10.0.0.1', 5555, 80, TCP_SYN));
    assert.deepEqual(out, []);
  });

  it('calls a SYN scan a port scan, not a SYN flood', () => {
    const { e, out } = engine();
    for (let i = 0; i < 1000; i++) e.onPacket(tcp(T0 + i / 1000, '203.0.113.10', '10.0.0.1', 40000, 1 + i, TCP_SYN));
    assert.deepEqual(ids(out), ['port-scan']);
  });
});

describe('syn-flood (spoofed, per destination)', () => {
  it('reports one alert naming the target, and proposes no source for blocking', () => {
    const { e, out } = engine();
    const policy = new OfflinePolicy(defaultConfig().policy);
    for (let i = 0; i < 20000; i++) {
      const src = ip((v4('100.64.0.0') + i * 7919) >>> 0);
      e.onPacket(tcp(T0 + i / 1600, src, '10.10.10.10', 1024 + (i % 60000), 25565, TCP_SYN));
    }
    assert.deepEqual(ids(out), ['syn-flood']);
    const d = out[0];
    assert.equal(d.scope, 'destination');
    assert.equal(d.src, null);
    assert.equal(d.dst, '10.10.10.10');
    assert.equal(d.dport, 25565);
    assert.equal(d.action, 'alert');
    assert.ok((d.evidence.distinct_sources as number) >= 100);
    assert.match(d.reason, /10\.10\.10\.10:25565/);
    for (const x of out) policy.onDetection(x);
    assert.deepEqual(policy.verdicts(), []);
  });

  it('gives no per-source state to sources that send a single SYN (spoofed floods)', () => {
    const { e, out } = engine();
    for (let i = 0; i < 50000; i++) e.onPacket(tcp(T0 + i / 5000, ip((v4('100.64.0.0') + i) >>> 0), '10.0.0.1', 1024, 80, TCP_SYN));
    const c = e.counters();
    // A few collide in the doorkeeper's bitmap and get a slot anyway (as every source would without it).
    assert.ok(c.sources_tracked < 50000 * 0.05, `tracked ${c.sources_tracked}`);
    assert.equal(c.sources_deferred + c.sources_tracked, 50000);
    assert.equal(c.source_evictions, 0);
    assert.deepEqual(ids(out), ['syn-flood'], 'the per-destination view still sees every SYN');
    assert.equal(out[0].scope, 'destination');
  });

  it('keeps per-source state bounded however many returning sources there are', () => {
    const { e } = engine((s) => (s.max_sources = 1000));
    for (let i = 0; i < 20000; i++) {
      const src = ip((v4('100.64.0.0') + i) >>> 0);
      e.onPacket(tcp(T0 + i / 5000, src, '10.0.0.1', 1024, 80, TCP_SYN));
      e.onPacket(tcp(T0 + i / 5000 + 0.0001, src, '10.0.0.1', 1025, 80, TCP_SYN)); // comes back: admitted
    }
    const c = e.counters();
    assert.equal(c.sources_tracked, 1000);
    assert.equal(c.source_evictions, 19000);
  });
});

describe('syn-flood (global)', () => {
  it('reports a flood over random destinations from random sources once', () => {
    const { e, out } = engine();
    let x = 12345;
    const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < 150; i++) e.onPacket(tcp(T0 + i * 0.0001, ip(rnd()), ip(rnd()), rnd() & 0xffff, rnd() & 0xffff, TCP_SYN));
    assert.deepEqual(ids(out), ['syn-flood']);
    assert.equal(out[0].scope, 'global');
    assert.equal(out[0].src, null);
  });
});

describe('port-scan', () => {
  it('alerts when a source probes more distinct ports than the threshold', () => {
    const { e, out } = engine();
    for (let i = 0; i < 25; i++) e.onPacket(tcp(T0 + i * 0.1, '10.100.25.14', '10.100.18.12', 40000 + i, 100 + i, TCP_SYN));
    assert.deepEqual(ids(out), ['port-scan']);
    assert.equal(out[0].evidence.distinct_ports, 20);
    assert.equal((out[0].evidence.ports as number[]).length, 12);
  });

  it('does not alert below the threshold or on repeated connections to a few ports', () => {
    const { e, out } = engine();
    for (let i = 0; i < 19; i++) e.onPacket(tcp(T0 + i, '10.0.0.2', '10.0.0.1', 40000 + i, 1000 + i, TCP_SYN));
    for (let i = 0; i < 300; i++) e.onPacket(tcp(T0 + i / 10, '10.0.0.3', '10.0.0.1', 40000 + i, [80, 443, 8080][i % 3], TCP_SYN));
    assert.deepEqual(out, []);
  });

  it('counts UDP probes from client ports but not service replies to many client ports', () => {
    const { e, out } = engine();
    for (let i = 0; i < 200; i++) e.onPacket(udp(T0 + i / 50, '10.0.0.53', '10.0.0.7', 53, 20000 + i));
    assert.equal(out.length, 0);
    for (let i = 0; i < 30; i++) e.onPacket(udp(T0 + 10 + i / 50, '203.0.113.44', '10.0.0.7', 51000, 1 + i));
    assert.deepEqual(ids(out), ['port-scan']);
    assert.match(out[0].reason, /UDP ports/);
  });

  it('forgets ports outside the window', () => {
    const { e, out } = engine((s) => (s.port_scan.window = 10));
    for (let i = 0; i < 60; i++) e.onPacket(tcp(T0 + i * 5, '10.0.0.2', '10.0.0.1', 40000 + i, 1000 + i, TCP_SYN)); // 2-4 ports per window
    assert.deepEqual(out, []);
  });
});

describe('stealth scans', () => {
  it('classifies flag sets', () => {
    const cases: [number, string][] = [
      [0, 'tcp-null-scan'],
      [TCP_FIN, 'tcp-fin-scan'],
      [TCP_FIN | TCP_PSH | TCP_URG, 'tcp-xmas-scan'],
      [TCP_SYN | TCP_FIN, 'tcp-invalid-flags'],
      [TCP_SYN | TCP_RST, 'tcp-invalid-flags'],
      [TCP_FIN | TCP_RST, 'tcp-invalid-flags'],
      [TCP_PSH, 'tcp-invalid-flags'],
      [TCP_URG | TCP_FIN, 'tcp-invalid-flags'],
      [TCP_SYN | TCP_FIN | TCP_PSH | TCP_URG, 'tcp-invalid-flags'],
    ];
    for (const [flags, rule] of cases) {
      const { e, out } = engine();
      e.onPacket(tcp(T0, '192.0.2.66', '10.0.0.1', 40000, 3391, flags));
      assert.deepEqual(ids(out), [rule], `flags 0x${flags.toString(16)}`);
      assert.equal(out[0].action, 'would-block');
    }
  });

  it('leaves every flag set of a real connection alone', () => {
    for (const flags of [TCP_SYN, TCP_SYN | TCP_ACK, TCP_ACK, TCP_ACK | TCP_PSH, TCP_FIN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_SYN | TCP_ECE | TCP_CWR, TCP_ACK | TCP_URG]) {
      assert.equal(classifyFlags(flags), STEALTH_NONE, `flags 0x${flags.toString(16)}`);
    }
  });

  it('alerts once per source and kind per episode', () => {
    const { e, out } = engine();
    for (let i = 0; i < 50; i++) e.onPacket(tcp(T0 + i * 0.01, '192.0.2.66', '10.0.0.1', 40000, 1000 + (i % 5), 0));
    assert.deepEqual(ids(out), ['tcp-null-scan']);
  });

  it('can be disabled per rule', () => {
    const { e, out } = engine((s) => (s.tcp_null_scan.enabled = false));
    e.onPacket(tcp(T0, '192.0.2.66', '10.0.0.1', 40000, 3391, 0));
    assert.deepEqual(out, []);
  });
});

describe('determinism', () => {
  it('gives the same detections for the same events', () => {
    const run = () => {
      const { e, out } = engine();
      for (let i = 0; i < 3000; i++) {
        e.onPacket(tcp(T0 + i / 700, ip((v4('198.51.100.0') + (i % 7)) >>> 0), '10.0.0.1', 1024 + i, i % 3 === 0 ? 80 : 1 + (i % 200), TCP_SYN));
        e.onPacket(echoRequest(T0 + i / 300, '198.51.100.200', '10.0.0.1'));
      }
      // packet numbers come from the test helper's running counter; everything else must match
      return JSON.stringify(out.map(({ packet: _p, ...rest }) => rest));
    };
    assert.equal(run(), run());
  });
});

describe('offline policy', () => {
  it('caps the per-source tally and counts what it left out', () => {
    const policy = new OfflinePolicy(defaultConfig().policy, 100);
    const { e, out } = engine();
    for (let i = 0; i < 500; i++) e.onPacket(tcp(T0 + i / 1000, ip((v4('100.64.0.0') + i) >>> 0), '10.0.0.1', 40000, 3391, 0)); // forged NULL probes
    assert.equal(out.length, 500, 'every forged source raises its detection');
    for (const d of out) policy.onDetection(d);
    assert.equal(policy.verdicts().length, 100);
    assert.equal(policy.untallied, 400);
  });
});
