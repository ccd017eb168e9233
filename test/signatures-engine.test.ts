// SignatureEngine on hand-filled PacketViews: header matching (protocol, ports, direction, TCP
// flags, dsize, ICMP), thresholds and detection filters with exact counts, tracking keys,
// suppress, bounded tracker tables, and the Detection it emits.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddrSet, parseAddress } from '../src/decode/ip-addr.js';
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PacketView,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import { SignatureEngine, parseRules, parseTcpFlags, tcpFlagsMatch } from '../src/detect/signatures/index.js';
import { isPalisadeError } from '../src/errors.js';

const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const HOME = AddrSet.parse(['10.0.0.0/8', '2001:db8:1::/48'], 'home_net');

interface Pkt {
  src?: string;
  dst?: string;
  proto?: number;
  sport?: number;
  dport?: number;
  flags?: number;
  icmpType?: number;
  icmpCode?: number;
  payload?: string | Uint8Array;
  ts?: number;
  index?: number;
  noL4?: boolean;
}

/** A PacketView filled by hand: addresses at 0 and 16, L4 at 32, payload at 40. */
function pkt(o: Pkt = {}): PacketView {
  const src = parseAddress(o.src ?? '198.51.100.7')!;
  const dst = parseAddress(o.dst ?? '10.0.0.1')!;
  const payload = typeof o.payload === 'string' ? Buffer.from(o.payload, 'latin1') : (o.payload ?? new Uint8Array(0));
  const buf = new Uint8Array(40 + payload.length);
  buf.set(src.bytes, 0);
  buf.set(dst.bytes, 16);
  buf.set(payload, 40);
  const v = new PacketView();
  v.buf = buf;
  v.ipVersion = src.version;
  v.src4 = src.v4;
  v.dst4 = dst.v4;
  v.srcOff = 0;
  v.dstOff = 16;
  v.proto = o.proto ?? IPPROTO_TCP;
  const ports = v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP;
  v.sport = ports ? (o.sport ?? 40000) : 0;
  v.dport = ports ? (o.dport ?? 80) : 0;
  v.tcpFlags = v.proto === IPPROTO_TCP ? (o.flags ?? TCP_ACK | TCP_PSH) : 0;
  v.icmpType = o.icmpType ?? -1;
  v.icmpCode = o.icmpCode ?? -1;
  v.l4Off = o.noL4 ? -1 : 32;
  v.payloadOff = 40;
  v.payloadLen = payload.length;
  v.ts = o.ts ?? T0;
  v.index = o.index ?? 1;
  v.caplen = buf.length;
  return v;
}

function engine(yaml: string, opts: { maxTrackedKeys?: number } = {}): { e: SignatureEngine; out: Detection[]; feed: (o?: Pkt) => number } {
  const e = new SignatureEngine(parseRules(yaml, 'test.yaml'), { homeNet: HOME, ...opts });
  const out: Detection[] = [];
  const feed = (o: Pkt = {}): number => {
    const before = out.length;
    e.onPacket(pkt(o), (d) => out.push(d));
    return out.length - before;
  };
  return { e, out, feed };
}

const rule = (body: string, id = 'r'): string => `rules:\n  - id: ${id}\n${body
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => `    ${l.trim()}`)
  .join('\n')}\n`;

describe('signatures: header matching', () => {
  it('matches destination ports, ranges and exclusions with one lookup', () => {
    const { feed } = engine(rule('protocol: tcp\ndst_ports: "80,443,8000-8100,!8080"'));
    for (const p of [80, 443, 8000, 8050, 8100]) assert.equal(feed({ dport: p }), 1, `port ${p}`);
    for (const p of [22, 81, 7999, 8080, 8101, 0, 65535]) assert.equal(feed({ dport: p }), 0, `port ${p}`);
  });

  it('matches source ports given as a YAML list', () => {
    const { feed } = engine(rule('protocol: udp\nsrc_ports: [53, "5353", "10000-10010"]'));
    assert.equal(feed({ proto: IPPROTO_UDP, sport: 53 }), 1);
    assert.equal(feed({ proto: IPPROTO_UDP, sport: 5353 }), 1);
    assert.equal(feed({ proto: IPPROTO_UDP, sport: 10010 }), 1);
    assert.equal(feed({ proto: IPPROTO_UDP, sport: 10011 }), 0);
    assert.equal(feed({ proto: IPPROTO_TCP, sport: 53 }), 0, 'udp rule ignores tcp');
  });

  it('groups by protocol: tcp, udp, icmp, icmpv6 and any', () => {
    const { out, feed } = engine(
      'rules:\n' +
        '  - {id: t, protocol: tcp}\n  - {id: u, protocol: udp}\n  - {id: i, protocol: icmp}\n' +
        '  - {id: i6, protocol: icmpv6}\n  - {id: a, protocol: any}\n  - {id: ap, protocol: any, dst_ports: 80}\n',
    );
    feed({ proto: IPPROTO_TCP, dport: 80 });
    feed({ proto: IPPROTO_UDP, dport: 80 });
    feed({ proto: IPPROTO_ICMP, icmpType: 8, icmpCode: 0 });
    feed({ proto: IPPROTO_ICMPV6, src: '2001:db8:2::1', dst: '2001:db8:1::1', icmpType: 128, icmpCode: 0 });
    feed({ proto: 47 }); // GRE: only the unrestricted 'any' rule
    assert.deepEqual(
      out.map((d) => `${d.proto}:${d.ruleId}`),
      ['tcp:t', 'tcp:a', 'tcp:ap', 'udp:u', 'udp:a', 'udp:ap', 'icmp:i', 'icmp:a', 'icmpv6:i6', 'icmpv6:a', 'ip-47:a'],
    );
  });

  it('never matches protocol rules on packets without an L4 header (non-first fragments)', () => {
    const { feed } = engine('rules:\n  - {id: t, protocol: tcp}\n  - {id: a, protocol: any}\n');
    assert.equal(feed({ noL4: true }), 1, 'only the any rule');
  });

  it('checks direction against home_net (IPv4 and IPv6)', () => {
    const { out, feed } = engine('rules:\n  - {id: in, direction: inbound}\n  - {id: out, direction: outbound}\n  - {id: both, direction: any}\n');
    feed({ src: '198.51.100.7', dst: '10.0.0.1' });
    feed({ src: '10.0.0.1', dst: '198.51.100.7' });
    feed({ src: '10.0.0.1', dst: '10.0.0.2' }); // internal: neither
    feed({ src: '198.51.100.7', dst: '203.0.113.9' }); // transit: neither
    feed({ src: '2001:db8:9::1', dst: '2001:db8:1::5' });
    feed({ src: '2001:db8:1::5', dst: '2001:db8:9::1' });
    assert.deepEqual(
      out.map((d) => d.ruleId),
      ['in', 'both', 'out', 'both', 'both', 'both', 'in', 'both', 'out', 'both'],
    );
  });

  it('matches dsize: N, >N, <N, N<>M (exclusive)', () => {
    const { out, feed } = engine(
      'rules:\n  - {id: zero, dsize: 0}\n  - {id: gt, dsize: ">10"}\n  - {id: lt, dsize: "<3"}\n  - {id: rng, dsize: "2<>6"}\n',
    );
    for (const n of [0, 2, 3, 5, 6, 11]) {
      out.length = 0;
      feed({ payload: 'x'.repeat(n) });
      const ids = out.map((d) => d.ruleId).join(',');
      const want = { 0: 'zero,lt', 2: 'lt', 3: 'rng', 5: 'rng', 6: '', 11: 'gt' }[n];
      assert.equal(ids, want, `dsize ${n}`);
    }
  });

  it('matches icmp_type and icmp_code', () => {
    const { out, feed } = engine(
      'rules:\n  - {id: echo, protocol: icmp, icmp_type: 8}\n  - {id: unreach-port, protocol: icmp, icmp_type: 3, icmp_code: 3}\n  - {id: low, protocol: icmp, icmp_type: "<5"}\n',
    );
    feed({ proto: IPPROTO_ICMP, icmpType: 8, icmpCode: 0 });
    feed({ proto: IPPROTO_ICMP, icmpType: 3, icmpCode: 3 });
    feed({ proto: IPPROTO_ICMP, icmpType: 3, icmpCode: 1 });
    feed({ proto: IPPROTO_ICMP, icmpType: 0, icmpCode: 0 });
    assert.deepEqual(
      out.map((d) => d.ruleId),
      ['echo', 'unreach-port', 'low', 'low', 'low'],
    );
    assert.equal(out[0].sport, null);
    assert.equal(out[0].dport, null);
    assert.match(out[0].reason, /icmp type 8 code 0$/);
  });
});

describe('signatures: TCP flags (Suricata syntax)', () => {
  const m = (spec: string, flags: number): boolean => {
    const f = parseTcpFlags(spec);
    return tcpFlagsMatch(flags, f.modifier, f.flags, f.mask);
  };
  const S = TCP_SYN;
  const A = TCP_ACK;

  it('no modifier: exactly these flags', () => {
    assert.equal(m('S', S), true);
    assert.equal(m('S', S | A), false);
    assert.equal(m('SA', S | A), true);
    assert.equal(m('S', S | TCP_ECE), false, 'ECN bits count unless ignored');
    assert.equal(m('sa', S | A), true, 'letters are case-insensitive');
  });

  it('",mask" ignores flags: S,CE and Suricata S,12 are the same', () => {
    for (const spec of ['S,CE', 'S,12', 'S,EC']) {
      assert.equal(m(spec, S), true, spec);
      assert.equal(m(spec, S | TCP_ECE | TCP_CWR), true, spec);
      assert.equal(m(spec, S | TCP_CWR), true, spec);
      assert.equal(m(spec, S | A), false, spec);
    }
  });

  it('+ these and any others, * any of these, ! not all of these', () => {
    assert.equal(m('+S', S | A), true);
    assert.equal(m('S+', S | A | TCP_PSH), true, 'modifier after the letters');
    assert.equal(m('+SA', S), false);
    assert.equal(m('*SF', TCP_FIN | A), true);
    assert.equal(m('*SF', A | TCP_RST), false);
    assert.equal(m('!S', A), true);
    assert.equal(m('!S', S | A), false);
    // Suricata: '!' is true unless ALL of the named flags are set.
    assert.equal(m('!SA', S), true);
    assert.equal(m('!SA', S | A), false);
  });

  it('0 means no flags (a NULL scan probe); !0 any flag', () => {
    assert.equal(m('0', 0), true);
    assert.equal(m('0', TCP_FIN), false);
    assert.equal(m('!0', TCP_FIN), true);
    assert.equal(m('FPU', TCP_FIN | TCP_PSH | TCP_URG), true, 'XMAS');
  });

  it('applies in the engine, inbound SYN to a sensitive port', () => {
    const { feed } = engine(rule('protocol: tcp\ndst_ports: 22\ntcp_flags: "S,CE"\ndirection: inbound'));
    assert.equal(feed({ dport: 22, flags: S }), 1);
    assert.equal(feed({ dport: 22, flags: S | TCP_ECE | TCP_CWR }), 1);
    assert.equal(feed({ dport: 22, flags: S | A }), 0);
    assert.equal(feed({ dport: 22, flags: A }), 0);
  });

  it('rejects bad syntax', () => {
    for (const bad of ['', 'X', 'S,', '+*S', 'S,X', ',S']) {
      assert.throws(() => parseTcpFlags(bad), /flags syntax|only one of|names no flag/, bad);
    }
  });
});

describe('signatures: thresholds (Suricata semantics, event time)', () => {
  const thr = (t: string, extra = ''): string => rule(`protocol: tcp\nthreshold: ${t}\n${extra}`);
  const alertsAt = (yaml: string, times: number[], o: Pkt = {}): number[] => {
    const { feed } = engine(yaml);
    const hits: number[] = [];
    times.forEach((t, i) => {
      if (feed({ ...o, ts: T0 + t }) > 0) hits.push(i + 1);
    });
    return hits;
  };
  const seq = (n: number, step = 1, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i * step);

  it('limit: the first `count` matches per window, then a new window after it ends', () => {
    const y = thr('{mode: limit, count: 2, window: 10, track: by_src}');
    // t=10 is still inside the first window (count 7); t=10.5 starts the next one.
    assert.deepEqual(alertsAt(y, [...seq(6), 10, 10.5, 11, 12, 13]), [1, 2, 8, 9]);
  });

  it('limit: the window end is inclusive (t = start + window is inside)', () => {
    const y = thr('{mode: limit, count: 1, window: 10}');
    assert.deepEqual(alertsAt(y, [0, 10, 10.000001]), [1, 3]);
  });

  it('threshold: one alert per `count` matches; the counter restarts, the window does not', () => {
    const y = thr('{mode: threshold, count: 5, window: 60, track: by_flow}');
    assert.deepEqual(alertsAt(y, seq(19, 1)), [5, 10, 15]); // 19 matches -> 3, as Suricata on http.cap
    // A match after the window restarts the count at 1: matches 1,2 then 61..65 -> alert on the 5th after the restart.
    assert.deepEqual(alertsAt(y, [0, 1, 70, 71, 72, 73, 74, 75]), [7]);
  });

  it('threshold with count 1 alerts on every match', () => {
    assert.deepEqual(alertsAt(thr('{mode: threshold, count: 1, window: 60}'), seq(4)), [1, 2, 3, 4]);
  });

  it('both: one alert when the count is reached in the window, then silence until it ends', () => {
    const y = thr('{mode: both, count: 3, window: 3600, track: by_flow}');
    assert.deepEqual(alertsAt(y, seq(8)), [3]); // icmp.pcap: 8 pings -> 1
    assert.deepEqual(alertsAt(y, [...seq(5), 4000, 4001, 4002, 4003]), [3, 8]);
    assert.deepEqual(alertsAt(thr('{mode: both, count: 1, window: 10}'), [0, 1, 2, 11, 12]), [1, 4]);
  });

  it('detection_filter: every match after the first `count` in the window', () => {
    const df = (c: number): string => rule(`protocol: tcp\ndetection_filter: {count: ${c}, window: 3600, track: by_flow}`);
    // The icmp.pcap counts of suricata-verify: 8 matches, count 1/2/4/7/8 -> 7/6/4/1/0 alerts.
    for (const [c, n] of [[1, 7], [2, 6], [4, 4], [7, 1], [8, 0]]) {
      assert.equal(alertsAt(df(c), seq(8)).length, n, `count ${c}`);
    }
    // After the window the count restarts at 1 (that match does not alert).
    const y = rule('protocol: tcp\ndetection_filter: {count: 1, window: 10}');
    assert.deepEqual(alertsAt(y, [0, 1, 2, 20, 21]), [2, 3, 5]);
  });

  it('detection_filter then threshold, both on one rule', () => {
    const y = rule('protocol: tcp\ndetection_filter: {count: 2, window: 60}\nthreshold: {mode: limit, count: 1, window: 60}');
    // Matches 3.. pass the filter; the limit lets the first of them through.
    assert.deepEqual(alertsAt(y, seq(6)), [3]);
  });

  it('by_src and by_dst keep separate counts per address', () => {
    const y = thr('{mode: limit, count: 1, window: 60, track: by_src}');
    const { feed } = engine(y);
    assert.equal(feed({ src: '198.51.100.1' }), 1);
    assert.equal(feed({ src: '198.51.100.2' }), 1);
    assert.equal(feed({ src: '198.51.100.1', dst: '10.0.0.9' }), 0);
    const d = engine(thr('{mode: limit, count: 1, window: 60, track: by_dst}'));
    assert.equal(d.feed({ src: '198.51.100.1', dst: '10.0.0.1' }), 1);
    assert.equal(d.feed({ src: '198.51.100.2', dst: '10.0.0.1' }), 0);
    assert.equal(d.feed({ src: '198.51.100.2', dst: '10.0.0.2' }), 1);
  });

  it('by_flow is bidirectional: A->B and B->A share one count; other flows do not', () => {
    const { feed, e } = engine(thr('{mode: limit, count: 2, window: 60, track: by_flow}'));
    assert.equal(feed({ src: '198.51.100.7', sport: 40000, dst: '10.0.0.1', dport: 80 }), 1);
    assert.equal(feed({ src: '10.0.0.1', sport: 80, dst: '198.51.100.7', dport: 40000 }), 1);
    assert.equal(feed({ src: '198.51.100.7', sport: 40000, dst: '10.0.0.1', dport: 80 }), 0, 'third match of the flow');
    assert.equal(feed({ src: '198.51.100.7', sport: 40001, dst: '10.0.0.1', dport: 80 }), 1, 'another source port');
    assert.equal(e.suppressed.get('r'), 1);
    const v6 = engine(thr('{mode: limit, count: 1, window: 60, track: by_flow}'));
    assert.equal(v6.feed({ src: '2001:db8:9::1', dst: '2001:db8:1::1', sport: 5, dport: 6 }), 1);
    assert.equal(v6.feed({ src: '2001:db8:1::1', dst: '2001:db8:9::1', sport: 6, dport: 5 }), 0);
  });

  it('by_both is the unordered address pair; by_rule one count for the rule', () => {
    const b = engine(thr('{mode: limit, count: 1, window: 60, track: by_both}'));
    assert.equal(b.feed({ src: '198.51.100.7', dst: '10.0.0.1' }), 1);
    assert.equal(b.feed({ src: '10.0.0.1', dst: '198.51.100.7', sport: 1, dport: 2 }), 0);
    assert.equal(b.feed({ src: '198.51.100.8', dst: '10.0.0.1' }), 1);
    const r = engine(thr('{mode: limit, count: 3, window: 1000, track: by_rule}'));
    const n = [1, 2, 3, 4, 5].map((i) => r.feed({ src: `198.51.100.${i}` })).reduce((a, x) => a + x, 0);
    assert.equal(n, 3);
  });

  it('uses event time only: a replay hours later behaves the same', () => {
    const y = thr('{mode: limit, count: 1, window: 60}');
    assert.deepEqual(alertsAt(y, [0, 30, 61]), [1, 3]);
    assert.deepEqual(alertsAt(y, [0, 30, 61].map((t) => t + 86400 * 365)), [1, 3]);
  });

  it('adds the threshold facts to the evidence', () => {
    const { out, feed } = engine(thr('{mode: both, count: 2, window: 60, track: by_src}'));
    feed();
    feed();
    assert.equal(out.length, 1);
    assert.deepEqual(
      {
        mode: out[0].evidence.threshold_mode,
        count: out[0].evidence.threshold_count,
        window: out[0].evidence.threshold_window,
        track: out[0].evidence.threshold_track,
        matches: out[0].evidence.threshold_matches,
      },
      { mode: 'both', count: 2, window: 60, track: 'by_src', matches: 2 },
    );
  });
});

describe('signatures: suppress', () => {
  it('removes matches from the listed sources only, and counts them', () => {
    const { e, out, feed } = engine(rule('protocol: tcp\nsuppress: [{track: by_src, ip: 198.51.100.0/24}, {track: by_src, ip: ["203.0.113.5"]}]'));
    feed({ src: '198.51.100.7' });
    feed({ src: '198.51.100.200' });
    feed({ src: '203.0.113.5' });
    feed({ src: '203.0.113.6' });
    feed({ src: '10.0.0.1', dst: '198.51.100.7' }); // by_src does not look at the destination
    assert.deepEqual(
      out.map((d) => d.src),
      ['203.0.113.6', '10.0.0.1'],
    );
    assert.equal(e.suppressed.get('r'), 3);
  });

  it('by_dst and by_either', () => {
    const d = engine(rule('protocol: tcp\nsuppress: [{track: by_dst, ip: 10.0.0.1}]'));
    assert.equal(d.feed({ dst: '10.0.0.1' }), 0);
    assert.equal(d.feed({ dst: '10.0.0.2' }), 1);
    const x = engine(rule('protocol: tcp\nsuppress: [{track: by_either, ip: "2001:db8:1::/48"}]'));
    assert.equal(x.feed({ src: '2001:db8:1::5', dst: '2001:db8:9::1' }), 0);
    assert.equal(x.feed({ src: '2001:db8:9::1', dst: '2001:db8:1::5' }), 0);
    assert.equal(x.feed({ src: '2001:db8:9::1', dst: '2001:db8:8::5' }), 1);
  });

  it('suppressed matches do not count toward the threshold', () => {
    const { feed } = engine(rule('protocol: tcp\nsuppress: [{track: by_src, ip: 198.51.100.7}]\nthreshold: {mode: limit, count: 1, window: 60, track: by_rule}'));
    assert.equal(feed({ src: '198.51.100.7' }), 0);
    assert.equal(feed({ src: '198.51.100.8' }), 1, 'the first admitted match alerts');
  });
});

describe('signatures: bounded tracker tables', () => {
  it('evicts the oldest key at the cap and counts it', () => {
    const { e, feed } = engine(rule('protocol: tcp\nthreshold: {mode: limit, count: 1, window: 100, track: by_src}'), { maxTrackedKeys: 4 });
    for (let i = 1; i <= 4; i++) assert.equal(feed({ src: `198.51.100.${i}`, ts: T0 + i }), 1);
    assert.equal(e.evictions, 0);
    assert.equal(feed({ src: '198.51.100.5', ts: T0 + 5 }), 1);
    assert.equal(e.evictions, 1);
    assert.equal(e.trackedKeys, 4);
    // .1 was the oldest and lost its window: it alerts again; .5 is still tracked.
    assert.equal(feed({ src: '198.51.100.1', ts: T0 + 6 }), 1);
    assert.equal(feed({ src: '198.51.100.5', ts: T0 + 7 }), 0);
    assert.equal(e.evictions, 2);
  });

  it('drops expired windows without calling it an eviction', () => {
    const { e, feed } = engine(rule('protocol: tcp\nthreshold: {mode: limit, count: 1, window: 10, track: by_src}'), { maxTrackedKeys: 3 });
    for (let i = 0; i < 1000; i++) feed({ src: `198.51.${(i >> 8) & 255}.${i & 255}`, ts: T0 + i * 20 });
    assert.equal(e.evictions, 0);
    assert.ok(e.trackedKeys <= 3);
  });

  it('stays bounded under a spoofed flood of sources', () => {
    const { e, feed } = engine(rule('protocol: tcp\ndetection_filter: {count: 5, window: 60, track: by_src}'), { maxTrackedKeys: 1000 });
    for (let i = 0; i < 20000; i++) feed({ src: `100.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ts: T0 + i / 1000 });
    assert.equal(e.trackedKeys, 1000);
    assert.equal(e.evictions, 19000);
    assert.equal(e.suppressed.get('r'), 20000);
  });
});

describe('signatures: detections and the rule list', () => {
  it('emits a complete Detection', () => {
    const { out, feed } = engine(rule('description: Telnet attempt\nprotocol: tcp\ndst_ports: 23\nseverity: high\nmode: block'));
    feed({ src: '198.51.100.7', sport: 5555, dst: '10.0.0.1', dport: 23, ts: T0 + 1.5, index: 42 });
    assert.deepEqual(out, [
      {
        ruleId: 'r',
        severity: 'high',
        action: 'would-block',
        scope: 'source',
        ts: T0 + 1.5,
        src: '198.51.100.7',
        dst: '10.0.0.1',
        sport: 5555,
        dport: 23,
        proto: 'tcp',
        reason: 'Telnet attempt: tcp/23',
        evidence: { field: 'header' },
        packet: 42,
      },
    ]);
  });

  it('alert mode says alert; setMode switches it at run time', () => {
    const { e, out, feed } = engine(rule('protocol: tcp'));
    feed();
    assert.equal(out[0].action, 'alert');
    assert.equal(e.setMode('r', 'block'), true);
    assert.equal(e.setMode('nope', 'block'), false);
    feed();
    assert.equal(out[1].action, 'would-block');
    assert.equal(e.rules()[0].mode, 'block');
  });

  it('skips disabled rules but lists them', () => {
    const { e, feed } = engine('rules:\n  - {id: on, protocol: tcp}\n  - {id: off, protocol: tcp, enabled: false}\n');
    assert.equal(feed(), 1);
    assert.deepEqual(
      e.rules().map((r) => [r.id, r.enabled]),
      [['on', true], ['off', false]],
    );
    assert.deepEqual([...e.suppressed.keys()], ['on', 'off']);
  });

  it('matches a raw payload pattern (not HTTP) and reports it', () => {
    const { out, feed } = engine(rule('protocol: udp\ndst_ports: 53\npattern: "(?i)evil.example"\ncontent: EVIL'));
    feed({ proto: IPPROTO_UDP, dport: 53, payload: '\x12\x34\x01\x00\x00\x01\x04EViL\x07example\x03com\x00' });
    feed({ proto: IPPROTO_UDP, dport: 53, payload: '\x12\x34\x01\x00\x00\x01\x04good\x07example\x03com\x00' });
    feed({ proto: IPPROTO_UDP, dport: 53, payload: '' });
    assert.equal(out.length, 1);
    assert.equal(out[0].evidence.matched, 'EViL\x07example');
    assert.equal(out[0].evidence.field, 'payload');
    assert.equal(out[0].reason, 'r: "EViL\\u0007example"');
  });

  it('a content without a pattern is a literal match', () => {
    const { out, feed } = engine(rule('protocol: tcp\ncontent: "uid=0(root)"'));
    feed({ payload: 'HTTP/1.1 200 OK\r\n\r\nuid=0(root) gid=0(root)' });
    assert.equal(out[0].evidence.matched, 'uid=0(root)');
  });

  it('refuses duplicate ids from different files, naming both places', () => {
    const a = parseRules('rules:\n  - id: x\n', 'a.yaml');
    const b = parseRules('\nrules:\n  - id: x\n', 'b.yaml');
    assert.throws(
      () => new SignatureEngine([...a, ...b], { homeNet: HOME }),
      (err: unknown) => isPalisadeError(err) && err.code === 'PALISADE_ERR_RULE' && err.message === "b.yaml:3: rule 'x': duplicate id (first defined at a.yaml:2)",
    );
  });
});
