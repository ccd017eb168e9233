// `palisade backup-db` and `palisade retention` on real state directories.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import Database from 'better-sqlite3';
import { backupDbCommand } from '../src/cli/backup-db.js';
import { retentionCommand } from '../src/cli/retention.js';
import { defaultConfig } from '../src/config/defaults.js';
import { Policy } from '../src/decide/policy.js';
import { Whitelist } from '../src/decide/whitelist.js';
import type { Detection } from '../src/detect/detection.js';
import { PalisadeError } from '../src/errors.js';
import { isoSeconds } from '../src/record/actions-jsonl.js';
import { isoTime } from '../src/record/alerts-jsonl.js';
import { Store } from '../src/record/store.js';

const NOW = Date.now() / 1000;
const DAY = 86_400;
let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pal-record-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(make: (out: { write(t: string): unknown }) => Command, args: string[]): Promise<string> {
  let out = '';
  const cmd = make({ write: (t: string) => (out += t) });
  cmd.exitOverride();
  await cmd.parseAsync(args, { from: 'user' });
  return out;
}

function alert(ts: number): Detection {
  return { ruleId: 'icmp-flood', severity: 'high', action: 'would-block', scope: 'source', ts, src: '192.0.2.9', dst: '192.0.2.1', sport: null, dport: null, proto: 'icmp', reason: 'r', evidence: {}, packet: 1 };
}

/** A state directory as the daemon leaves it: db with old and new rows, both JSONL files. */
function stateDir(name: string): string {
  const d = path.join(dir, name);
  const store = Store.open(path.join(d, 'palisade.db'));
  store.insertAlerts([
    { d: alert(NOW - 60 * DAY), origin: 'pcap' },
    { d: alert(NOW - 60), origin: 'pcap' },
  ]);
  store.insertActions([
    { ts: NOW - 60 * DAY, record: { timestamp: isoSeconds(NOW - 60 * DAY), verdict: 'block' } },
    { ts: NOW - 60, record: { timestamp: isoSeconds(NOW - 60), verdict: 'block' } },
  ]);
  const policy = new Policy(defaultConfig().policy, { whitelist: new Whitelist({ config: [], env: {}, interfaces: () => ({}) }), geo: null, offenses: () => 0 });
  store.recordDecisions(policy.block('198.51.100.0/24', 0, 'permanent, old', NOW - 90 * DAY));
  store.recordDecisions(policy.block('192.0.2.50', 60, 'old, lifted', NOW - 90 * DAY));
  store.recordDecisions(policy.expire(NOW - 90 * DAY + 60));
  store.close();
  writeFileSync(path.join(d, 'alerts.jsonl'), [NOW - 60 * DAY, NOW - 60].map((t) => JSON.stringify({ timestamp: isoTime(t), rule_id: 'icmp-flood' }) + '\n').join(''));
  writeFileSync(path.join(d, 'actions.jsonl'), [NOW - 60 * DAY, NOW - 61 * DAY, NOW - 60].map((t) => JSON.stringify({ timestamp: isoSeconds(t), verdict: 'block' }) + '\n').join(''));
  return d;
}

describe('palisade backup-db', () => {
  it('writes a copy that opens with every row, and prints path and size', async () => {
    const d = stateDir('b1');
    const dest = path.join(dir, 'copy.db');
    const out = await run(backupDbCommand, [dest, '--state-dir', d]);
    assert.match(out, new RegExp(`^backed up ${d}/palisade\\.db to ${dest} \\(\\d+\\.\\d KiB\\)\\n$`));
    const copy = new Database(dest, { readonly: true });
    assert.equal((copy.prepare('SELECT count(*) AS n FROM alerts').get() as { n: number }).n, 2);
    assert.equal((copy.prepare('SELECT target FROM blocks').get() as { target: string }).target, '198.51.100.0/24');
    copy.close();
  });

  it('refuses to overwrite unless --force, and prints JSON on request', async () => {
    const d = stateDir('b2');
    const dest = path.join(dir, 'exists.db');
    writeFileSync(dest, 'precious');
    await assert.rejects(run(backupDbCommand, [dest, '--state-dir', d]), (e: unknown) => e instanceof PalisadeError && /exists; use --force/.test(e.message));
    assert.equal(readFileSync(dest, 'utf8'), 'precious');
    const out = JSON.parse(await run(backupDbCommand, [dest, '--state-dir', d, '--force', '-o', 'json']));
    assert.equal(out.backup, dest);
    assert.equal(out.bytes, readFileSync(dest).length);
    assert.ok(!existsSync(`${dest}.tmp-${process.pid}`));
  });

  it('names the missing database and refuses to copy a file onto itself', async () => {
    const empty = path.join(dir, 'empty-state');
    await assert.rejects(run(backupDbCommand, [path.join(dir, 'x.db'), '--state-dir', empty]), (e: unknown) => e instanceof PalisadeError && e.message === `${empty}/palisade.db: cannot open the state database: no such file`);
    const d = stateDir('b3');
    await assert.rejects(run(backupDbCommand, [path.join(d, 'palisade.db'), '--state-dir', d, '--force']), /is the database itself/);
  });

  it('takes the state directory from the config file', async () => {
    const d = stateDir('b4');
    const cfg = path.join(dir, 'palisade.yaml');
    writeFileSync(cfg, `daemon:\n  state_dir: ${d}\n`);
    const dest = path.join(dir, 'from-config.db');
    await run(backupDbCommand, [dest, '-c', cfg]);
    assert.ok(existsSync(dest));
  });
});

describe('palisade retention', () => {
  it('removes old rows and lines, keeps active blocks, prints what it removed', async () => {
    const d = stateDir('r1');
    const out = await run(retentionCommand, ['--days', '30', '--state-dir', d]);
    assert.match(out, /palisade\.db {5}1 alerts, 1 actions, 2 decisions\n/);
    assert.match(out, /alerts\.jsonl {4}1 lines \(1 kept\)\n/);
    assert.match(out, /actions\.jsonl {3}2 lines \(1 kept\)\n/);
    const store = Store.open(path.join(d, 'palisade.db'));
    assert.equal(store.alertCounts().total, 1);
    assert.deepEqual(store.activeBlocks(NOW).map((b) => b.target), ['198.51.100.0/24']);
    assert.deepEqual(store.decisionHistory(10).map((x) => x.target), ['198.51.100.0/24']);
    store.close();
    assert.equal(readFileSync(path.join(d, 'actions.jsonl'), 'utf8').trimEnd().split('\n').length, 1);
  });

  it('uses record.retention_days by default; 0 keeps everything; JSON output', async () => {
    const d = stateDir('r2');
    const cfg = path.join(dir, 'ret.yaml');
    writeFileSync(cfg, `record:\n  retention_days: 0\n`);
    assert.equal(await run(retentionCommand, ['--state-dir', d, '-c', cfg]), 'retention is off (0 days): nothing removed\n');
    const j = JSON.parse(await run(retentionCommand, ['--state-dir', d, '-o', 'json']));
    assert.equal(j.days, 30);
    assert.deepEqual(j.database, { alerts: 1, actions: 1, decisions: 2 });
    assert.equal(j.alerts_jsonl.removed, 1);
  });

  it('rejects a bad --days value', async () => {
    await assert.rejects(run(retentionCommand, ['--days', 'ten', '--state-dir', dir]), (e: unknown) => e instanceof PalisadeError && e.message === "--days: 'ten' is not a number of days >= 0");
  });
});
