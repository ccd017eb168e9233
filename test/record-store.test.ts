import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { defaultConfig, type PolicySettings } from '../src/config/defaults.js';
import type { Decision } from '../src/decide/decision.js';
import { Policy } from '../src/decide/policy.js';
import { Whitelist } from '../src/decide/whitelist.js';
import type { Detection } from '../src/detect/detection.js';
import { PalisadeError } from '../src/errors.js';
import { MAX_QUEUED_ALERTS, SCHEMA_VERSION, Store } from '../src/record/store.js';

const T0 = 1_750_000_000;
const DAY = 86_400;
let dir: string;
let n = 0;
const dbPath = () => path.join(dir, `s${++n}`, 'palisade.db');

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pal-record-store-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function alert(i: number, o: Partial<Detection> = {}): Detection {
  return {
    ruleId: 'port-scan',
    severity: 'high',
    action: 'alert',
    scope: 'source',
    ts: T0 + i,
    src: '192.0.2.7',
    dst: '198.51.100.1',
    sport: 40000 + i,
    dport: 22,
    proto: 'tcp',
    reason: `alert ${i}`,
    evidence: { ports: 25, sample: [22, 80] },
    packet: i + 1,
    ...o,
  };
}

function policyOver(store: Store, p: Partial<PolicySettings> = {}): Policy {
  const whitelist = new Whitelist({ config: [], env: {}, interfaces: () => ({}) });
  return new Policy({ ...defaultConfig().policy, ...p }, { whitelist, geo: null, offenses: (t) => store.offenses(t) });
}

const storeError = (file: string, re: RegExp) => (e: unknown) =>
  e instanceof PalisadeError && e.code === 'PALISADE_ERR_STORE' && e.message.startsWith(`${file}: `) && re.test(e.message) && !e.message.includes('\n');

describe('Store: file and schema', () => {
  it('creates its directory, uses WAL and synchronous=NORMAL, and records the schema version', () => {
    const file = dbPath();
    const store = Store.open(file);
    assert.equal(store.pragma('journal_mode'), 'wal');
    assert.equal(store.pragma('synchronous'), 1); // NORMAL
    assert.equal(store.pragma('busy_timeout'), 5000);
    store.close();
    const raw = new Database(file, { readonly: true });
    assert.equal((raw.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v, SCHEMA_VERSION);
    const tables = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['actions', 'alerts', 'blocks', 'decisions', 'meta', 'positions', 'schema_version']);
    raw.close();
    // Reopening does not migrate again.
    Store.open(file).close();
    const again = new Database(file, { readonly: true });
    assert.equal((again.prepare('SELECT count(*) AS n FROM schema_version').get() as { n: number }).n, 1);
    again.close();
  });

  it('a corrupt file gives one clear error naming it, and is left as it was', () => {
    const file = dbPath();
    mkdirSync(path.dirname(file), { recursive: true });
    const junk = Buffer.alloc(8192, 0x41);
    writeFileSync(file, junk);
    assert.throws(() => Store.open(file), storeError(file, /cannot open the state database: file is not a database \(move it aside/));
    assert.deepEqual(readFileSync(file), junk, 'the damaged file is not touched');
    // A real SQLite header followed by garbage pages.
    const half = dbPath();
    const s = Store.open(half);
    s.insertAlerts(Array.from({ length: 500 }, (_, i) => ({ d: alert(i), origin: 'x' })));
    s.close();
    const bytes = new Database(half).serialize();
    bytes.fill(0xee, 100, bytes.length); // header intact, schema and data pages destroyed
    rmSync(`${half}-wal`, { force: true });
    rmSync(`${half}-shm`, { force: true });
    writeFileSync(half, bytes);
    assert.throws(() => Store.open(half), storeError(half, /cannot open the state database: /));
  });

  it('a directory, an unusable parent, a missing file when one is required', () => {
    const d = path.join(dir, 'isdir');
    mkdirSync(d);
    assert.throws(() => Store.open(d), storeError(d, /is a directory/));
    const parentFile = path.join(dir, 'plainfile');
    writeFileSync(parentFile, 'x');
    const under = path.join(parentFile, 'palisade.db');
    assert.throws(() => Store.open(under), storeError(under, /cannot create directory/));
    const missing = path.join(dir, 'missing', 'palisade.db');
    assert.throws(() => Store.open(missing, { mustExist: true }), storeError(missing, /no such file/));
  });

  it('an unwritable database file is refused at open', () => {
    const file = dbPath();
    Store.open(file).close();
    // Root ignores file modes; the immutable attribute stops root too (ext4, where tests run).
    const r = spawnSync('chattr', ['+i', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `chattr +i ${file} failed (needed to make a file unwritable for root): ${r.error?.message ?? r.stderr}`);
    try {
      assert.throws(() => Store.open(file), storeError(file, /readonly database/));
    } finally {
      spawnSync('chattr', ['-i', file]);
    }
  });

  it('a database made by a newer Palisade is refused, not downgraded', () => {
    const file = dbPath();
    Store.open(file).close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_version (version, applied) VALUES (?, ?)').run(SCHEMA_VERSION + 1, 0);
    raw.close();
    assert.throws(() => Store.open(file), storeError(file, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this Palisade \\(${SCHEMA_VERSION}\\); upgrade Palisade`)));
  });
});

describe('Store: decisions and the active set', () => {
  it('blocks survive close and reopen with their remaining TTL', () => {
    const file = dbPath();
    let store = Store.open(file);
    let policy = policyOver(store, { country_thresholds: {}, blacklist_ttl: 3600 });
    const ds: Decision[] = [];
    ds.push(...policy.onDetection(alert(0, { action: 'would-block', src: '192.0.2.7' }), T0));
    ds.push(...policy.block('198.51.100.0/24', 0, 'honeypot hits', T0 + 10));
    ds.push(...policy.block('2001:db8::5', 60, 'short', T0 + 20));
    store.recordDecisions(ds);
    store.close();

    // "Restart" 1000 s later.
    const now = T0 + 1000;
    store = Store.open(file);
    const lifted = store.liftExpired(now);
    assert.deepEqual(lifted.map((d) => [d.kind, d.target, d.origin]), [['unblock', '2001:db8::5', 'expiry']]);
    const active = store.activeBlocks(now);
    assert.deepEqual(active.map((b) => [b.target, b.network, b.expiresAt, b.origin, b.rule]), [
      ['192.0.2.7', false, T0 + 3600, 'auto', 'port-scan'],
      ['198.51.100.0/24', true, null, 'manual', 'manual'],
    ]);
    policy = policyOver(store);
    assert.deepEqual(policy.restore(active, now), []);
    const b = policy.active().find((x) => x.target === '192.0.2.7')!;
    assert.equal(b.expiresAt! - now, 2600, 'remaining TTL');
    assert.equal(b.since, T0);
    // History holds every block and unblock.
    assert.deepEqual(store.decisionHistory(10).map((d) => [d.kind, d.target]).reverse(), [
      ['block', '192.0.2.7'],
      ['block', '198.51.100.0/24'],
      ['block', '2001:db8::5'],
      ['unblock', '2001:db8::5'],
    ]);
    // Expiry through the policy removes the row.
    store.recordDecisions(policy.expire(T0 + 3600));
    assert.deepEqual(store.activeBlocks(T0 + 3600).map((x) => x.target), ['198.51.100.0/24']);
    store.close();
  });

  it('repeat offenders get longer TTLs from the stored history', () => {
    const store = Store.open(dbPath());
    const policy = policyOver(store, { blacklist_ttl: 100, repeat_multiplier: 3 });
    const ttls: number[] = [];
    let now = T0;
    for (let i = 0; i < 3; i++) {
      const [b] = policy.onDetection(alert(i, { action: 'would-block', src: '203.0.113.9' }), now);
      store.recordDecision(b);
      ttls.push(b.ttl);
      now += b.ttl;
      store.recordDecisions(policy.expire(now));
    }
    assert.deepEqual(ttls, [100, 300, 900]);
    assert.equal(store.offenses('203.0.113.9'), 3);
    assert.equal(store.offenses('203.0.113.10'), 0);
    store.close();
  });
});

describe('Store: alerts, actions, positions, meta', () => {
  it('stores alerts with every field and answers filtered, paged queries', () => {
    const store = Store.open(dbPath());
    store.insertAlert(alert(0), 'pcap:eth0');
    store.insertAlerts([
      { d: alert(1, { ruleId: 'ssh-bruteforce', severity: 'critical', src: '198.51.100.9', sport: null, dport: null, proto: 'ssh', action: 'would-block' }), origin: '/var/log/auth.log' },
      { d: alert(2, { scope: 'destination', src: null }), origin: 'pcap:eth0' },
      { d: alert(3), origin: 'pcap:eth0' },
    ]);
    const all = store.recentAlerts({ limit: 10 });
    assert.deepEqual(all.map((a) => a.reason), ['alert 3', 'alert 2', 'alert 1', 'alert 0']);
    const ssh = store.recentAlerts({ limit: 10, rule: 'ssh-bruteforce' });
    assert.deepEqual(ssh, [
      {
        id: 2,
        ts: T0 + 1,
        rule: 'ssh-bruteforce',
        severity: 'critical',
        action: 'would-block',
        scope: 'source',
        src: '198.51.100.9',
        dst: '198.51.100.1',
        sport: null,
        dport: null,
        proto: 'ssh',
        reason: 'alert 1',
        evidence: { ports: 25, sample: [22, 80] },
        origin: '/var/log/auth.log',
        packet: 2,
      },
    ]);
    assert.deepEqual(store.recentAlerts({ limit: 10, src: '192.0.2.7', since: T0 + 1 }).map((a) => a.id), [4]);
    const page1 = store.recentAlerts({ limit: 2 });
    const page2 = store.recentAlerts({ limit: 2, beforeId: page1[1].id });
    assert.deepEqual([...page1, ...page2].map((a) => a.id), [4, 3, 2, 1]);
    assert.deepEqual(store.alertCounts(), { total: 4, byRule: { 'port-scan': 3, 'ssh-bruteforce': 1 }, bySeverity: { high: 3, critical: 1 } });
    assert.deepEqual(store.alertCounts(T0 + 2), { total: 2, byRule: { 'port-scan': 2 }, bySeverity: { high: 2 } });
    store.close();
  });

  it('queues alerts for a batched flush, bounded, and flushes on close', () => {
    const file = dbPath();
    const store = Store.open(file);
    for (let i = 0; i < MAX_QUEUED_ALERTS + 7; i++) store.queueAlert(alert(i), 'flood');
    assert.equal(store.queuedAlerts, MAX_QUEUED_ALERTS);
    assert.equal(store.alertsDropped, 7);
    assert.equal(store.flushAlerts(), MAX_QUEUED_ALERTS);
    assert.equal(store.flushAlerts(), 0);
    store.queueAlert(alert(1), 'late');
    store.close();
    const again = Store.open(file);
    assert.equal(again.alertCounts().total, MAX_QUEUED_ALERTS + 1);
    again.close();
  });

  it('keeps action records, positions and meta across reopen', () => {
    const file = dbPath();
    let store = Store.open(file);
    const rec = (verdict: string, ip: string) => ({
      timestamp: '2026-03-01T11:08:42+00:00',
      event: { src_ip: ip, fail_count: 8, alert_name: 'ssh-bruteforce' },
      analysis: 'ssh-bruteforce',
      verdict,
      command: '',
      executed: false,
      dry_run: true,
      blocked_ip: ip,
      reason: 'r',
    });
    store.insertAction(T0, rec('block', '192.0.2.1'));
    store.insertActions([
      { ts: T0 + 1, record: rec('block', '192.0.2.2') },
      { ts: T0 + 2, record: rec('unblock', '192.0.2.1') },
    ]);
    store.setPosition('file:/var/log/auth.log', { ino: 1234, offset: 98765 }, T0);
    store.setPosition('journald', { cursor: 's=abc;i=1f' }, T0);
    store.setMeta('dry_run', false);
    store.setMeta('whitelist_runtime', ['203.0.113.0/24']);
    store.close();
    store = Store.open(file);
    assert.deepEqual(store.recentActions(2).map((r) => [r.verdict, r.blocked_ip]), [['unblock', '192.0.2.1'], ['block', '192.0.2.2']]);
    assert.deepEqual(store.getPosition('file:/var/log/auth.log'), { ino: 1234, offset: 98765 });
    assert.deepEqual(store.getPosition('journald'), { cursor: 's=abc;i=1f' });
    assert.equal(store.getPosition('nope'), null);
    assert.equal(store.getMeta('dry_run'), false);
    assert.deepEqual(store.getMeta('whitelist_runtime'), ['203.0.113.0/24']);
    store.deleteMeta('dry_run');
    assert.equal(store.getMeta('dry_run'), null);
    store.close();
  });
});

describe('Store: retention', () => {
  it('removes old alerts, actions and lifted history, never active blocks or their history', () => {
    const store = Store.open(dbPath());
    const now = T0 + 100 * DAY;
    const old = T0; // 100 days before now
    store.insertAlerts([
      { d: alert(0, { ts: old }), origin: '' },
      { d: alert(1, { ts: old + 1 }), origin: '' },
      { d: alert(2, { ts: now - DAY }), origin: '' },
    ]);
    const action = { timestamp: 'x', verdict: 'block' };
    store.insertActions([
      { ts: old, record: action },
      { ts: now - 10, record: action },
    ]);
    const policy = policyOver(store);
    // An old permanent block (active), an old lifted block, and a recent lifted one.
    store.recordDecisions(policy.block('192.0.2.1', 0, 'permanent', old));
    store.recordDecisions(policy.block('192.0.2.2', 60, 'lifted long ago', old));
    store.recordDecisions(policy.expire(old + 60));
    store.recordDecisions(policy.block('192.0.2.3', 60, 'lifted recently', now - 100));
    store.recordDecisions(policy.expire(now - 40));
    assert.deepEqual(store.retention(30, now), { alerts: 2, actions: 1, decisions: 2 });
    assert.deepEqual(store.recentAlerts({ limit: 10 }).map((a) => a.reason), ['alert 2']);
    assert.equal(store.recentActions(10).length, 1);
    assert.deepEqual(store.activeBlocks(now).map((b) => b.target), ['192.0.2.1']);
    assert.deepEqual(store.decisionHistory(10).map((d) => [d.kind, d.target]).reverse(), [
      ['block', '192.0.2.1'],
      ['block', '192.0.2.3'],
      ['unblock', '192.0.2.3'],
    ]);
    assert.deepEqual(store.retention(0, now), { alerts: 0, actions: 0, decisions: 0 }, '0 days keeps everything');
    store.close();
  });

  it('deletes in chunks: a large purge is complete', () => {
    const store = Store.open(dbPath());
    const rows = Array.from({ length: 12_345 }, (_, i) => ({ d: alert(i, { ts: T0 }), origin: '' }));
    store.insertAlerts(rows);
    store.insertAlert(alert(0, { ts: T0 + 40 * DAY }));
    assert.deepEqual(store.retention(30, T0 + 40 * DAY), { alerts: 12_345, actions: 0, decisions: 0 });
    assert.equal(store.alertCounts().total, 1);
    store.close();
  });
});

describe('Store: online backup', () => {
  it('a backup taken while another connection writes opens and holds the rows', async () => {
    const file = dbPath();
    const seed = Store.open(file);
    seed.insertAlerts(Array.from({ length: 5000 }, (_, i) => ({ d: alert(i), origin: 'before' })));
    seed.recordDecisions(policyOver(seed).block('198.51.100.0/24', 0, 'kept in the backup', T0));
    seed.close();

    const worker = new Worker(new URL('./support/store-writer.js', import.meta.url), { workerData: { file } });
    const done = new Promise<{ written: number }>((resolve, reject) => {
      worker.on('message', (m) => {
        if (typeof m === 'object') resolve(m);
      });
      worker.on('error', reject);
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve())); // writer is running
    const reader = Store.open(file);
    const dest = path.join(dir, 'backup.db');
    const size = await reader.backup(dest);
    reader.close();
    worker.postMessage('stop');
    const { written } = await done;
    await worker.terminate();
    assert.ok(written >= 200, 'the writer wrote during the backup');

    const copy = new Database(dest, { readonly: true });
    assert.equal((copy.pragma('integrity_check', { simple: true }) as string), 'ok');
    const before = (copy.prepare("SELECT count(*) AS n FROM alerts WHERE origin = 'before'").get() as { n: number }).n;
    const during = (copy.prepare("SELECT count(*) AS n FROM alerts WHERE origin = 'writer'").get() as { n: number }).n;
    copy.close();
    assert.equal(before, 5000);
    assert.ok(during >= 200 && during <= written && during % 200 === 0, `whole batches only: ${during} of ${written}`);
    assert.ok(size > 100_000);
    const restored = Store.open(dest, { mustExist: true });
    assert.deepEqual(restored.activeBlocks(T0).map((b) => b.target), ['198.51.100.0/24']);
    restored.close();
  });

  it('a backup into a missing directory fails with the destination named', async () => {
    const store = Store.open(dbPath());
    const dest = path.join(dir, 'no', 'such', 'dir', 'b.db');
    await assert.rejects(store.backup(dest), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_OUTPUT' && e.message.startsWith(dest));
    store.close();
  });
});

describe('Store: throughput', () => {
  it('inserts batched alerts fast enough for a flood (figure printed)', () => {
    const store = Store.open(dbPath());
    const total = 100_000;
    const batch = 1000;
    const rows = Array.from({ length: batch }, (_, i) => ({ d: alert(i), origin: 'pcap:eth0' }));
    const t = process.hrtime.bigint();
    for (let i = 0; i < total; i += batch) store.insertAlerts(rows);
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    const rate = Math.round(total / secs);
    console.log(`# store: ${total} alerts in batches of ${batch}: ${secs.toFixed(2)} s, ${rate} alerts/s`);
    assert.equal(store.alertCounts().total, total);
    assert.ok(rate > 20_000, `${rate} alerts/s`);
    store.close();
  });
});
