// The daemon's durable store: one SQLite file (WAL) with the alerts, the history of every block
// and unblock, the active block set (so a restart restores it with the remaining TTL), the
// action log, log-source positions and small runtime settings. better-sqlite3 is synchronous and
// each call is short; alerts arrive in batches (queueAlert + flushAlerts every ~100 ms: one
// transaction per batch) so a flood costs one fsync-free commit per batch, not one per alert.
// WAL lets `palisade backup-db` and `palisade retention` work on the file while the daemon writes.

import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Decision } from '../decide/decision.js';
import type { ActiveBlock, BlockOrigin } from '../decide/policy.js';
import type { Detection, EvidenceValue } from '../detect/detection.js';
import { PalisadeError } from '../errors.js';

/** Schema migrations; index i brings the file from version i to i + 1. Never edit a shipped one. */
const MIGRATIONS: readonly string[] = [
  // version 1
  `
  CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    action TEXT NOT NULL,
    scope TEXT NOT NULL,
    src TEXT, dst TEXT, sport INTEGER, dport INTEGER, proto TEXT,
    reason TEXT NOT NULL,
    evidence TEXT NOT NULL,
    origin TEXT NOT NULL,
    packet INTEGER NOT NULL
  );
  CREATE INDEX alerts_ts ON alerts(ts);
  CREATE INDEX alerts_rule_ts ON alerts(rule, ts);
  CREATE INDEX alerts_src_ts ON alerts(src, ts);
  CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('block', 'unblock')),
    target TEXT NOT NULL,
    family INTEGER NOT NULL,
    network INTEGER NOT NULL,
    ttl INTEGER NOT NULL,
    expires_at REAL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    origin TEXT NOT NULL,
    parent TEXT,
    detections INTEGER NOT NULL,
    country TEXT
  );
  CREATE INDEX decisions_target ON decisions(target, kind);
  CREATE INDEX decisions_at ON decisions(at);
  CREATE TABLE blocks (
    target TEXT PRIMARY KEY,
    family INTEGER NOT NULL,
    network INTEGER NOT NULL,
    ttl INTEGER NOT NULL,
    expires_at REAL,
    rule TEXT NOT NULL,
    reason TEXT NOT NULL,
    origin TEXT NOT NULL,
    parent TEXT,
    detections INTEGER NOT NULL,
    country TEXT,
    since REAL NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    verdict TEXT NOT NULL,
    target TEXT,
    record TEXT NOT NULL
  );
  CREATE INDEX actions_ts ON actions(ts);
  CREATE TABLE positions (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated REAL NOT NULL) WITHOUT ROWID;
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Keys of the meta table the daemon uses (values are JSON). */
export const META_KEYS = {
  /** Dry-run switched at run time (`palisade dry-run on|off`): boolean; absent = config value. */
  dryRun: 'enforce.dry_run',
  /** Run-time whitelist entries (Whitelist.runtimeEntries()): string[]. */
  runtimeWhitelist: 'policy.whitelist.runtime',
} as const;

/** Alerts waiting for flushAlerts() at most; beyond, they are counted and dropped (alerts.jsonl keeps them). */
export const MAX_QUEUED_ALERTS = 50_000;

/** Rows deleted per transaction by retention(), so the daemon's writes wait milliseconds, not seconds. */
const RETENTION_CHUNK = 5000;

export interface AlertRow {
  id: number;
  ts: number;
  rule: string;
  severity: string;
  action: string;
  scope: string;
  src: string | null;
  dst: string | null;
  sport: number | null;
  dport: number | null;
  proto: string | null;
  reason: string;
  evidence: Record<string, EvidenceValue>;
  /** Which source produced it: "pcap:eth0", "auth.log", ... */
  origin: string;
  /** Packet or line number in that source (0 when not tied to one). */
  packet: number;
}

export interface AlertQuery {
  limit: number;
  /** Only alerts with ts >= since (seconds). */
  since?: number;
  /** Only alerts with id < beforeId (paging: pass the last id of the previous page). */
  beforeId?: number;
  rule?: string;
  src?: string;
}

export interface DecisionRow extends Decision {
  id: number;
}

/** One action-log record as written to actions.jsonl (seed 000's format). */
export type ActionRecordJson = Record<string, unknown> & { timestamp: string; verdict: string };

export interface RetentionResult {
  alerts: number;
  actions: number;
  decisions: number;
}

export interface OpenOptions {
  /** Fail instead of creating a new database (for the CLI verbs that work on an existing one). */
  mustExist?: boolean;
  readonly?: boolean;
}

export class Store {
  private readonly db: Database.Database;
  private readonly st: ReturnType<Store['prepare']>;
  private queue: { d: Detection; origin: string }[] = [];
  /** Alerts dropped because the queue was full (the daemon could not flush in time). */
  alertsDropped = 0;

  private constructor(
    readonly path: string,
    db: Database.Database,
  ) {
    this.db = db;
    this.st = this.prepare();
  }

  /** Opens (creating directories and the file as needed) and migrates; PalisadeError naming the path. */
  static open(file: string, opts: OpenOptions = {}): Store {
    const fail = (why: string): never => {
      throw new PalisadeError('PALISADE_ERR_STORE', `${file}: cannot open the state database: ${why}`);
    };
    let exists = true;
    try {
      if (statSync(file).isDirectory()) fail('is a directory');
    } catch (err) {
      if (err instanceof PalisadeError) throw err;
      exists = false;
    }
    if (!exists) {
      if (opts.mustExist || opts.readonly) fail('no such file');
      try {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
      } catch (err) {
        fail(`cannot create directory ${path.dirname(file)}: ${(err as Error).message}`);
      }
    }
    let db: Database.Database | null = null;
    try {
      db = new Database(file, { readonly: opts.readonly === true, fileMustExist: exists });
      db.pragma('busy_timeout = 5000');
      if (!opts.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      // Reads the schema: a file that is not SQLite (or is damaged) fails here, not later.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      if (!opts.readonly) {
        migrate(db, file);
        probeWrite(db);
      } else checkVersion(db, file);
      return new Store(file, db);
    } catch (err) {
      db?.close();
      if (err instanceof PalisadeError) throw err;
      const e = err as Error & { code?: string };
      const hint = e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT' ? ' (move it aside to start a new one, or restore a backup)' : '';
      return fail(`${e.message}${hint}`);
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insertAlert: db.prepare(
        `INSERT INTO alerts (ts, rule, severity, action, scope, src, dst, sport, dport, proto, reason, evidence, origin, packet)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertDecision: db.prepare(
        `INSERT INTO decisions (at, kind, target, family, network, ttl, expires_at, rule, reason, origin, parent, detections, country)
         VALUES (@at, @kind, @target, @family, @network, @ttl, @expiresAt, @rule, @reason, @origin, @parent, @detections, @country)`,
      ),
      upsertBlock: db.prepare(
        `INSERT OR REPLACE INTO blocks (target, family, network, ttl, expires_at, rule, reason, origin, parent, detections, country, since)
         VALUES (@target, @family, @network, @ttl, @expiresAt, @rule, @reason, @origin, @parent, @detections, @country, @at)`,
      ),
      deleteBlock: db.prepare('DELETE FROM blocks WHERE target = ?'),
      activeBlocks: db.prepare('SELECT * FROM blocks WHERE expires_at IS NULL OR expires_at > ? ORDER BY since, target'),
      expiredBlocks: db.prepare('SELECT * FROM blocks WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at'),
      offenses: db.prepare("SELECT count(*) AS n FROM decisions WHERE target = ? AND kind = 'block'"),
      insertAction: db.prepare('INSERT INTO actions (ts, verdict, target, record) VALUES (?, ?, ?, ?)'),
      recentActions: db.prepare('SELECT record FROM actions ORDER BY id DESC LIMIT ?'),
      getPosition: db.prepare('SELECT value FROM positions WHERE key = ?'),
      setPosition: db.prepare('INSERT OR REPLACE INTO positions (key, value, updated) VALUES (?, ?, ?)'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      deleteMeta: db.prepare('DELETE FROM meta WHERE key = ?'),
    };
  }

  // ---- alerts

  insertAlert(d: Detection, origin = ''): void {
    this.insertAlerts([{ d, origin }]);
  }

  /** One transaction for the whole batch. */
  insertAlerts(batch: readonly { d: Detection; origin: string }[]): void {
    if (batch.length === 0) return;
    const st = this.st.insertAlert;
    this.write(() =>
      this.db.transaction(() => {
        for (const { d, origin } of batch) {
          st.run(d.ts, d.ruleId, d.severity, d.action, d.scope, d.src, d.dst, d.sport, d.dport, d.proto, d.reason, JSON.stringify(d.evidence), origin, d.packet);
        }
      })(),
    );
  }

  /** Queues an alert for the next flushAlerts() (bounded: see MAX_QUEUED_ALERTS). */
  queueAlert(d: Detection, origin = ''): void {
    if (this.queue.length >= MAX_QUEUED_ALERTS) {
      this.alertsDropped++;
      return;
    }
    this.queue.push({ d, origin });
  }

  /** Writes the queued alerts in one transaction; returns how many. Call every ~100 ms and at stop. */
  flushAlerts(): number {
    const batch = this.queue;
    if (batch.length === 0) return 0;
    this.queue = [];
    this.insertAlerts(batch);
    return batch.length;
  }

  get queuedAlerts(): number {
    return this.queue.length;
  }

  /** Newest first. */
  recentAlerts(q: AlertQuery): AlertRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.since !== undefined) {
      where.push('ts >= ?');
      args.push(q.since);
    }
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      args.push(q.beforeId);
    }
    if (q.rule !== undefined) {
      where.push('rule = ?');
      args.push(q.rule);
    }
    if (q.src !== undefined) {
      where.push('src = ?');
      args.push(q.src);
    }
    const sql = `SELECT * FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...args, Math.max(0, Math.floor(q.limit))) as (Omit<AlertRow, 'evidence'> & { evidence: string })[];
    return rows.map((r) => ({ ...r, evidence: parseJson(r.evidence, {}) }));
  }

  /** Alert totals by rule and by severity (since `since` seconds when given). */
  alertCounts(since?: number): { total: number; byRule: Record<string, number>; bySeverity: Record<string, number> } {
    const cond = since !== undefined ? 'WHERE ts >= ?' : '';
    const args = since !== undefined ? [since] : [];
    const byRule: Record<string, number> = {};
    const bySeverity: Record<string, number> = {};
    let total = 0;
    for (const r of this.db.prepare(`SELECT rule AS k, count(*) AS n FROM alerts ${cond} GROUP BY rule`).all(...args) as { k: string; n: number }[]) {
      byRule[r.k] = r.n;
      total += r.n;
    }
    for (const r of this.db.prepare(`SELECT severity AS k, count(*) AS n FROM alerts ${cond} GROUP BY severity`).all(...args) as { k: string; n: number }[]) {
      bySeverity[r.k] = r.n;
    }
    return { total, byRule, bySeverity };
  }

  // ---- decisions and the active set

  /** History row plus the active set change, in one transaction per call. */
  recordDecisions(ds: readonly Decision[]): void {
    if (ds.length === 0) return;
    this.write(() =>
      this.db.transaction(() => {
        for (const d of ds) {
          const row = { ...d, network: d.network ? 1 : 0 };
          this.st.insertDecision.run(row);
          if (d.kind === 'block') this.st.upsertBlock.run(row);
          else this.st.deleteBlock.run(d.target);
        }
      })(),
    );
  }

  recordDecision(d: Decision): void {
    this.recordDecisions([d]);
  }

  /** Blocks still in force at `now` (expired rows are left out; liftExpired() records and drops them). */
  activeBlocks(now: number): ActiveBlock[] {
    return (this.st.activeBlocks.all(now) as BlockRow[]).map(fromBlockRow);
  }

  /** Records an 'expiry' unblock for every block whose TTL ran out (e.g. while the daemon was down). */
  liftExpired(now: number): Decision[] {
    const rows = (this.st.expiredBlocks.all(now) as BlockRow[]).map(fromBlockRow);
    const ds: Decision[] = rows.map((b) => ({
      kind: 'unblock',
      target: b.target,
      family: b.family,
      network: b.network,
      ttl: 0,
      expiresAt: null,
      rule: b.rule,
      reason: `expired after ${b.ttl} s`,
      origin: 'expiry',
      parent: b.parent,
      detections: b.detections,
      country: b.country,
      at: now,
    }));
    this.recordDecisions(ds);
    return ds;
  }

  /** How many times this target was blocked before (history kept for record.retention_days). */
  offenses(target: string): number {
    return (this.st.offenses.get(target) as { n: number }).n;
  }

  /** Newest first; for `palisade history` and the API. */
  decisionHistory(limit: number, target?: string): DecisionRow[] {
    const rows = (
      target === undefined
        ? this.db.prepare('SELECT * FROM decisions ORDER BY id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM decisions WHERE target = ? ORDER BY id DESC LIMIT ?').all(target, limit)
    ) as DecisionDbRow[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      target: r.target,
      family: r.family as 4 | 6,
      network: r.network === 1,
      ttl: r.ttl,
      expiresAt: r.expires_at,
      rule: r.rule,
      reason: r.reason,
      origin: r.origin as Decision['origin'],
      parent: r.parent,
      detections: r.detections,
      country: r.country,
      at: r.at,
    }));
  }

  // ---- action log

  /** `ts` is the action's time in seconds; `record` the action-log object (seed 000's keys). */
  insertActions(list: readonly { ts: number; record: ActionRecordJson }[]): void {
    if (list.length === 0) return;
    this.write(() =>
      this.db.transaction(() => {
        for (const { ts, record } of list) {
          const target = typeof record.blocked_ip === 'string' ? record.blocked_ip : null;
          this.st.insertAction.run(ts, record.verdict, target, JSON.stringify(record));
        }
      })(),
    );
  }

  insertAction(ts: number, record: ActionRecordJson): void {
    this.insertActions([{ ts, record }]);
  }

  /** The last `limit` action records, newest first (seed 000's get_recent_actions). */
  recentActions(limit: number): ActionRecordJson[] {
    return (this.st.recentActions.all(Math.max(0, Math.floor(limit))) as { record: string }[]).map((r) => parseJson(r.record, {}) as ActionRecordJson);
  }

  // ---- positions and meta

  /** Saved position of a log source (offset/inode of a file, a journald cursor), or null. */
  getPosition<T>(key: string): T | null {
    const r = this.st.getPosition.get(key) as { value: string } | undefined;
    return r === undefined ? null : (parseJson(r.value, null) as T | null);
  }

  setPosition(key: string, value: unknown, now: number): void {
    this.write(() => this.st.setPosition.run(key, JSON.stringify(value), now));
  }

  /** Small runtime state: the dry-run override, run-time whitelist entries. */
  getMeta<T>(key: string): T | null {
    const r = this.st.getMeta.get(key) as { value: string } | undefined;
    return r === undefined ? null : (parseJson(r.value, null) as T | null);
  }

  setMeta(key: string, value: unknown): void {
    this.write(() => this.st.setMeta.run(key, JSON.stringify(value)));
  }

  deleteMeta(key: string): void {
    this.write(() => this.st.deleteMeta.run(key));
  }

  // ---- maintenance

  /**
   * Deletes alerts, actions and decision history older than `days` days (0 = keep everything).
   * History of a target that is still blocked is kept whole, and active blocks are never touched.
   */
  retention(days: number, now: number): RetentionResult {
    const out: RetentionResult = { alerts: 0, actions: 0, decisions: 0 };
    if (!(days > 0)) return out;
    const cutoff = now - days * 86_400;
    const chunked = (sql: string): number => {
      const st = this.db.prepare(sql);
      let total = 0;
      for (;;) {
        const n = this.write(() => st.run(cutoff, RETENTION_CHUNK).changes);
        total += n;
        if (n < RETENTION_CHUNK) return total;
      }
    };
    out.alerts = chunked('DELETE FROM alerts WHERE id IN (SELECT id FROM alerts WHERE ts < ? ORDER BY id LIMIT ?)');
    out.actions = chunked('DELETE FROM actions WHERE id IN (SELECT id FROM actions WHERE ts < ? ORDER BY id LIMIT ?)');
    out.decisions = chunked(
      'DELETE FROM decisions WHERE id IN (SELECT id FROM decisions WHERE at < ? AND target NOT IN (SELECT target FROM blocks) ORDER BY id LIMIT ?)',
    );
    // Give the freed WAL back to the main file now rather than at the next automatic checkpoint.
    this.db.pragma('wal_checkpoint(PASSIVE)');
    return out;
  }

  /**
   * A consistent copy of the database at `dest`, taken while others keep writing (SQLite's online
   * backup API, all pages in one step). Written to a temporary name and renamed, so `dest` never
   * holds half a backup. Returns the size in bytes.
   */
  async backup(dest: string): Promise<number> {
    const { rename, rm, stat } = await import('node:fs/promises');
    const tmp = `${dest}.tmp-${process.pid}`;
    try {
      await rm(tmp, { force: true });
      await this.db.backup(tmp);
      await rename(tmp, dest);
      return (await stat(dest)).size;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new PalisadeError('PALISADE_ERR_OUTPUT', `${dest}: cannot write the backup: ${(err as Error).message}`);
    }
  }

  /** PRAGMA value, for tests and `palisade status`. */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  close(): void {
    if (!this.db.open) return;
    this.flushAlerts();
    this.db.close();
  }

  /** Runs a write; SQLite failures (disk full, file damaged underneath) become one clear error. */
  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = err as Error & { code?: string };
      if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) {
        throw new PalisadeError('PALISADE_ERR_STORE', `${this.path}: cannot write the state database: ${e.message}`);
      }
      throw err;
    }
  }
}

interface BlockRow {
  target: string;
  family: number;
  network: number;
  ttl: number;
  expires_at: number | null;
  rule: string;
  reason: string;
  origin: string;
  parent: string | null;
  detections: number;
  country: string | null;
  since: number;
}

interface DecisionDbRow extends Omit<BlockRow, 'since'> {
  id: number;
  at: number;
  kind: 'block' | 'unblock';
}

function fromBlockRow(r: BlockRow): ActiveBlock {
  return {
    target: r.target,
    family: r.family === 6 ? 6 : 4,
    network: r.network === 1,
    expiresAt: r.expires_at,
    ttl: r.ttl,
    rule: r.rule,
    reason: r.reason,
    origin: r.origin as BlockOrigin,
    parent: r.parent,
    country: r.country,
    detections: r.detections,
    since: r.since,
  };
}

function parseJson(text: string, fallback: unknown): any {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function checkVersion(db: Database.Database, file: string): number {
  const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").get();
  const v = has ? ((db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0) : 0;
  if (v > SCHEMA_VERSION) {
    throw new PalisadeError('PALISADE_ERR_STORE', `${file}: the state database has schema version ${v}, newer than this Palisade (${SCHEMA_VERSION}); upgrade Palisade`);
  }
  return v;
}

/** A write rolled back: an unwritable file (read-only mount, immutable) fails at open, not at the first alert. */
function probeWrite(db: Database.Database): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('store.probe', '1')").run();
  } finally {
    db.exec('ROLLBACK');
  }
}

function migrate(db: Database.Database, file: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied REAL NOT NULL)');
  const v = checkVersion(db, file);
  for (let i = v; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]);
      db.prepare('INSERT INTO schema_version (version, applied) VALUES (?, ?)').run(i + 1, Date.now() / 1000);
    })();
  }
}
