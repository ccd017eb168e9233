import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Decision } from '../src/decide/decision.js';
import type { Detection } from '../src/detect/detection.js';
import { ActionLog, actionRecord, isoSeconds, pruneJsonl, refusalRecord } from '../src/record/actions-jsonl.js';
import { AlertLog, isoTime } from '../src/record/alerts-jsonl.js';
import { Store } from '../src/record/store.js';

// The keys of seed 000's action-log example, in its order.
const SEED_KEYS = ['timestamp', 'event', 'analysis', 'verdict', 'command', 'executed', 'dry_run', 'blocked_ip', 'reason'];
const SEED_EVENT_KEYS = ['src_ip', 'fail_count', 'alert_name'];

const T0 = 1_772_363_322; // 2026-03-01T11:08:42Z, the seed's example time
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pal-record-actions-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function decision(o: Partial<Decision> = {}): Decision {
  return {
    kind: 'block',
    target: '45.33.32.156',
    family: 4,
    network: false,
    ttl: 3600,
    expiresAt: T0 + 3600,
    rule: 'ssh-bruteforce',
    reason: 'SSH brute force: 8 failures in 300 s',
    origin: 'auto',
    parent: null,
    detections: 8,
    country: 'US',
    at: T0,
    ...o,
  };
}

describe('action records (seed 000 format)', () => {
  it('builds the seed example from a decision and an executed batch', () => {
    const r = actionRecord(decision(), { commands: ["nft -f - <<< 'add element inet palisade v4 { 45.33.32.156 timeout 3600s }'"], executed: true, error: null }, { dryRun: false });
    assert.deepEqual(Object.keys(r), SEED_KEYS);
    assert.deepEqual(Object.keys(r.event), SEED_EVENT_KEYS);
    assert.deepEqual(r, {
      timestamp: '2026-03-01T11:08:42+00:00',
      event: { src_ip: '45.33.32.156', fail_count: 8, alert_name: 'ssh-bruteforce' },
      analysis: 'ssh-bruteforce',
      verdict: 'block',
      command: "nft -f - <<< 'add element inet palisade v4 { 45.33.32.156 timeout 3600s }'",
      executed: true,
      dry_run: false,
      blocked_ip: '45.33.32.156',
      reason: 'SSH brute force: 8 failures in 300 s',
    });
  });

  it('takes only the commands of its own target from a batch', () => {
    const commands = [
      "nft -f - <<< 'add element inet palisade v4 { 45.33.32.15 timeout 3600s }'",
      "nft -f - <<< 'add element inet palisade v4 { 45.33.32.156 timeout 3600s }'",
      "nft -f - <<< 'add element inet palisade v4net { 45.33.32.0/24 timeout 3600s }'",
      "nft -f - <<< 'add element inet palisade v6 { 2001:db8::1 timeout 60s }'",
      "nft -f - <<< 'add element inet palisade v6 { 2001:db8::15 timeout 60s }'",
    ];
    const res = { commands, executed: true, error: null };
    assert.equal(actionRecord(decision(), res, { dryRun: false }).command, commands[1]);
    assert.equal(actionRecord(decision({ target: '45.33.32.15' }), res, { dryRun: false }).command, commands[0]);
    const sub = actionRecord(decision({ target: '45.33.32.0/24', network: true, origin: 'subnet', parent: '45.33.32.156', rule: 'subnet-injection' }), res, { dryRun: false });
    assert.equal(sub.command, commands[2]);
    assert.equal(sub.event.src_ip, '45.33.32.156', 'a subnet names the attacker that brought it in');
    assert.equal(sub.blocked_ip, '45.33.32.0/24');
    assert.equal(actionRecord(decision({ target: '2001:db8::1', family: 6 }), res, { dryRun: false }).command, commands[3]);
    // No command names the target: the whole batch is shown rather than nothing.
    assert.equal(actionRecord(decision({ target: '192.0.2.1' }), { commands: ['nft -f - <<< flush'], executed: true, error: null }, { dryRun: false }).command, 'nft -f - <<< flush');
  });

  it('dry-run, failures, unblocks and refusals', () => {
    const dry = actionRecord(decision(), { commands: ['nft add element inet palisade v4 { 45.33.32.156 }'], executed: false, error: null }, { dryRun: true, analysis: 'brute_force' });
    assert.deepEqual([dry.executed, dry.dry_run, dry.analysis], [false, true, 'brute_force']);
    const failed = actionRecord(decision(), { commands: ['nft add element inet palisade v4 { 45.33.32.156 }'], executed: true, error: 'Error: No such file or directory' }, { dryRun: false });
    assert.equal(failed.executed, false);
    assert.equal(failed.reason, 'SSH brute force: 8 failures in 300 s (enforcement failed: Error: No such file or directory)');
    const un = actionRecord(decision({ kind: 'unblock', origin: 'expiry', reason: 'expired after 3600 s', expiresAt: null, at: T0 + 3600 }), null, { dryRun: false });
    assert.deepEqual([un.verdict, un.command, un.executed, un.timestamp], ['unblock', '', false, '2026-03-01T12:08:42+00:00']);
    const ref = refusalRecord({ target: '192.0.2.3', reason: 'not blocked: 100000 blocks active (policy.max_blocks)', rule: 'port-scan', detections: 5, at: T0 }, false);
    assert.deepEqual(Object.keys(ref), SEED_KEYS);
    assert.equal(ref.verdict, 'refused');
  });

  it('timestamps are ISO-8601 with an offset, to the second', () => {
    assert.equal(isoSeconds(T0 + 0.999), '2026-03-01T11:08:42+00:00');
    assert.equal(isoSeconds(0), '1970-01-01T00:00:00+00:00');
  });
});

describe('ActionLog file', () => {
  it('appends one JSON object per line with exactly the seed keys', () => {
    const file = path.join(dir, 'actions.jsonl');
    writeFileSync(file, '{"earlier": "line kept"}\n');
    const log = new ActionLog(file);
    log.write(actionRecord(decision(), null, { dryRun: true }));
    log.write(actionRecord(decision({ kind: 'unblock', at: T0 + 5 }), null, { dryRun: true }), actionRecord(decision({ target: '192.0.2.9', at: T0 + 6 }), null, { dryRun: true }));
    log.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'ends with a newline');
    assert.equal(lines.length, 4);
    assert.equal(lines[0], '{"earlier": "line kept"}');
    for (const l of lines.slice(1)) {
      const rec = JSON.parse(l);
      assert.deepEqual(Object.keys(rec), SEED_KEYS);
      assert.deepEqual(Object.keys(rec.event), SEED_EVENT_KEYS);
      assert.match(rec.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    }
    assert.deepEqual(lines.slice(1).map((l) => JSON.parse(l).verdict), ['block', 'unblock', 'block']);
  });

  it('reopens when the file is replaced underneath (retention, logrotate)', () => {
    const file = path.join(dir, 'rotated.jsonl');
    const log = new ActionLog(file);
    log.write(actionRecord(decision(), null, { dryRun: true }));
    renameSync(file, `${file}.1`);
    log.write(actionRecord(decision({ target: '192.0.2.44' }), null, { dryRun: true }));
    log.close();
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).blocked_ip, '192.0.2.44');
    assert.equal(JSON.parse(readFileSync(`${file}.1`, 'utf8')).blocked_ip, '45.33.32.156');
  });

  it('the store keeps the same records as the file', () => {
    const store = Store.open(path.join(dir, 'actions-store', 'palisade.db'));
    const recs = [actionRecord(decision(), null, { dryRun: true }), actionRecord(decision({ kind: 'unblock', at: T0 + 60 }), null, { dryRun: true })];
    store.insertActions(recs.map((record) => ({ ts: T0, record })));
    assert.deepEqual(store.recentActions(5), [...recs].reverse());
    assert.deepEqual(Object.keys(store.recentActions(1)[0]), SEED_KEYS);
    store.close();
  });

  it('a file that cannot be opened is one clear error', () => {
    const bad = path.join(dir, 'no', 'such', 'actions.jsonl');
    assert.throws(() => new ActionLog(bad), (e: unknown) => e instanceof Error && e.message.startsWith(`${bad}: cannot open action log for appending`));
  });
});

describe('pruneJsonl', () => {
  it('drops lines older than the cutoff, keeps newer and unreadable lines, keeps the mode', async () => {
    const file = path.join(dir, 'prune.jsonl');
    const line = (ts: number, extra = '') => JSON.stringify({ timestamp: isoSeconds(ts), verdict: 'block', extra }) + '\n';
    writeFileSync(
      file,
      line(T0 - 100) +
        'not json at all\n' +
        line(T0 - 1) +
        '{"no_timestamp": true}\n' +
        '\n' +
        // an alerts.jsonl line (microsecond UTC timestamps) is read the same way
        JSON.stringify({ timestamp: '2026-03-01T11:08:41.999999Z', rule_id: 'x' }) +
        '\n' +
        line(T0) +
        line(T0 + 100, 'é unicode ✓'),
    );
    chmodSync(file, 0o640);
    const r = await pruneJsonl(file, T0);
    assert.deepEqual(r, { kept: 4, removed: 3, unparsed: 2 });
    const left = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(left, ['not json at all', '{"no_timestamp": true}', line(T0).trimEnd(), line(T0 + 100, 'é unicode ✓').trimEnd()]);
    assert.equal(statSync(file).mode & 0o777, 0o640);
  });

  it('streams a large file and a writer that keeps its file open lands in the new one', async () => {
    const file = path.join(dir, 'alerts.jsonl');
    const writer = new AlertLog(file);
    const det = (ts: number): Detection => ({
      ruleId: 'port-scan', severity: 'high', action: 'alert', scope: 'source', ts, src: '192.0.2.1', dst: '192.0.2.2',
      sport: 1, dport: 2, proto: 'tcp', reason: 'r', evidence: {}, packet: 1,
    });
    for (let i = 0; i < 200_000; i++) writer.write(det(i < 150_000 ? T0 - 1000 : T0 + i));
    writer.flush();
    const r = await pruneJsonl(file, T0);
    assert.deepEqual(r, { kept: 50_000, removed: 150_000, unparsed: 0 });
    writer.write(det(T0 + 999_999));
    writer.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 50_001, 'the line written after the swap is in the pruned file');
    assert.equal(JSON.parse(lines[50_000]).timestamp, isoTime(T0 + 999_999));
  });

  it('carries over lines appended after the read began', async () => {
    const file = path.join(dir, 'growing.jsonl');
    writeFileSync(file, JSON.stringify({ timestamp: isoSeconds(T0 - 5) }) + '\n');
    const p = pruneJsonl(file, T0);
    appendFileSync(file, JSON.stringify({ timestamp: isoSeconds(T0 + 5) }) + '\n'); // lands while pruning runs
    await p;
    assert.deepEqual(readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).timestamp), [isoSeconds(T0 + 5)]);
  });

  it('a missing file is nothing to prune', async () => {
    assert.deepEqual(await pruneJsonl(path.join(dir, 'absent.jsonl'), T0), { kept: 0, removed: 0, unparsed: 0 });
  });
});
