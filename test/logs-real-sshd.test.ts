// The proof that the formats are right: a real OpenSSH sshd (Debian 12's 9.2p1, with PAM) logging
// through syslog into a real systemd-journald, attacked with sshpass + ssh from another network
// namespace (test/support/ssh-lab.ts). Its journal is printed by journalctl as an RFC 3164 auth.log,
// as ISO 8601 lines and as JSON; every failure in each must be read with the client's address, the
// address in an injected user name must be named nowhere, and `palisade analyze` must propose the
// brute forcer. The journald follower follows the same live journal through the real journalctl
// and resumes from its saved cursor after a restart with nothing lost or repeated.
// Runs as root (it creates namespaces); fails, never skips, when that or a tool is missing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import type { LineOrigin } from '../src/decode/log/log-event.js';
import { assemble } from '../src/pipeline/assemble.js';
import { LogPipeline, type LineVerdict, type LogKind } from '../src/pipeline/log-lines.js';
import { JournaldFollower } from '../src/sources/journald/journald-follower.js';
import { PALISADE_BIN } from './support/paths.js';
import { SshLab } from './support/ssh-lab.js';
import { JsonStore } from './support/json-position-store.js';
import { waitFor } from './support/wait.js';

const INJECTED = 'x from 10.0.0.1 port 22 ssh2';


function verdicts(lines: string[], kind: LogKind): LineVerdict[] {
  const config = defaultConfig();
  const stages = assemble(config, () => undefined);
  const p = new LogPipeline(config, () => undefined, stages.signatures, { reference: Date.now() / 1000 });
  return lines.map((l, i) => {
    const v = p.onLine(l, { source: kind, line: i + 1 }, kind);
    return { ...v, rules: [...v.rules] };
  });
}

let lab: SshLab;
const store = new JsonStore();
const followed: string[] = [];
let follower: JournaldFollower;
const started = Date.now() / 1000;

before(async () => {
  lab = await SshLab.create();
  follower = new JournaldFollower({
    onLine: (text: string, _o: LineOrigin) => followed.push(text),
    store,
    units: [],
    // No systemd here, so entries carry no _SYSTEMD_UNIT: match sshd's identifier instead of -u.
    matches: ['SYSLOG_IDENTIFIER=sshd'],
    directory: lab.journalDir,
  });
  follower.start();
  await waitFor('journalctl to start', () => follower.status().state === 'following', 15_000);
  // Give journalctl -f a moment to reach the journal's end before the attacks begin.
  await new Promise((r) => setTimeout(r, 500));
  lab.attempt('root', 'wrong1', lab.srv4);
  lab.attempt('root', 'wrong2', lab.srv4);
  lab.attempt('root', 'wrong3', lab.srv4);
  lab.attempt('admin', 'admin', lab.srv4);
  lab.attempt(INJECTED, 'x', lab.srv4);
  lab.attempt('root', 'wrong4', lab.srv6);
  lab.keyOnly('nobody', lab.srv4);
  lab.keyscan(lab.srv4);
  await waitFor('six Failed password lines in the journal', () => (lab.journal('short').match(/Failed password/g) ?? []).length === 6, 15_000);
});

after(async () => {
  await follower?.stop();
  await lab?.destroy();
});

describe('a real sshd, its auth log in three forms', () => {
  for (const [format, kind] of [
    ['short', 'auth-log'],
    ['short-iso', 'auth-log'],
    ['short-iso-precise', 'auth-log'],
    ['json', 'journald-json'],
  ] as const) {
    it(`journalctl -o ${format}: every failure read, with the client's address`, () => {
      const lines = lab.journal(format).trim().split('\n');
      const v = verdicts(lines, kind);
      const failed = v.filter((x) => x.reason === 'failed_password');
      assert.equal(failed.length, 6, lines.join('\n'));
      assert.deepEqual(failed.map((x) => x.ip), [lab.cli4, lab.cli4, lab.cli4, lab.cli4, lab.cli4, lab.cli6]);
      assert.deepEqual(failed.map((x) => x.user), ['root', 'root', 'root', 'admin', INJECTED, 'root']);
      // Every line of the journal that mentions a failure was recognised.
      lines.forEach((l, i) => {
        if (/Failed password|Invalid user|authentication failure|\[preauth\]$/.test(l)) assert.equal(v[i].kind, 'ssh_failure', l);
      });
      const invalid = v.filter((x) => x.reason === 'invalid_user');
      assert.deepEqual(invalid.map((x) => [x.ip, x.user]), [[lab.cli4, 'admin'], [lab.cli4, INJECTED]]);
      assert.ok(v.some((x) => x.reason === 'preauth_disconnect' && x.user === 'nobody' && x.ip === lab.cli4), 'the key-only client');
      assert.ok(!v.some((x) => x.ip === '10.0.0.1'), 'the injected address is named nowhere');
      // Times are this run's (the year of RFC 3164 lines inferred right).
      for (const x of v.filter((y) => y.ts !== null)) assert.ok(x.ts! > started - 600 && x.ts! < Date.now() / 1000 + 60, `${x.line}: ts ${x.ts}`);
      // One attempt per connection: each counts once.
      assert.equal(v.filter((x) => x.counted && x.ip === lab.cli6).length, 1);
      assert.ok(v.filter((x) => x.counted && x.ip === lab.cli4).length >= 7);
    });
  }

  it('palisade analyze on the auth.log proposes the brute forcer and nobody else', () => {
    const file = path.join(lab.dir, 'auth.log');
    writeFileSync(file, lab.journal('short'));
    const r = spawnSync(process.execPath, [PALISADE_BIN, 'analyze', '-o', 'json', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.sources.filter((s: any) => s.would_block).map((s: any) => [s.ip, s.rules]), [[lab.cli4, ['ssh-bruteforce']]]);
  });
});

describe('journald follower on the live journal', () => {
  it('follows sshd entries as they are written, then resumes after its cursor with nothing lost or repeated', async () => {
    await waitFor('the followed failures', () => followed.filter((l) => l.includes('Failed password')).length === 6, 15_000);
    const v = verdicts(followed, 'journald-json');
    assert.deepEqual(v.filter((x) => x.reason === 'failed_password').map((x) => x.ip), [lab.cli4, lab.cli4, lab.cli4, lab.cli4, lab.cli4, lab.cli6]);
    assert.equal(follower.status().state, 'following');
    const cursor = follower.status().cursor;
    assert.ok(cursor && cursor.startsWith('s='), String(cursor));

    await follower.stop();
    assert.equal(store.get(`journald:`), cursor, 'the cursor is saved on stop');
    const before = followed.length;
    const seen = new Set(followed.map((l) => JSON.parse(l).__CURSOR));
    lab.attempt('root', 'while-stopped', lab.srv4);
    await waitFor('the failure written while stopped', () => (lab.journal('short').match(/Failed password/g) ?? []).length === 7, 15_000);

    const again: string[] = [];
    const f2 = new JournaldFollower({ onLine: (t) => again.push(t), store, units: [], matches: ['SYSLOG_IDENTIFIER=sshd'], directory: lab.journalDir });
    f2.start();
    try {
      assert.deepEqual(f2.args().slice(-2), ['--after-cursor', cursor]);
      await waitFor('the entry written while stopped', () => again.some((l) => l.includes('while-stopped') || l.includes('Failed password')), 15_000);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(followed.length, before);
      for (const l of again) assert.ok(!seen.has(JSON.parse(l).__CURSOR), `repeated: ${l}`);
      const fails = verdicts(again, 'journald-json').filter((x) => x.reason === 'failed_password');
      assert.deepEqual(fails.map((x) => [x.ip, x.user]), [[lab.cli4, 'root']]);
    } finally {
      await f2.stop();
    }
  });
});
