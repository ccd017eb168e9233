// Follows the systemd journal through `journalctl -f -o json` (one JSON entry per line), for hosts
// where sshd logs only to the journal. The child is spawned with an argument array:
//
//   journalctl -f -o json --no-pager [-u UNIT]... [MATCH]... (--after-cursor CURSOR | -n 0)
//
// The cursor of the last delivered entry is saved through the PositionStore, so a restart resumes
// right after it (without a saved cursor only new entries are read). When journalctl exits it is
// restarted with a growing delay (1 s doubling to 30 s; back to 1 s after a minute of running).
// A missing journalctl is reported as "unavailable: journalctl not found" and is not retried:
// it is not an error of the daemon.

import { spawn, type ChildProcess } from 'node:child_process';
import { journalCursor } from '../../decode/log/journald-json.js';
import type { LineHandler, LineSource, LineSourceStatus, PositionStore } from '../source.js';

export interface JournaldFollowerOptions {
  onLine: LineHandler;
  store?: PositionStore | null;
  /** Key in the store; default "journald:" + the units. */
  key?: string;
  /** Units (-u UNIT each), e.g. ssh.service, sshd.service. */
  units: readonly string[];
  /** Extra journalctl match arguments (FIELD=VALUE, "+"), e.g. SYSLOG_IDENTIFIER=sshd. */
  matches?: readonly string[];
  /** Read this journal directory instead of the system journal (--directory). */
  directory?: string;
  /** The journalctl executable (default: found through PATH). */
  journalctl?: string;
  /** Restart delays in ms (default 1000 doubling up to 30000). */
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

/** A run of journalctl that lasted this long resets the restart delay. */
const STABLE_MS = 60_000;
/** Longest stderr kept for the status line. */
const STDERR_KEEP = 300;

export class JournaldFollower implements LineSource {
  private readonly key: string;
  private readonly minMs: number;
  private readonly maxMs: number;
  private child: ChildProcess | null = null;
  private cursor: string | null = null;
  private savedCursor: string | null = null;
  private running = false;
  private state = 'stopped';
  private lines = 0;
  private partial = '';
  private stderr = '';
  private delay: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private exited: Promise<void> | null = null;

  constructor(private readonly opts: JournaldFollowerOptions) {
    this.key = opts.key ?? `journald:${opts.units.join(',')}`;
    this.minMs = opts.backoffMinMs ?? 1000;
    this.maxMs = opts.backoffMaxMs ?? 30_000;
    this.delay = this.minMs;
  }

  /** The journalctl arguments for the current cursor. */
  args(): string[] {
    const a = ['-f', '-o', 'json', '--no-pager'];
    if (this.opts.directory) a.push('--directory', this.opts.directory);
    for (const u of this.opts.units) a.push('-u', u);
    if (this.opts.matches) a.push(...this.opts.matches);
    if (this.cursor !== null) a.push('--after-cursor', this.cursor);
    else a.push('-n', '0');
    return a;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const saved = this.opts.store?.get(this.key) ?? null;
    if (typeof saved === 'string' && saved !== '') this.cursor = this.savedCursor = saved;
    this.spawn();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await this.exited;
    }
    this.child = null;
    this.save();
    if (!this.state.startsWith('unavailable')) this.state = 'stopped';
  }

  status(): LineSourceStatus {
    return { source: 'journald', state: this.state, offset: null, cursor: this.cursor, lines: this.lines };
  }

  private spawn(): void {
    if (!this.running) return;
    this.partial = '';
    this.stderr = '';
    this.startedAt = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(this.opts.journalctl ?? 'journalctl', this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.unavailable(err as NodeJS.ErrnoException);
      return;
    }
    this.child = child;
    this.state = 'following';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => this.data(chunk));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-STDERR_KEEP);
    });
    this.exited = new Promise((resolve) => {
      let spawnError: NodeJS.ErrnoException | null = null;
      child.on('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
      });
      child.on('close', (code, signal) => {
        resolve();
        if (this.child === child) this.child = null;
        if (spawnError !== null && (spawnError.code === 'ENOENT' || spawnError.code === 'EACCES')) {
          this.unavailable(spawnError);
          return;
        }
        this.save();
        if (!this.running) return;
        if (Date.now() - this.startedAt >= STABLE_MS) this.delay = this.minMs;
        const why = spawnError !== null ? String(spawnError.code ?? spawnError) : (this.stderr.trim().split('\n').pop() || (signal ? `killed by ${signal}` : `exit status ${code}`));
        this.state = `restarting in ${Math.round(this.delay / 1000)} s: journalctl ended (${why})`;
        this.restartTimer = setTimeout(() => {
          this.restartTimer = null;
          this.spawn();
        }, this.delay);
        this.delay = Math.min(this.maxMs, this.delay * 2);
      });
    });
  }

  private unavailable(err: NodeJS.ErrnoException): void {
    this.child = null;
    this.state = err.code === 'ENOENT' ? 'unavailable: journalctl not found' : `unavailable: journalctl cannot run (${err.code ?? String(err)})`;
  }

  private data(chunk: string): void {
    let text = this.partial + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line === '') continue;
      this.lines++;
      const c = journalCursor(line);
      if (c !== null) this.cursor = c;
      this.opts.onLine(line, { source: 'journald', line: this.lines });
    }
    this.partial = start === 0 ? text : text.slice(start);
    text = '';
    this.save();
  }

  private save(): void {
    if (this.cursor === null || this.cursor === this.savedCursor || !this.opts.store) return;
    this.opts.store.set(this.key, this.cursor);
    this.savedCursor = this.cursor;
  }
}
