// The daemon: host log sources -> detect -> decide -> enforce, with every alert, decision and
// action recorded. It is also the embeddable agent (seed 000's object): start, stop, status,
// recent actions, whitelist, dry-run -- `palisade run` and the control socket are thin layers on it.
//
// Ordering: decisions are recorded in the store first (so a crash never loses a block), then
// applied to the kernel in batches -- every decision made in one tick of the event loop goes into
// one atomic nft transaction, so a burst of detections costs one `nft -f -`, and a single block
// reaches the kernel within one process round trip of the log line that caused it.

import { accessSync, constants, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Config } from '../config/defaults.js';
import { maskSecrets } from '../config/mask.js';
import type { BlockEntry, Decision } from '../decide/decision.js';
import { openGeoIp, type GeoIp } from '../decide/geoip.js';
import { Policy, type PolicyNotice } from '../decide/policy.js';
import { Whitelist } from '../decide/whitelist.js';
import type { Detection } from '../detect/detection.js';
import { killConnections } from '../enforce/conntrack.js';
import type { EnforceResult, Enforcer } from '../enforce/enforcer.js';
import { xdpFactory } from '../sources/xdp/xdp-packet-source.js';
import { selectEnforcer } from '../enforce/select.js';
import { kernelCapabilities } from '../kernel/capabilities.js';
import { LiveSources } from './live-sources.js';
import { PalisadeError } from '../errors.js';
import { LogPipeline } from '../pipeline/log-lines.js';
import { ActionLog, actionRecord, refusalRecord, type ActionRecord } from '../record/actions-jsonl.js';
import { AlertLog, alertRecord, isoTime } from '../record/alerts-jsonl.js';
import { META_KEYS, Store } from '../record/store.js';
import { applyRetention } from '../record/retention.js';
import { JournaldFollower } from '../sources/journald/journald-follower.js';
import { FileFollower } from '../sources/log-file/file-follower.js';
import type { LineSource } from '../sources/source.js';
import type { AlertRow, BlacklistRow, ChangeResult, SourceStatus, StatusReport, WhitelistRow } from './control-types.js';
import type { Logger } from './logger.js';
import { PidFile } from './pid-file.js';
import { statePaths, type StatePaths } from './state-paths.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

const now = (): number => Date.now() / 1000;

export interface DaemonOptions {
  /** Resolves the config (file + environment + flags); called at start and on every reload. */
  loadConfig: () => Config;
  configFile: string | null;
  logger: Logger;
  /** Environment for the SSH-client whitelist (default process.env). */
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  decisions: Decision[];
  cause: Detection | null;
  done: (r: EnforceResult) => void;
}

/** A followed log and what its lines are. */
interface LogSource {
  kind: SourceStatus['kind'];
  source: LineSource;
}

const ALERT_FLUSH_MS = 200;
const EXPIRY_CHECK_MS = 1000;
const RETENTION_EVERY_MS = 24 * 3600 * 1000;

export class Daemon {
  readonly paths: StatePaths;
  private config: Config;
  private readonly log: Logger;
  private readonly pid: PidFile;
  private readonly store: Store;
  private alertLog: AlertLog | null;
  private actionLog: ActionLog | null;
  private whitelist!: Whitelist;
  private geo: GeoIp | null = null;
  private policy!: Policy;
  private enforcer!: Enforcer;
  private enforcerWhy = '';
  private enforcerRow = '';
  private dryRun = true;
  private dryRunOrigin: 'config' | 'runtime' = 'config';
  private pipeline!: LogPipeline;
  private live!: LiveSources;
  private sources: LogSource[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  /** Source of the line being processed (alerts record it). */
  private origin = '';
  private queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private readonly startedAt = new Date();
  private lastReload: StatusReport['last_reload'] = null;
  private stopped = false;
  private readonly counts = { lines: 0, alerts: 0, decisions: 0, enforce_errors: 0, drift_repairs: 0 };

  private constructor(
    private readonly opts: DaemonOptions,
    config: Config,
  ) {
    this.config = config;
    this.log = opts.logger;
    this.paths = statePaths(config.daemon.state_dir);
    try {
      mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_DAEMON', `${this.paths.dir}: cannot create the state directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    this.pid = new PidFile(this.paths.pid);
    this.pid.acquire();
    try {
      this.store = Store.open(this.paths.db);
      this.alertLog = config.record.alerts_jsonl ? new AlertLog(this.paths.alerts) : null;
      this.actionLog = config.record.actions_jsonl ? new ActionLog(this.paths.actions) : null;
    } catch (err) {
      this.pid.release();
      throw err;
    }
  }

  /** Starts everything; on failure, undoes what it started and throws one clear error. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const d = new Daemon(opts, opts.loadConfig());
    try {
      await d.boot();
    } catch (err) {
      await d.stop().catch(() => {});
      throw err;
    }
    return d;
  }

  private async boot(): Promise<void> {
    const c = this.config;
    this.buildDecide(c);
    const restored = this.policy.active().length;
    const saved = this.store.getMeta(META_KEYS.dryRun);
    this.dryRunOrigin = typeof saved === 'boolean' ? 'runtime' : 'config';
    this.dryRun = typeof saved === 'boolean' ? saved : c.enforce.dry_run;
    await this.useEnforcer(c, this.dryRun);
    this.buildDetect(c);
    this.sources = this.buildSources(c);
    for (const s of this.sources) s.source.start();
    await this.live.start();
    this.timers.push(setInterval(() => this.flushAlerts(), ALERT_FLUSH_MS));
    this.timers.push(setInterval(() => this.expire(), EXPIRY_CHECK_MS));
    if (c.enforce.drift_check_interval > 0) this.timers.push(setInterval(() => void this.driftCheck(), c.enforce.drift_check_interval * 1000));
    this.timers.push(setInterval(() => void this.retention().catch((err) => this.log.error({ err: (err as Error).message }, 'retention failed')), RETENTION_EVERY_MS));
    for (const t of this.timers) t.unref();
    this.log.info(
      { state_dir: this.paths.dir, enforcer: this.enforcer.name, dry_run: this.dryRun, restored_blocks: restored, sources: this.sources.map((s) => this.sourceStatus(s).name) },
      `palisade ${pkg.version} started`,
    );
  }

  /** Builds whitelist and policy and restores the active blocks from the store. */
  private buildDecide(c: Config): void {
    const t = now();
    const lifted = this.store.liftExpired(t);
    if (lifted.length > 0) this.log.info({ lifted: lifted.map((d) => d.target) }, `${lifted.length} blocks expired while the daemon was stopped`);
    const runtime = this.store.getMeta(META_KEYS.runtimeWhitelist);
    this.whitelist = new Whitelist({ config: c.policy.whitelist, env: this.opts.env ?? process.env, runtime: Array.isArray(runtime) ? (runtime as string[]) : [] });
    this.geo = Object.keys(c.policy.country_thresholds).length > 0 ? openGeoIp(c.policy.geoip_db || undefined) : null;
    this.policy = new Policy(c.policy, { whitelist: this.whitelist, geo: this.geo, offenses: (ip) => this.store.offenses(ip), notify: (n) => this.onNotice(n) });
    const changes = this.policy.restore(this.store.activeBlocks(t), t);
    if (changes.length > 0) {
      this.store.recordDecisions(changes);
      this.log.info({ lifted: changes.map((d) => `${d.target}: ${d.reason}`) }, 'restored blocks that are now whitelisted or expired were lifted');
    }
  }

  private onNotice(n: PolicyNotice): void {
    this.log.warn({ notice: n }, `${n.event} ${n.target}: ${n.reason}`);
    if (n.event === 'capacity-refused') this.writeActions([refusalRecord(n, this.dryRun)]);
  }

  private writeActions(records: ActionRecord[]): void {
    this.actionLog?.write(...records);
    this.store.insertActions(records.map((r) => ({ ts: Date.parse(r.timestamp) / 1000, record: r })));
  }

  /** Detectors for packets, connection events and log lines (one signature engine for packets and access logs). */
  private buildDetect(c: Config): void {
    this.live = new LiveSources(c, {
      onDetection: (d, origin) => {
        this.origin = origin;
        this.onDetection(d);
      },
      onProblem: (msg) => this.log.warn({}, msg),
      xdp: xdpFactory(c),
    });
    this.pipeline = new LogPipeline(c, (d) => this.onDetection(d), this.live.pipeline.stages.signatures);
  }

  private buildSources(c: Config): LogSource[] {
    const store = { get: (k: string) => this.store.getPosition(k), set: (k: string, v: unknown) => this.store.setPosition(k, v, now()) };
    const out: LogSource[] = [];
    for (const file of c.sources.auth_logs) {
      out.push({ kind: 'auth-log', source: new FileFollower(file, { fromStart: c.sources.from_start, store, onLine: (text, origin) => this.onLine(text, origin, 'auth-log') }) });
    }
    for (const file of c.sources.access_logs) {
      out.push({ kind: 'access-log', source: new FileFollower(file, { fromStart: c.sources.from_start, store, onLine: (text, origin) => this.onLine(text, origin, 'access-log') }) });
    }
    // journald 'auto': only when none of the auth log files can be read (Debian 12 without rsyslog).
    const anyAuthReadable = c.sources.auth_logs.some((f) => readable(f));
    if (c.sources.journald === true || (c.sources.journald === 'auto' && !anyAuthReadable)) {
      out.push({ kind: 'journald', source: new JournaldFollower({ units: c.sources.journald_units, store, onLine: (text, origin) => this.onLine(text, origin, 'journald-json') }) });
    }
    return out;
  }

  private sourceStatus(s: LogSource): SourceStatus {
    const st = s.source.status();
    const name = s.kind === 'journald' ? `journald (${this.config.sources.journald_units.join(', ')})` : st.source;
    return { kind: s.kind, name, state: st.state, lines: st.lines, detail: st.offset !== null ? { offset: st.offset } : st.cursor !== null ? { cursor: st.cursor } : {} };
  }

  private onLine(text: string, origin: { source: string; line: number }, kind: 'auth-log' | 'access-log' | 'journald-json'): void {
    this.counts.lines++;
    this.origin = origin.source;
    try {
      this.pipeline.onLine(text, origin, kind);
    } catch (err) {
      // A line must never take the daemon down; say which one.
      this.log.error({ source: origin.source, line: origin.line, err: (err as Error).message }, 'line could not be processed');
    }
  }

  private onDetection(d: Detection): void {
    this.counts.alerts++;
    this.store.queueAlert(d, this.origin);
    this.alertLog?.write(d);
    this.log.info({ alert: alertRecord(d) }, `alert ${d.ruleId} ${d.src ?? d.dst ?? ''}`);
    const decisions = this.policy.onDetection(d, now());
    if (decisions.length > 0) void this.decide(decisions, d);
  }

  /** Records decisions, then applies them in the next batch; resolves with that batch's result. */
  private decide(decisions: Decision[], cause: Detection | null): Promise<EnforceResult> {
    for (const dec of decisions) {
      this.store.recordDecision(dec);
      this.counts.decisions++;
      this.log.info({ decision: dec }, `${dec.kind} ${dec.target}: ${dec.reason}`);
    }
    return new Promise((done) => {
      this.queue.push({ decisions, cause, done });
      if (!this.draining) this.draining = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the rest of this tick's decisions join the batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      const add: BlockEntry[] = [];
      const remove: BlockEntry[] = [];
      // Only the last decision per target counts (an expiry and a re-block in one batch = blocked).
      const last = new Map<string, Decision>();
      for (const p of batch) for (const d of p.decisions) last.set(d.target, d);
      for (const d of last.values()) (d.kind === 'block' ? add : remove).push(toEntry(d));
      let res: EnforceResult;
      try {
        res = await this.enforcer.apply(add, remove);
      } catch (err) {
        res = { commands: [], executed: false, error: (err as Error).message };
      }
      if (res.error) {
        this.counts.enforce_errors++;
        this.log.error({ error: res.error }, 'enforcement batch failed; the drift check will retry');
      }
      const records: ActionRecord[] = [];
      for (const p of batch) {
        for (const d of p.decisions) {
          const rec = actionRecord(d, res, { dryRun: this.dryRun });
          // seed 000's fail_count is the failures behind the alert (ssh-bruteforce evidence), when known.
          const failures = p.cause?.evidence.failures;
          if (typeof failures === 'number' && d.origin === 'auto') rec.event.fail_count = failures;
          records.push(rec);
        }
      }
      try {
        this.writeActions(records);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'cannot record actions');
      }
      for (const p of batch) p.done(res);
      if (this.config.enforce.kill_connections && !this.dryRun && res.executed) {
        for (const d of add) if (!d.network) void killConnections(d.target).catch((err) => this.log.warn({ err: (err as Error).message }, 'conntrack failed'));
      }
    }
    this.draining = null;
  }

  private flushAlerts(): void {
    try {
      this.store.flushAlerts();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot store alerts (they are in alerts.jsonl)');
    }
    this.alertLog?.flush();
  }

  private expire(): void {
    const due = this.policy.expire(now());
    if (due.length > 0) void this.decide(due, null);
  }

  private async driftCheck(): Promise<void> {
    try {
      const r = await this.enforcer.reconcile(this.entries());
      if (r.missing.length || r.extra.length || r.recreated) {
        this.counts.drift_repairs++;
        this.log.warn({ missing: r.missing.slice(0, 20), extra: r.extra.slice(0, 20), recreated: r.recreated }, 'kernel state drifted from the store; repaired');
      }
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'drift check failed');
    }
  }

  /** Daily, and on `palisade retention` while the daemon runs (it owns the JSONL files). */
  async retention(daysArg?: number): Promise<unknown> {
    const days = daysArg ?? this.config.record.retention_days;
    if (days <= 0) return { days, removed: null };
    this.flushAlerts();
    this.alertLog?.close();
    try {
      const report = await applyRetention(this.paths.dir, days, now(), this.store);
      this.log.info({ report }, `retention: kept the last ${days} days`);
      return report;
    } finally {
      this.alertLog = this.config.record.alerts_jsonl ? new AlertLog(this.paths.alerts) : null;
    }
  }

  private entries(): BlockEntry[] {
    return this.policy.entries();
  }

  private async useEnforcer(c: Config, dryRun: boolean): Promise<void> {
    const sel = await selectEnforcer({ ...c.enforce, dry_run: dryRun, maxElements: c.policy.max_blocks, packetInterfaces: c.sources.packets.interfaces });
    const res = await sel.enforcer.start(this.entries());
    if (res.error) throw new PalisadeError('PALISADE_ERR_DAEMON', `cannot set up ${sel.enforcer.name}: ${res.error}`);
    this.enforcer = sel.enforcer;
    await this.syncKernelWhitelist();
    this.enforcerRow = sel.row;
    this.enforcerWhy = sel.why;
    this.log.info({ backend: sel.enforcer.name, why: sel.why, blocks: this.policy.active().length }, 'enforcement ready');
  }

  // ---- control API (the CLI, later the REST API)

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sources) await s.source.stop();
    if (this.live) await this.live.stop();
    this.flushAlerts();
    if (this.draining) await this.draining;
    if (this.enforcer) {
      try {
        await this.enforcer.stop(this.config.enforce.remove_on_stop);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not remove the kernel rules');
      }
    }
    this.alertLog?.close();
    this.actionLog?.close();
    this.store.close();
    this.pid.release();
    this.log.info({}, 'palisade stopped');
  }

  async reload(): Promise<{ ok: boolean; message: string }> {
    let next: Config;
    try {
      next = this.opts.loadConfig();
      if (next.daemon.state_dir !== this.config.daemon.state_dir) throw new PalisadeError('PALISADE_ERR_CONFIG', 'daemon.state_dir cannot change while running (restart the daemon)');
    } catch (err) {
      const message = `reload refused, the running configuration is kept: ${(err as Error).message}`;
      this.lastReload = { at: new Date().toISOString(), ok: false, message };
      this.log.error({}, message);
      return { ok: false, message };
    }
    const prev = this.config;
    this.config = next;
    this.flushAlerts();
    this.buildDecide(next);
    await this.live.stop();
    this.buildDetect(next);
    for (const s of this.sources) await s.source.stop();
    this.sources = this.buildSources(next);
    for (const s of this.sources) s.source.start();
    await this.live.start();
    const e = (c: Config) =>
      JSON.stringify([c.enforce.backend, c.enforce.table, c.enforce.forward, c.policy.max_blocks, c.enforce.xdp_interfaces, c.enforce.xdp_mode, c.sources.packets.interfaces]);
    const dryRun = this.dryRunOrigin === 'runtime' ? this.dryRun : next.enforce.dry_run;
    if (e(prev) !== e(next) || dryRun !== this.dryRun) await this.switchEnforcer(dryRun);
    const message = 'configuration reloaded (detector windows restart; blocks, positions and whitelist kept)';
    this.lastReload = { at: new Date().toISOString(), ok: true, message };
    this.log.info({}, message);
    return { ok: true, message };
  }

  private async switchEnforcer(dryRun: boolean): Promise<EnforceResult | null> {
    if (this.draining) await this.draining;
    const old = this.enforcer;
    // Take the old backend's rules away only when the new one is not the same table (dry-run holds none).
    await old.stop(true);
    this.dryRun = dryRun;
    await this.useEnforcer(this.config, dryRun);
    return null;
  }

  status(): StatusReport {
    const root = process.getuid?.() === 0;
    const sources = this.sources.map((s) => this.sourceStatus(s));
    const kinds: string[] = [...new Set(sources.map((s) => s.kind))];
    if (this.live.tracing) kinds.unshift('tracepoints');
    const hostEvents = kinds.length === 0 ? 'none configured' : kinds.join(' + ');
    const caps = kernelCapabilities();
    const live = this.live.status();
    const why: string[] = [];
    why.push(root ? 'running as root' : 'not root: the kernel cannot be changed, so enforcement is dry-run');
    why.push(caps.bpf.ok ? caps.bpf.why : `no BPF: ${caps.bpf.why}`);
    why.push(...live.why);
    if (live.sock_trace && live.sock_trace.problem) why.push(live.sock_trace.problem);
    why.push(this.enforcerWhy);
    const c = this.policy.counters();
    return {
      version: pkg.version,
      pid: process.pid,
      started_at: this.startedAt.toISOString(),
      uptime_s: (Date.now() - this.startedAt.getTime()) / 1000,
      state_dir: this.paths.dir,
      config_file: this.opts.configFile,
      row: {
        environment: process.platform !== 'linux' ? 'anywhere' : !root ? 'Linux, not root' : caps.bpf.ok ? 'Linux, root, BPF' : 'Linux, root, no BPF',
        packet_source: live.row,
        enforcement: this.enforcerRow.split(': ').slice(1).join(': ') || this.enforcer.name,
        host_events: hostEvents,
      },
      why,
      enforcer: { backend: this.enforcer.name, dry_run: this.dryRun, dry_run_origin: this.dryRunOrigin, why: this.enforcerWhy },
      sources,
      packet_sources: live.packets,
      sock_trace: live.sock_trace,
      counts: {
        lines: this.counts.lines,
        alerts: this.counts.alerts,
        blocks_active: this.policy.active().length,
        decisions: this.counts.decisions,
        whitelisted_skips: c.whitelisted_skips,
        blocks_refused_capacity: c.blocks_refused_capacity,
      },
      last_reload: this.lastReload,
    };
  }

  async stats(): Promise<Record<string, unknown>> {
    this.flushAlerts();
    let kernelDrops: { packets: number; bytes: number } | null = null;
    try {
      kernelDrops = this.enforcer.drops ? await this.enforcer.drops() : null;
    } catch {
      kernelDrops = null; // the counters are informative: a failed read must not fail `stats`
    }
    let kernel: Record<string, unknown> | null = null;
    try {
      kernel = this.enforcer.kernelStats ? await this.enforcer.kernelStats(10) : null;
    } catch {
      kernel = null;
    }
    return {
      kernel_drops: kernelDrops,
      kernel,
      lines: this.counts.lines,
      alerts: this.counts.alerts,
      decisions: this.counts.decisions,
      enforce_errors: this.counts.enforce_errors,
      drift_repairs: this.counts.drift_repairs,
      blocks_active: this.policy.active().length,
      policy: this.policy.counters(),
      stored: this.store.alertCounts(),
      detect: this.pipeline.counters(),
      live: this.live.counters(),
      sources: Object.fromEntries(this.sources.map((s) => [this.sourceStatus(s).name, this.sourceStatus(s).lines])),
    };
  }

  alerts(args: { limit?: number; rule?: string; src?: string }): AlertRow[] {
    this.flushAlerts();
    return this.store.recentAlerts({ limit: args.limit ?? 10, rule: args.rule, src: args.src }).map((a) => ({
      timestamp: isoTime(a.ts),
      rule_id: a.rule,
      severity: a.severity,
      action: a.action,
      src: a.src,
      dst: a.dst,
      dport: a.dport,
      reason: a.reason,
      origin: a.origin,
    }));
  }

  recentActions(limit = 10): unknown[] {
    return this.store.recentActions(limit);
  }

  resolvedConfig(): { config_file: string | null; config: Config } {
    return { config_file: this.opts.configFile, config: maskSecrets(this.config) };
  }

  blacklist(): BlacklistRow[] {
    return this.policy.active().map((b) => ({
      target: b.target,
      family: b.family,
      network: b.network,
      expires_at: b.expiresAt,
      rule: b.rule,
      reason: b.reason,
      origin: b.origin,
      parent: b.parent,
      country: b.country,
      since: b.since,
    }));
  }

  async block(target: string, ttl: number | undefined, reason: string | undefined): Promise<ChangeResult> {
    const decisions = this.policy.block(target, ttl, reason ?? 'blocked by an operator', now());
    if (decisions.length === 0) return { message: `${target} is already blocked`, commands: [], executed: false, dry_run: this.dryRun };
    const res = await this.decide(decisions, null);
    const d = decisions[decisions.length - 1];
    return this.change(`blocked ${d.target} ${d.ttl === 0 ? 'permanently' : `for ${d.ttl} s`}`, res);
  }

  async unblock(target: string): Promise<ChangeResult> {
    const decisions = this.policy.unblock(target, now());
    if (decisions.length === 0) throw new PalisadeError('PALISADE_ERR_USAGE', `${target} is not blocked`);
    const res = await this.decide(decisions, null);
    return this.change(`unblocked ${decisions.map((d) => d.target).join(', ')}`, res);
  }

  whitelistList(): WhitelistRow[] {
    return this.whitelist.list().map((e) => ({ cidr: e.target, why: `${e.why} (${e.note})`, removable: e.why === 'runtime' }));
  }

  async whitelistAdd(cidr: string): Promise<ChangeResult> {
    const { entry, decisions } = this.policy.whitelistAdd(cidr, now());
    this.saveRuntimeWhitelist();
    const res = decisions.length > 0 ? await this.decide(decisions, null) : null;
    return this.change(`${entry.target} is whitelisted${decisions.length ? `; lifted ${decisions.map((d) => d.target).join(', ')}` : ''}`, res);
  }

  async whitelistRemove(cidr: string): Promise<ChangeResult> {
    const entry = this.policy.whitelistRemove(cidr);
    this.saveRuntimeWhitelist();
    return this.change(`${entry.target} removed from the whitelist`, null);
  }

  private saveRuntimeWhitelist(): void {
    this.store.setMeta(META_KEYS.runtimeWhitelist, this.whitelist.runtimeEntries());
    void this.syncKernelWhitelist();
  }

  /** The XDP guard checks the whitelist itself (a safety net under the policy): keep it equal. */
  private async syncKernelWhitelist(): Promise<void> {
    if (!this.enforcer?.setWhitelist) return;
    try {
      await this.enforcer.setWhitelist(this.whitelist.list().map((e) => e.target));
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'could not give the kernel the whitelist');
    }
  }

  getDryRun(): { dry_run: boolean; origin: string } {
    return { dry_run: this.dryRun, origin: this.dryRunOrigin === 'runtime' ? 'set at run time with palisade dry-run' : 'from the configuration' };
  }

  async setDryRun(on: boolean): Promise<ChangeResult> {
    this.store.setMeta(META_KEYS.dryRun, on);
    this.dryRunOrigin = 'runtime';
    if (on !== this.dryRun) await this.switchEnforcer(on);
    return this.change(
      on ? 'dry-run is on: blocks are decided and logged, not enforced' : `dry-run is off: blocks are enforced with ${this.enforcer.name}`,
      null,
    );
  }

  private change(message: string, res: EnforceResult | null): ChangeResult {
    if (res?.error) throw new PalisadeError('PALISADE_ERR_DAEMON', `${message}, but the kernel update failed: ${res.error}`);
    return { message, commands: res?.commands ?? [], executed: res?.executed ?? false, dry_run: this.dryRun };
  }
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function toEntry(d: Decision): BlockEntry {
  return { target: d.target, family: d.family, network: d.network, expiresAt: d.expiresAt };
}
