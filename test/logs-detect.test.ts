// Log lines through the log stage: what counts toward ssh-bruteforce (and what must not), the
// sliding window in log time, one alert per episode, bounded state, and access log requests through
// the same HTTP signature rules as packets.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultConfig, type Config } from '../src/config/defaults.js';
import type { Detection } from '../src/detect/detection.js';
import { isPalisadeError } from '../src/errors.js';
import { assemble } from '../src/pipeline/assemble.js';
import { LogPipeline, type LineVerdict, type LogKind } from '../src/pipeline/log-lines.js';
import { parseRules, SignatureEngine } from '../src/detect/signatures/index.js';
import { AddrSet, parseCidr } from '../src/decode/ip-addr.js';

const T0 = Date.UTC(2026, 10, 21, 10) / 1000;

/** "Nov 21 10:MM:SS" in UTC, as the tests run the parser with a UTC-equal reference. */
function iso(offset: number): string {
  return new Date((T0 + offset) * 1000).toISOString().replace('.000Z', 'Z');
}

function sshd(offset: number, msg: string, pid = 1000): string {
  return `${iso(offset)} web1 sshd[${pid}]: ${msg}`;
}

interface Run {
  verdicts: LineVerdict[];
  alerts: Detection[];
  pipeline: LogPipeline;
}

function run(lines: string[], kind: LogKind = 'auth-log', tweak?: (c: Config) => void): Run {
  const config = defaultConfig();
  tweak?.(config);
  const alerts: Detection[] = [];
  const stages = assemble(config, (d) => alerts.push(d));
  const pipeline = new LogPipeline(config, (d) => alerts.push(d), stages.signatures, { reference: T0 + 86400 });
  const verdicts: LineVerdict[] = [];
  lines.forEach((l, i) => {
    const v = pipeline.onLine(l, { source: 'test.log', line: i + 1 }, kind);
    verdicts.push({ ...v, rules: [...v.rules] });
  });
  return { verdicts, alerts, pipeline };
}

const A = '203.0.113.5';

describe('ssh-bruteforce: the threshold in a sliding window of log time', () => {
  it('5 failed passwords within 300 s: one alert, on the 5th line, naming the source', () => {
    const lines = [0, 10, 20, 30, 40].map((t, i) => sshd(t, `Failed password for root from ${A} port ${40000 + i} ssh2`));
    const r = run(lines);
    assert.equal(r.alerts.length, 1);
    assert.deepEqual(r.verdicts.map((v) => v.rules), [[], [], [], [], ['ssh-bruteforce']]);
    const d = r.alerts[0];
    assert.equal(d.ruleId, 'ssh-bruteforce');
    assert.equal(d.src, A);
    assert.equal(d.scope, 'source');
    assert.equal(d.proto, 'tcp');
    assert.equal(d.action, 'would-block');
    assert.equal(d.severity, 'high');
    assert.equal(d.dst, null);
    assert.equal(d.dport, null);
    assert.equal(d.sport, 40004, 'the client port of the line');
    assert.equal(d.packet, 5, 'the line number');
    assert.equal(d.ts, T0 + 40);
    assert.equal(d.reason, `5 failed SSH logins within 300 s from ${A} (failed password for root)`);
    assert.deepEqual(d.evidence, {
      failures: 5,
      window: 300,
      threshold: 5,
      users: ['root'],
      reasons: ['failed_password'],
      log: 'auth-log',
      log_file: 'test.log',
      log_line: 5,
    });
  });

  it('4 failures do not alert; 5 spread over 301 s do not; 5 within exactly 300 s do', () => {
    const at = (ts: number[]): number => run(ts.map((t, i) => sshd(t, `Failed password for root from ${A} port ${40000 + i} ssh2`))).alerts.length;
    assert.equal(at([0, 1, 2, 3]), 0);
    assert.equal(at([0, 100, 200, 300, 301]), 0);
    assert.equal(at([0, 100, 200, 250, 300]), 1);
  });

  it('event time only: lines an hour apart never add up, however fast they are read', () => {
    const lines = [0, 3600, 7200, 10800, 14400].map((t, i) => sshd(t, `Failed password for root from ${A} port ${40000 + i} ssh2`));
    assert.equal(run(lines).alerts.length, 0);
  });

  it('one alert per episode: more failures within the cooldown are quiet; a new episode alerts again', () => {
    const lines: string[] = [];
    let port = 40000;
    for (let t = 0; t < 200; t += 10) lines.push(sshd(t, `Failed password for root from ${A} port ${port++} ssh2`));
    // 20 minutes of quiet (> cooldown 60 s and > the window), then another burst.
    for (let t = 1400; t < 1450; t += 10) lines.push(sshd(t, `Failed password for admin from ${A} port ${port++} ssh2`));
    const r = run(lines);
    assert.equal(r.alerts.length, 2);
    assert.equal(r.alerts[0].packet, 5);
    assert.equal(r.alerts[1].packet, 25);
    assert.deepEqual(r.alerts[1].evidence.users, ['admin'], 'the second episode reports its own users');
  });

  it('sources are counted apart; IPv6 and ::ffff:-mapped IPv4 are one source with the IPv4 address', () => {
    const lines = [
      sshd(0, `Failed password for root from ::ffff:${A} port 1 ssh2`),
      sshd(1, `Failed password for root from 198.51.100.1 port 2 ssh2`),
      sshd(2, `Failed password for root from ${A} port 3 ssh2`),
      sshd(3, `Failed password for root from 2001:db8::1 port 4 ssh2`),
      sshd(4, `Failed password for root from 2001:DB8:0::1 port 5 ssh2`),
      sshd(5, `Failed password for root from ::ffff:${A} port 6 ssh2`),
      sshd(6, `Failed password for root from 2001:db8::1 port 7 ssh2`),
      sshd(7, `Failed password for root from ${A} port 8 ssh2`),
      sshd(8, `Failed password for root from ${A} port 9 ssh2`),
    ];
    const r = run(lines);
    assert.deepEqual(r.alerts.map((d) => d.src), [A]);
    assert.equal(r.verdicts[0].ip, A);
    assert.equal(r.verdicts[4].ip, '2001:db8::1');
  });
});

describe('ssh-bruteforce: what counts', () => {
  it('one invalid-user attempt (Invalid user, pam lines, Failed password, close) counts once', () => {
    const lines = [
      sshd(0, `Invalid user admin from ${A} port 40001`),
      sshd(1, 'pam_unix(sshd:auth): check pass; user unknown'),
      sshd(1, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${A}`),
      sshd(3, `Failed password for invalid user admin from ${A} port 40001 ssh2`),
      sshd(4, `Connection closed by invalid user admin ${A} port 40001 [preauth]`),
    ];
    const r = run(lines);
    assert.deepEqual(
      r.verdicts.map((v) => [v.kind, v.reason, v.counted]),
      [
        ['ssh_failure', 'invalid_user', true],
        ['none', null, false],
        ['ssh_failure', 'pam_failure', false],
        ['ssh_failure', 'failed_password', false],
        ['ssh_failure', 'preauth_disconnect', false],
      ],
    );
    assert.match(r.verdicts[2].note!, /PAM line/);
    assert.match(r.verdicts[3].note!, /already counted/);
    assert.equal(r.pipeline.counters().ssh_failures_counted, 1);
  });

  it('every password guess counts: 3 wrong passwords on one connection count 3, the close does not add', () => {
    const lines = [
      sshd(0, `Failed password for root from ${A} port 40002 ssh2`),
      sshd(3, `Failed password for root from ${A} port 40002 ssh2`),
      sshd(6, `Failed password for root from ${A} port 40002 ssh2`),
      sshd(7, `Connection closed by authenticating user root ${A} port 40002 [preauth]`),
      sshd(7, `PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=${A}  user=root`),
    ];
    assert.deepEqual(run(lines).verdicts.map((v) => v.counted), [true, true, true, false, false]);
    // An invalid user with 3 passwords: Invalid user stands for the first, the next two add.
    const inv = [
      sshd(0, `Invalid user oracle from ${A} port 40003`),
      sshd(2, `Failed password for invalid user oracle from ${A} port 40003 ssh2`),
      sshd(4, `Failed password for invalid user oracle from ${A} port 40003 ssh2`),
      sshd(6, `Failed password for invalid user oracle from ${A} port 40003 ssh2`),
      sshd(7, `error: maximum authentication attempts exceeded for invalid user oracle from ${A} port 40003 ssh2 [preauth]`),
      sshd(7, `Disconnecting invalid user oracle ${A} port 40003: Too many authentication failures [preauth]`),
    ];
    assert.deepEqual(run(inv).verdicts.map((v) => v.counted), [true, false, true, true, false, false]);
  });

  it('connections closed before authentication count once each (scanners, kex-only); five alert', () => {
    const lines = [
      sshd(0, `Connection closed by ${A} port 50001 [preauth]`),
      sshd(1, `Received disconnect from ${A} port 50002:11: Bye Bye [preauth]`),
      sshd(1, `Disconnected from ${A} port 50002 [preauth]`),
      sshd(2, `Connection reset by ${A} port 50003 [preauth]`),
      sshd(3, `Disconnected from authenticating user root ${A} port 50004 [preauth]`),
      sshd(4, `Connection closed by ${A} port 50005 [preauth]`),
    ];
    const r = run(lines);
    assert.deepEqual(r.verdicts.map((v) => v.counted), [true, true, false, true, true, true]);
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0].packet, 6);
  });

  it('never counted: a logout, a refused key of a valid user, an accepted login, other programs', () => {
    const lines = [
      sshd(0, `Received disconnect from 192.0.2.10 port 50000:11: disconnected by user`),
      sshd(0, `Disconnected from user alice 192.0.2.10 port 50000`),
      sshd(1, `Failed publickey for alice from 192.0.2.10 port 50001 ssh2: ED25519 SHA256:9Dq2JX6e1ktYk0v1wPSmJ0rTq4dF0eQ0lLxJ3Ue5c8E`),
      sshd(2, `Accepted publickey for alice from 192.0.2.10 port 50001 ssh2: RSA SHA256:Yx3Q1m2X9aTf0n2F1mJ1dSeJ9k9r0z4w6Q3C0xY2b1E`),
      `${iso(3)} web1 sudo: alice : Failed password for root from 192.0.2.10 port 50002 ssh2`,
      `${iso(4)} web1 notsshd[5]: Failed password for root from 192.0.2.10 port 50003 ssh2`,
    ];
    const r = run(lines);
    assert.deepEqual(r.verdicts.map((v) => [v.kind, v.counted]), [
      ['ssh_failure', false],
      ['ssh_failure', false],
      ['ssh_failure', false],
      ['ssh_success', false],
      ['none', false],
      ['none', false],
    ]);
    assert.match(r.verdicts[0].note!, /preauth/);
    assert.match(r.verdicts[2].note!, /key offered by a valid user/);
    assert.equal(r.verdicts[3].user, 'alice');
    // A refused key of an invalid user is a guess.
    const inv = run([sshd(0, `Failed publickey for invalid user x from ${A} port 1 ssh2: ED25519 SHA256:9Dq2JX6e1ktYk0v1wPSmJ0rTq4dF0eQ0lLxJ3Ue5c8E`)]);
    assert.equal(inv.verdicts[0].counted, true);
  });

  it('sshd-session and sshd-auth (OpenSSH 9.8+) count like sshd', () => {
    const lines = [0, 1, 2, 3, 4].map((t) => `${iso(t)} web1 ${t % 2 ? 'sshd-session' : 'sshd-auth'}[9]: Failed password for root from ${A} port ${60000 + t} ssh2`);
    assert.equal(run(lines).alerts.length, 1);
  });

  it('mode alert, severity, disabled, threshold and window from the config', () => {
    const lines = [0, 10, 20].map((t, i) => sshd(t, `Failed password for root from ${A} port ${40000 + i} ssh2`));
    const r = run(lines, 'auth-log', (c) => {
      c.detect.ssh_bruteforce = { enabled: true, mode: 'alert', severity: 'critical', fail_threshold: 3, time_window_sec: 30 };
    });
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0].action, 'alert');
    assert.equal(r.alerts[0].severity, 'critical');
    assert.match(r.alerts[0].reason, /^3 failed SSH logins within 30 s/);
    const off = run(lines, 'auth-log', (c) => {
      c.detect.ssh_bruteforce.enabled = false;
      c.detect.ssh_bruteforce.fail_threshold = 1;
    });
    assert.equal(off.alerts.length, 0);
  });

  it('a fail_threshold above 64 is refused with one clear config error', () => {
    assert.throws(
      () => run([], 'auth-log', (c) => (c.detect.ssh_bruteforce.fail_threshold = 65)),
      (e: unknown) => isPalisadeError(e) && e.code === 'PALISADE_ERR_CONFIG' && /fail_threshold: 65 is above the supported maximum 64/.test(e.message),
    );
  });
});

describe('ssh-bruteforce: bounded state', () => {
  it('sources are capped by detect.max_sources; evictions are counted', () => {
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) lines.push(sshd(i, `Failed password for root from 198.51.${i >> 8}.${i & 255} port ${1000 + i} ssh2`));
    const r = run(lines, 'auth-log', (c) => (c.detect.max_sources = 64));
    const c = r.pipeline.counters();
    assert.equal(c.ssh_sources_tracked, 64);
    assert.equal(c.ssh_source_evictions, 500 - 64);
    assert.equal(c.ssh_connection_evictions, 0);
    // A busy attacker is still caught while sources churn around it (it stays recently used).
    const mixed: string[] = [];
    for (let i = 0; i < 300; i++) {
      mixed.push(sshd(i, `Failed password for root from 198.51.${i >> 8}.${i & 255} port ${1000 + i} ssh2`));
      if (i % 50 === 0) mixed.push(sshd(i, `Failed password for root from ${A} port ${2000 + i} ssh2`));
    }
    assert.deepEqual(run(mixed, 'auth-log', (c) => (c.detect.max_sources = 64)).alerts.map((d) => d.src), [A]);
  });
});

describe('ssh-bruteforce: connections per source', () => {
  it('8 parallel connections are told apart; more are counted as evictions (their closes may count again)', () => {
    const open = (n: number): string[] => Array.from({ length: n }, (_, i) => sshd(i, `Invalid user u${i} from ${A} port ${5000 + i}`));
    const close = (n: number): string[] => Array.from({ length: n }, (_, i) => sshd(20 + i, `Connection closed by invalid user u${i} ${A} port ${5000 + i} [preauth]`));
    const eight = run([...open(8), ...close(8)], 'auth-log', (c) => (c.detect.ssh_bruteforce.fail_threshold = 64));
    assert.equal(eight.pipeline.counters().ssh_failures_counted, 8);
    assert.equal(eight.pipeline.counters().ssh_connection_evictions, 0);
    const ten = run([...open(10), ...close(10)], 'auth-log', (c) => (c.detect.ssh_bruteforce.fail_threshold = 64));
    assert.ok(ten.pipeline.counters().ssh_connection_evictions > 0);
    assert.ok(ten.pipeline.counters().ssh_failures_counted <= 20);
  });
});

describe('journal entries', () => {
  it('journalctl -o json lines of sshd count like auth log lines; other identifiers do not', () => {
    const entry = (t: number, msg: string, id = 'sshd'): string =>
      JSON.stringify({ __CURSOR: `s=1;i=${t}`, __REALTIME_TIMESTAMP: String((T0 + t) * 1e6), SYSLOG_IDENTIFIER: id, _PID: '77', _SYSTEMD_UNIT: 'ssh.service', MESSAGE: msg });
    const lines = [0, 1, 2, 3].map((t) => entry(t, `Failed password for root from ${A} port ${50000 + t} ssh2`));
    lines.splice(2, 0, entry(2, `Failed password for root from ${A} port 1 ssh2`, 'sudo'));
    lines.push(entry(9, `Failed password for root from ${A} port 50009 ssh2`));
    const r = run(lines, 'journald-json');
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0].packet, 6);
    assert.equal(r.alerts[0].ts, T0 + 9);
    assert.equal(r.alerts[0].evidence.log, 'journald-json');
    assert.equal(r.verdicts[2].kind, 'none');
  });
});

describe('access log requests through the HTTP signature rules', () => {
  const access = (ip: string, target: string, ua = 'Mozilla/5.0'): string => `${ip} - - [21/Nov/2026:10:00:00 +0000] "GET ${target} HTTP/1.1" 200 123 "-" "${ua}"`;

  it("GET /item?id=1%27%20OR%201=1-- is http-sqli naming the client, tagged as an access log line", () => {
    const r = run([access('198.51.100.20', '/index.html'), access('203.0.113.7', '/item?id=1%27%20OR%201=1--')], 'access-log');
    assert.deepEqual(r.verdicts.map((v) => [v.kind, v.rules]), [
      ['http_request', []],
      ['http_request', ['http-sqli']],
    ]);
    assert.equal(r.alerts.length, 1);
    const d = r.alerts[0];
    assert.equal(d.ruleId, 'http-sqli');
    assert.equal(d.src, '203.0.113.7');
    assert.equal(d.action, 'would-block');
    assert.equal(d.packet, 2);
    assert.equal(d.ts, T0);
    assert.equal(d.dst, null);
    assert.equal(d.dport, null);
    assert.equal(d.evidence.log, 'access-log');
    assert.equal(d.evidence.log_line, 2);
    assert.equal(d.evidence.field, 'http');
    assert.match(String(d.evidence.matched), /' OR 1=1--/);
  });

  it('IPv6 clients, path traversal, XSS in an escaped request, command injection in the user agent', () => {
    const r = run(
      [
        access('2001:db8::7', '/../../etc/passwd'),
        access('198.51.100.5', '/search?q=\\x22><script>alert(1)</script>'),
        access('198.51.100.6', '/', '() { :; }; /bin/bash -c \\"id\\"'),
      ],
      'access-log',
    );
    assert.deepEqual(r.alerts.map((d) => [d.ruleId, d.src]), [
      ['http-path-traversal', '2001:db8::7'],
      ['http-xss', '198.51.100.5'],
      ['http-cmd-injection', '198.51.100.6'],
    ]);
  });

  it('only HTTP rules run: a header-only port rule never fires on a rebuilt request', () => {
    // inbound-sensitive-port (dst 22 etc., SYN) must not fire whatever the synthetic view holds.
    const r = run([access('203.0.113.9', '/')], 'access-log', (c) => {
      c.signatures.overrides = { 'inbound-sensitive-port': { dst_ports: [80] } };
    });
    assert.deepEqual(r.alerts, []);
  });

  it('direction: a request from outside home_net is inbound, one from inside is not; ports are not applied', () => {
    const rules = parseRules(
      [
        'rules:',
        '  - {id: t-inbound, description: inbound secret, protocol: tcp, http: true, direction: inbound, pattern: "/secret", severity: high, mode: alert}',
        '  - {id: t-port, description: secret on 8080, protocol: tcp, http: true, dst_ports: [8080], pattern: "/secret", severity: low, mode: alert}',
      ].join('\n'),
      'test.yaml',
    );
    const config = defaultConfig();
    const signatures = new SignatureEngine(rules, { homeNet: new AddrSet(config.home_net.map((t) => parseCidr(t)!)) });
    const alerts: Detection[] = [];
    const p = new LogPipeline(config, (d) => alerts.push(d), signatures);
    p.onLine(access('203.0.113.9', '/secret'), { source: 'a.log', line: 1 }, 'access-log');
    p.onLine(access('10.1.2.3', '/secret'), { source: 'a.log', line: 2 }, 'access-log');
    assert.deepEqual(alerts.map((d) => [d.ruleId, d.src]), [
      ['t-inbound', '203.0.113.9'],
      ['t-port', '203.0.113.9'],
      ['t-port', '10.1.2.3'],
    ]);
  });

  it('malformed request fields are lines without a request, never an error', () => {
    const lines = ['198.51.100.3 - - [21/Nov/2026:10:00:03 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"', '198.51.100.4 - - [21/Nov/2026:10:00:04 +0000] "-" 408 0 "-" "-"', 'total junk', '\u0000\u0001\u0002'];
    const r = run(lines, 'access-log');
    assert.deepEqual(r.verdicts.map((v) => v.kind), ['none', 'none', 'none', 'none']);
    assert.equal(r.pipeline.counters().unparsed_lines, 2);
    assert.deepEqual(r.alerts, []);
  });
});
