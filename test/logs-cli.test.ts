// The CLI on log files as a user runs it (bin/palisade, spawned): analyze on an auth log, a journal
// export and an access log, captures and logs in one run, the log-injection lines (which must
// block nobody), and `palisade explain`.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PALISADE_BIN, REPO_ROOT } from './support/paths.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function palisade(args: string[]): Run {
  const r = spawnSync(process.execPath, [PALISADE_BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function analyzeJson(args: string[]): any {
  const r = palisade(['analyze', '-o', 'json', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

let dir: string;
const file = (name: string, lines: string[]): string => {
  const p = path.join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
};
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'palisade-logs-cli-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const ATTACKER = '203.0.113.5';
const IPV6_ATTACKER = '2001:db8:77::5';

/** Debian 12 auth.log lines (rsyslog, ISO stamps) of an attack and normal use. */
function authLogIso(): string[] {
  const t = (s: number): string => `2026-11-21T10:${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.000000+00:00 web1`;
  return [
    `${t(0)} sshd[1001]: Accepted publickey for alice from 192.168.1.10 port 50000 ssh2: ED25519 SHA256:9Dq2JX6e1ktYk0v1wPSmJ0rTq4dF0eQ0lLxJ3Ue5c8E`,
    `${t(0)} sshd[1001]: pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)`,
    `${t(1)} systemd-logind[612]: New session 7 of user alice.`,
    `${t(2)} sshd[1002]: Invalid user admin from ${ATTACKER} port 40001`,
    `${t(2)} sshd[1002]: pam_unix(sshd:auth): check pass; user unknown`,
    `${t(2)} sshd[1002]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER}`,
    `${t(4)} sshd[1002]: Failed password for invalid user admin from ${ATTACKER} port 40001 ssh2`,
    `${t(5)} sshd[1002]: Connection closed by invalid user admin ${ATTACKER} port 40001 [preauth]`,
    `${t(6)} sshd[1003]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER}  user=root`,
    `${t(8)} sshd[1003]: Failed password for root from ${ATTACKER} port 40002 ssh2`,
    `${t(11)} sshd[1003]: Failed password for root from ${ATTACKER} port 40002 ssh2`,
    `${t(14)} sshd[1003]: Failed password for root from ${ATTACKER} port 40002 ssh2`,
    `${t(15)} sshd[1003]: Disconnected from authenticating user root ${ATTACKER} port 40002 [preauth]`,
    `${t(15)} sshd[1003]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ATTACKER}  user=root`,
    `${t(20)} sshd[1004]: Connection closed by ${ATTACKER} port 40003 [preauth]`,
    `${t(30)} CRON[1005]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)`,
    `${t(40)} sshd[1006]: Failed password for root from ${IPV6_ATTACKER} port 40004 ssh2`,
    `${t(41)} sshd[1006]: Failed password for root from ${IPV6_ATTACKER} port 40004 ssh2`,
    `${t(60)} sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`,
  ];
}

/**
 * User names crafted to name other addresses, from six attackers with four lines each: a parser
 * that searches for "from ADDRESS" would count 24 failures against 10.0.0.1 or 192.168.1.10.
 */
function injectionLog(): string[] {
  const lines: string[] = [];
  let port = 41000;
  for (let i = 1; i <= 6; i++) {
    const ip = `198.51.100.${i}`;
    const fake = i % 2 ? '10.0.0.1' : '192.168.1.10';
    const p = port++;
    const t = `Nov 21 11:0${i}:0`;
    lines.push(`${t}0 web1 sshd[${2000 + i}]: Invalid user x from ${fake} port 22 ssh2 from ${ip} port ${p}`);
    lines.push(`${t}1 web1 sshd[${2000 + i}]: Failed password for invalid user x from ${fake} port 22 ssh2 from ${ip} port ${p} ssh2`);
    lines.push(`${t}2 web1 sshd[${2000 + i}]: Connection closed by invalid user x from ${fake} port 22 ssh2 ${ip} port ${p} [preauth]`);
    lines.push(`${t}3 web1 sshd[${3000 + i}]: Invalid user admin from ${fake} from ${ip} port ${p + 100}`);
  }
  // A certificate key ID naming another address after the real one: ambiguous, names nobody.
  for (let k = 0; k < 6; k++) {
    lines.push(`Nov 21 11:10:0${k} web1 sshd[4000]: Failed publickey for invalid user y from 198.51.100.9 port ${42000 + k} ssh2: ED25519-CERT SHA256:abc ID z from 10.0.0.1 port 22 ssh2: (serial 1) CA ED25519 SHA256:def`);
  }
  return lines;
}

describe('palisade analyze on log files', () => {
  it('an auth log (ISO stamps): lines, format, the brute forcer would be blocked, nobody else', () => {
    const log = file('auth.log', authLogIso());
    const j = analyzeJson([log]);
    assert.equal(j.lines, 19);
    assert.equal(j.packets, 0);
    assert.deepEqual(j.files.map((f: any) => [f.format, f.lines, f.problem]), [['auth-log', 19, null]]);
    assert.deepEqual(j.by_rule, { 'ssh-bruteforce': 1 });
    assert.deepEqual(j.sources.map((s: any) => [s.ip, s.rules, s.would_block]), [[ATTACKER, ['ssh-bruteforce'], true]]);
    assert.equal(j.sources[0].first_seen, '2026-11-21T10:00:20.000000Z', 'alerted on the 5th counted failure (the kex-only connection)');
    assert.equal(j.first_ts, '2026-11-21T10:00:00.000000Z');
    assert.equal(j.last_ts, '2026-11-21T10:01:00.000000Z');
    assert.equal(j.state.ssh_failures_counted, 7);
    assert.ok(j.lines_per_s > 0);
  });

  it('the log-injection lines block nobody', () => {
    const lines = injectionLog();
    assert.ok(lines.filter((l) => l.includes('from 10.0.0.1 port 22')).length >= 5, 'a naive parser would count 10.0.0.1');
    const j = analyzeJson([file('inject.log', lines)]);
    assert.deepEqual(j.sources.filter((s: any) => s.would_block), []);
    assert.deepEqual(j.by_rule, {});
    const explain = palisade(['explain', path.join(dir, 'inject.log')]);
    assert.equal(explain.status, 0, explain.stderr);
    const named = explain.stdout.trim().split('\n').map((l) => JSON.parse(l).ip);
    assert.ok(!named.includes('10.0.0.1') && !named.includes('192.168.1.10'), named.join(' '));
  });

  it('a journalctl -o json export', () => {
    const entries = [0, 1, 2, 3, 4].map((k) =>
      JSON.stringify({
        __CURSOR: `s=ab;i=${k}`,
        __REALTIME_TIMESTAMP: String(Date.UTC(2026, 10, 21, 12, 0, k) * 1000),
        _SYSTEMD_UNIT: 'ssh.service',
        SYSLOG_IDENTIFIER: 'sshd',
        _PID: String(500 + k),
        MESSAGE: `Failed password for invalid user oracle from ${IPV6_ATTACKER} port ${33000 + k} ssh2`,
      }),
    );
    const j = analyzeJson([file('journal.json', entries)]);
    assert.equal(j.files[0].format, 'journald-json');
    assert.deepEqual(j.sources.map((s: any) => [s.ip, s.would_block]), [[IPV6_ATTACKER, true]]);
  });

  it('an access log: SQL injection names the client, alerts carry the line number', () => {
    const log = file('access.log', [
      '198.51.100.20 - - [21/Nov/2026:10:00:00 +0000] "GET /index.html HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
      '203.0.113.7 - - [21/Nov/2026:10:00:01 +0000] "GET /item?id=1%27%20OR%201=1-- HTTP/1.1" 200 123 "-" "sqlmap/1.7"',
      '198.51.100.3 - - [21/Nov/2026:10:00:03 +0000] "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xFC\\x03\\x03" 400 157 "-" "-"',
    ]);
    const alerts = path.join(dir, 'alerts.jsonl');
    const j = analyzeJson([log, '--alerts-out', alerts]);
    assert.equal(j.files[0].format, 'access-log');
    assert.deepEqual(j.by_rule, { 'http-sqli': 1 });
    assert.deepEqual(j.sources.map((s: any) => [s.ip, s.rules, s.would_block]), [['203.0.113.7', ['http-sqli'], true]]);
    const a = JSON.parse(readFileSync(alerts, 'utf8').trim());
    assert.equal(a.rule_id, 'http-sqli');
    assert.equal(a.src, '203.0.113.7');
    assert.equal(a.packet, 2);
    assert.equal(a.evidence.log, 'access-log');
    assert.equal(a.evidence.log_file, log);
  });

  it('captures and logs in one run, with one report', () => {
    const log = file('auth2.log', authLogIso());
    const j = analyzeJson([path.join(REPO_ROOT, 'examples/lab.pcap'), log]);
    assert.deepEqual(j.files.map((f: any) => f.format), ['pcap', 'auth-log']);
    assert.equal(j.packets, 12480);
    assert.equal(j.lines, 19);
    assert.ok(j.by_rule['port-scan'] > 0 && j.by_rule['ssh-bruteforce'] === 1, JSON.stringify(j.by_rule));
    assert.ok(j.sources.some((s: any) => s.ip === ATTACKER && s.would_block));
    const text = palisade(['analyze', path.join(REPO_ROOT, 'examples/lab.pcap'), log]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /packets\s+12,480/);
    assert.match(text.stdout, /log lines\s+19\s+\(auth-log;/);
  });

  it('a text file that is neither a capture nor a known log: one line naming both', () => {
    const p = file('notes.txt', ['hello', 'this is not a log']);
    const r = palisade(['analyze', p]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^palisade: .*notes\.txt: not a capture file \(magic 0x[0-9a-f]+; expected pcap or pcapng\), nor a log file this reads \(syslog auth log, journalctl -o json, web access log\)\n$/);
  });
});

describe('palisade explain', () => {
  it('one JSON line per input line: kind, address, user, the rules that fired, whether it counted', () => {
    const lines = authLogIso();
    const log = file('explain.log', lines);
    const r = palisade(['explain', log]);
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(out.length, lines.length);
    assert.deepEqual(out.map((o) => o.line), lines.map((_, i) => i + 1));
    assert.deepEqual(Object.keys(out[0]).slice(0, 5), ['line', 'kind', 'ip', 'user', 'rules']);
    assert.deepEqual(out[0], { line: 1, kind: 'ssh_success', ip: '192.168.1.10', user: 'alice', rules: [], ts: '2026-11-21T10:00:00.000000Z', reason: 'accepted', counted: false, note: null });
    assert.deepEqual(out[3], { line: 4, kind: 'ssh_failure', ip: ATTACKER, user: 'admin', rules: [], ts: '2026-11-21T10:00:02.000000Z', reason: 'invalid_user', counted: true, note: null });
    assert.equal(out[5].reason, 'pam_failure');
    assert.equal(out[5].counted, false);
    assert.match(out[5].note, /PAM line/);
    assert.deepEqual(out.filter((o) => o.rules.length > 0).map((o) => [o.line, o.rules]), [[15, ['ssh-bruteforce']]]);
    assert.equal(out[15].kind, 'none');
    assert.equal(out[16].ip, IPV6_ATTACKER);
  });

  it('detection options apply (--set), --kind overrides the recognised format', () => {
    const log = file('explain2.log', authLogIso());
    const r = palisade(['explain', log, '--set', 'detect.ssh_bruteforce.fail_threshold=2']);
    assert.equal(r.status, 0, r.stderr);
    const fired = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((o) => o.rules.length > 0);
    assert.deepEqual(fired.map((o) => [o.line, o.ip]), [[10, ATTACKER], [18, IPV6_ATTACKER]]);
    const forced = palisade(['explain', log, '--kind', 'access-log']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.ok(forced.stdout.trim().split('\n').every((l) => JSON.parse(l).kind === 'none'));
  });

  it('errors are one line: a missing file, a capture, an unknown format', () => {
    const missing = palisade(['explain', path.join(dir, 'nope.log')]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^palisade: .*nope\.log: cannot open \(no such file\)\n$/);
    const cap = palisade(['explain', path.join(REPO_ROOT, 'examples/lab.pcap')]);
    assert.equal(cap.status, 1);
    assert.match(cap.stderr, /^palisade: .*lab\.pcap: is a capture file; explain reads log files \(use: palisade analyze .*\)\n$/);
    const txt = palisade(['explain', file('junk.txt', ['a', 'b'])]);
    assert.equal(txt.status, 1);
    assert.match(txt.stderr, /junk\.txt: not a log file this reads .*--kind\n$/);
  });
});
