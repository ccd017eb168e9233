// The CLI as a user runs it: the real bin/palisade on real capture files.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync, existsSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LAB_ACTORS } from '../bench/synth/net.js';
import { PALISADE_BIN, REPO_ROOT, corpusPcap, corpusSkip } from './support/paths.js';

const LAB = path.join(REPO_ROOT, 'examples/lab.pcap');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function palisade(args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [PALISADE_BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function analyzeJson(args: string[]): any {
  const r = palisade(['analyze', '--format', 'json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

let dir: string;
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'palisade-cli-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('palisade analyze (lab capture)', () => {
  it('finds each attacker with the right rule and flags no normal client', () => {
    const j = analyzeJson([LAB]);
    assert.equal(j.packets, 12480);
    assert.equal(j.decode_errors, 0);
    for (const k of ['packets', 'decode_errors', 'duration_s', 'pps', 'alerts', 'by_rule', 'sources']) assert.ok(k in j, k);
    const byIp = new Map<string, any>(j.sources.map((s: any) => [s.ip, s]));
    const expect: [string, string][] = [
      [LAB_ACTORS.scanner, 'port-scan'],
      [LAB_ACTORS.stealthScanner, 'tcp-null-scan'],
      [LAB_ACTORS.stealthScanner, 'tcp-fin-scan'],
      [LAB_ACTORS.stealthScanner, 'tcp-xmas-scan'],
      [LAB_ACTORS.synFlooder, 'syn-flood'],
      [LAB_ACTORS.icmpFlooder, 'icmp-flood'],
      [LAB_ACTORS.udpFlooder, 'udp-flood'],
      [LAB_ACTORS.sqli, 'http-sqli'],
      [LAB_ACTORS.pathTraversal, 'http-path-traversal'],
      [LAB_ACTORS.cmdInjection, 'http-cmd-injection'],
      [LAB_ACTORS.xss, 'http-xss'],
    ];
    for (const [ip, rule] of expect) {
      const s = byIp.get(ip);
      assert.ok(s, `${ip} not reported`);
      assert.ok(s.rules.includes(rule), `${ip}: ${s.rules} lacks ${rule}`);
      assert.equal(s.would_block, true, `${ip} would not be blocked`);
    }
    const attackers = new Set(Object.values(LAB_ACTORS));
    const others = j.sources.filter((s: any) => !attackers.has(s.ip));
    assert.deepEqual(others, [], 'only the attackers are reported');
    // The spoofed flood is one alert naming the target, with no source.
    const spoofed = j.aggregates.filter((a: any) => a.rule_id === 'syn-flood');
    assert.equal(spoofed.length, 1);
    assert.equal(spoofed[0].scope, 'destination');
    assert.equal(spoofed[0].dst, '10.0.1.10');
    assert.equal(spoofed[0].dport, 80);
  });

  it('prints a readable report', () => {
    const r = palisade(['analyze', LAB]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Palisade analysis of lab\.pcap/);
    assert.match(r.stdout, /packets\s+12,480/);
    assert.match(r.stdout, /decode errors\s+0/);
    assert.match(r.stdout, /Top offending sources/);
    assert.match(r.stdout, /SYN flood against 10\.0\.1\.10:80/);
    assert.match(r.stdout, new RegExp(`Would block under the current policy: 9 sources\\n  .*${LAB_ACTORS.sqli.replace(/\./g, '\\.')}`));
  });

  it('appends alerts as JSON lines with the documented fields', () => {
    const out = path.join(dir, 'alerts.jsonl');
    writeFileSync(out, '{"kept":"line from before"}\n');
    const j = analyzeJson([LAB, '--alerts-out', out]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines[0], '{"kept":"line from before"}', 'appends, never truncates');
    const alerts = lines.slice(1).map((l) => JSON.parse(l));
    assert.equal(alerts.length, j.alerts);
    const sqli = alerts.find((a) => a.rule_id === 'http-sqli');
    for (const k of ['timestamp', 'src', 'dst', 'sport', 'dport', 'proto', 'action', 'rule_id', 'severity', 'reason']) assert.ok(k in sqli, k);
    assert.match(sqli.timestamp, /^2026-01-01T00:00:\d\d\.\d{6}Z$/);
    assert.equal(sqli.src, LAB_ACTORS.sqli);
    assert.equal(sqli.dst, '10.0.1.10');
    assert.equal(sqli.dport, 80);
    assert.equal(sqli.proto, 'tcp');
    assert.equal(sqli.action, 'would-block');
    assert.equal(sqli.severity, 'critical');
    assert.ok(typeof sqli.evidence.matched === 'string' && sqli.evidence.matched.length > 0);
  });

  it('takes thresholds from flags, config files and the environment', () => {
    // Raising the ICMP threshold above the flood's rate silences icmp-flood.
    assert.equal(analyzeJson([LAB]).by_rule['icmp-flood'], 1);
    assert.equal(analyzeJson([LAB, '--icmp-threshold', '5000']).by_rule['icmp-flood'], undefined);
    const cfg = path.join(dir, 'quiet-icmp.yaml');
    writeFileSync(cfg, 'detect:\n  icmp_flood:\n    threshold: 5000\n');
    assert.equal(analyzeJson([LAB, '--config', cfg]).by_rule['icmp-flood'], undefined);
    assert.equal(analyzeJson([LAB, '--config', cfg, '--icmp-threshold', '100']).by_rule['icmp-flood'], 1, 'flags win over the file');
    const r = palisade(['analyze', '--format', 'json', LAB], { PALISADE_DETECT__ICMP_FLOOD__THRESHOLD: '5000' });
    assert.equal(JSON.parse(r.stdout).by_rule['icmp-flood'], undefined);
  });

  it('whitelisted sources are reported but never proposed for blocking', () => {
    const j = analyzeJson([LAB, '--whitelist', `${LAB_ACTORS.sqli}/32`]);
    const s = j.sources.find((x: any) => x.ip === LAB_ACTORS.sqli);
    assert.equal(s.would_block, false);
    assert.equal(s.why, 'whitelisted');
  });

  it('alert-mode rules block only after auto_blacklist_threshold detections', () => {
    const j = analyzeJson([LAB, '--set', 'signatures.overrides.http-sqli.mode=alert', '--set', 'policy.auto_blacklist_threshold=11']);
    const s = j.sources.find((x: any) => x.ip === LAB_ACTORS.sqli);
    assert.equal(s.would_block, false);
    const k = analyzeJson([LAB, '--set', 'signatures.overrides.http-sqli.mode=alert', '--set', 'policy.auto_blacklist_threshold=10']);
    assert.equal(k.sources.find((x: any) => x.ip === LAB_ACTORS.sqli).would_block, true);
  });
});

describe('palisade analyze (errors)', () => {
  it('exits 1 with one line for a missing file, a non-capture file, a bad config and a bad rule file', () => {
    const notCapture = path.join(dir, 'notes.txt');
    writeFileSync(notCapture, 'hello, this is not a capture\n');
    const badCfg = path.join(dir, 'bad.yaml');
    writeFileSync(badCfg, 'detect:\n  port_scan:\n    threshold: lots\n');
    const badRules = path.join(dir, 'bad-rules.yaml');
    writeFileSync(badRules, 'rules:\n  - id: broken\n    description: x\n    severity: high\n    mode: alert\n    pattern: "(unclosed"\n');
    const cases: [string[], RegExp][] = [
      [['analyze', path.join(dir, 'missing.pcap')], /missing\.pcap/],
      [['analyze', notCapture], /notes\.txt: .*not a capture/],
      [['analyze', LAB, '--config', badCfg], /bad\.yaml:3: detect\.port_scan\.threshold/],
      [['analyze', LAB, '--rules', badRules], /bad-rules\.yaml:\d+: .*broken/],
      [['analyze', LAB, '--icmp-threshold', 'lots'], /--icmp-threshold: 'lots' is not a number/],
      [['analyze', LAB, '--format', 'xml'], /format/],
    ];
    for (const [args, re] of cases) {
      const r = palisade(args);
      assert.equal(r.status, 1, `${args.join(' ')}: status ${r.status}`);
      assert.match(r.stderr, re);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(r.stdout, '');
    }
  });

  it('a file truncated mid-record keeps everything before it and names the packet and offset', () => {
    const cut = path.join(dir, 'cut.pcap');
    copyFileSync(LAB, cut);
    truncateSync(cut, statSync(LAB).size - 100);
    const r = palisade(['analyze', '--format', 'json', cut]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /cut\.pcap: truncated at packet 12480 \(byte offset \d+\)/);
    const j = JSON.parse(r.stdout);
    assert.equal(j.packets, 12479);
    assert.match(j.files[0].problem, /packet 12480/);
    assert.ok(j.sources.length >= 9, 'detections before the damage are kept');
  });

  it('has --help for every command', () => {
    for (const args of [['--help'], ['analyze', '--help'], ['replay', '--help']]) {
      const r = palisade(args);
      assert.equal(r.status, 0, args.join(' '));
      assert.match(r.stdout, /Usage: palisade/);
    }
  });
});

describe('palisade replay', () => {
  it('prints alerts as they happen and the same summary as analyze', () => {
    const r = palisade(['replay', LAB, '--speed', '1000', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.pop().summary;
    const a = analyzeJson([LAB]);
    assert.equal(lines.length, a.alerts);
    assert.deepEqual(summary.by_rule, a.by_rule);
    assert.deepEqual(summary.sources, a.sources);
    // In event order.
    const ts = lines.map((l) => l.timestamp);
    assert.deepEqual([...ts].sort(), ts);
  });

  it('keeps the recorded pace (scaled)', () => {
    // The lab capture spans 59.7 s; at 30x that is about 2 s of waiting.
    const t0 = Date.now();
    const r = palisade(['replay', LAB, '--speed', '30']);
    const took = (Date.now() - t0) / 1000;
    assert.equal(r.status, 0, r.stderr);
    assert.ok(took >= 1.9, `replay finished in ${took} s, faster than the recorded pace allows`);
    assert.match(r.stdout, /^SIGNATURE: port-scan severity=high action=would-block \| 203\.0\.113\.10 -> 10\.0\.1\.10 dport=\d+ /m);
  });

  it('refuses a bad speed', () => {
    const r = palisade(['replay', LAB, '--speed', '0']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--speed: '0' must be a positive number/);
  });
});

describe('palisade analyze (corpus)', { skip: corpusSkip }, () => {
  it('finds the scanners, flooders and SQL injectors with the right rule ids', () => {
    const cases: [string, string, string][] = [
      ['scan__chrissanders__synscan.pcapng', '172.16.0.8', 'port-scan'],
      ['scan__chrissanders__portscan.pcap', '10.100.25.14', 'port-scan'],
      ['scan__esnet__masscan_tcp_0_1000.pcap', '172.31.15.102', 'port-scan'],
      ['scan__esnet__one_way_all_flags.pcap', '10.0.0.10', 'tcp-null-scan'],
      ['scan__esnet__one_way_all_flags.pcap', '10.0.0.10', 'tcp-fin-scan'],
      ['scan__esnet__one_way_all_flags.pcap', '10.0.0.10', 'tcp-xmas-scan'],
      ['scan__esnet__one_way_all_flags.pcap', '10.0.0.10', 'tcp-invalid-flags'],
      ['scan__ndpi__tcp_scan_mixed_flags.pcapng', '192.168.1.178', 'tcp-xmas-scan'],
      ['scan__chrissanders__activeosfingerprinting.pcapng', '172.16.16.128', 'tcp-null-scan'],
      ['flood__cce15__icmp_flood.pcap', '192.168.189.128', 'icmp-flood'],
      ['sqli__chrissanders__http_dvwa_sqlinjection.pcapng', '10.2.2.101', 'http-sqli'],
      ['sqli__chrissanders__http_dvwa_sqlinjection_passwords.pcapng', '10.2.2.101', 'http-sqli'],
      ['sqli__ndpi__WebattackSQLinj.pcap', '172.16.0.1', 'http-sqli'],
      ['sqli__ndpi__sql_injection.pcap', '192.168.3.109', 'http-sqli'],
      ['sqli__zeek__cooper-grill-dvwa.pcapng', '192.168.111.148', 'http-sqli'],
    ];
    for (const [file, ip, rule] of cases) {
      const j = analyzeJson([corpusPcap(file)]);
      const s = j.sources.find((x: any) => x.ip === ip);
      assert.ok(s, `${file}: ${ip} not reported (${JSON.stringify(j.by_rule)})`);
      assert.ok(s.rules.includes(rule), `${file}: ${ip} has ${s.rules}, not ${rule}`);
      assert.equal(s.would_block, true, `${file}: ${ip} not proposed for blocking`);
      assert.equal(j.sources.filter((x: any) => x.would_block).length, 1, `${file}: only the attacker is proposed`);
    }
  });

  it('reports the real spoofed SYN flood as one alert naming the target, blocking no source', () => {
    const j = analyzeJson([corpusPcap('flood__stopddos__synflood_spoofed.pcap')]);
    assert.equal(j.packets, 37841);
    assert.deepEqual(j.by_rule, { 'syn-flood': 1 });
    assert.equal(j.aggregates.length, 1);
    assert.equal(j.aggregates[0].scope, 'destination');
    assert.equal(j.aggregates[0].dst, '10.10.10.10');
    assert.equal(j.aggregates[0].dport, 25565);
    assert.ok(j.aggregates[0].evidence.distinct_sources >= 1000);
    assert.deepEqual(j.sources, []);
  });

  it('reports the random-destination hping3 flood once, blocking no source', () => {
    const j = analyzeJson([corpusPcap('flood__chrissanders__dosattack_hping_rand.pcap')]);
    assert.deepEqual(j.by_rule, { 'syn-flood': 1 });
    assert.equal(j.aggregates[0].scope, 'global');
    assert.deepEqual(j.sources, []);
  });

  it('flags nothing in the normal captures', () => {
    for (const f of [
      'normal__cce15__normal.pcap',
      'normal__chrissanders__http_google.pcapng',
      'normal__chrissanders__http_ip4and6.pcapng',
      'normal__chrissanders__icmp_echo.pcapng',
      'normal__chrissanders__tcp_handshake.pcapng',
      'normal__zeek__ssh_single-conn.pcap',
    ]) {
      const j = analyzeJson([corpusPcap(f)]);
      assert.equal(j.alerts, 0, `${f}: ${JSON.stringify(j.by_rule)}`);
    }
  });

  it('analyzes several files as one run and keeps going past a damaged one', () => {
    const files = ['odd__ndpi__fuzz-2021-10-13_truncated.pcap', 'scan__chrissanders__portscan.pcap'].map(corpusPcap);
    const r = palisade(['analyze', '--format', 'json', ...files]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /fuzz-2021-10-13_truncated\.pcap: truncated at packet 2 \(byte offset 237\)/);
    const j = JSON.parse(r.stdout);
    assert.equal(j.files.length, 2);
    assert.ok(j.sources.some((s: any) => s.ip === '10.100.25.14'));
  });
});

// Keep the lab capture honest: it must exist for `make demo`.
it('ships examples/lab.pcap', () => {
  assert.ok(existsSync(LAB));
});
