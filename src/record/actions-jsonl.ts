// The action log: one JSON line per block/unblock in seed 000's format, appended, never rewritten
// by the daemon. Each record is written with one write() (no fsync: the store holds the durable
// copy); if the file was replaced underneath (retention, logrotate), it is reopened first.

import { closeSync, createReadStream, fstatSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Decision } from '../decide/decision.js';
import type { EnforceResult } from '../enforce/enforcer.js';
import { PalisadeError } from '../errors.js';

/** seed 000's action-log record, keys in its order. */
// A type alias, not an interface, so it fits the store's Record<string, unknown> rows as it is.
export type ActionRecord = {
  /** ISO-8601 with offset, e.g. "2026-03-01T11:08:42+00:00". */
  timestamp: string;
  event: { src_ip: string; fail_count: number; alert_name: string };
  /** What the analysis concluded: the rule id, or the triage verdict when one ran. */
  analysis: string;
  /** "block" | "unblock" | "refused" (the policy declined: full block list). */
  verdict: string;
  /** The exact command(s) run or, in dry-run, that would have run ('' when none). */
  command: string;
  executed: boolean;
  dry_run: boolean;
  blocked_ip: string;
  reason: string;
};

/** Seconds since the epoch as seed 000 prints it: second precision, "+00:00" offset. */
export function isoSeconds(ts: number): string {
  return new Date(Math.floor(ts) * 1000).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The commands of a batch that concern `target` (a batch carries many targets); all when none match. */
function commandsFor(target: string, commands: readonly string[]): string[] {
  const esc = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`(^|[^0-9A-Za-z:.])${esc}($|[^0-9A-Za-z:./])`);
  const mine = commands.filter((c) => re.test(c));
  return mine.length > 0 ? mine : [...commands];
}

export interface ActionContext {
  /** Dry-run in force when the decision was applied. */
  dryRun: boolean;
  /** Triage verdict or classifier label, when there was one (default: the rule id). */
  analysis?: string;
}

/** The action-log record of a decision and the enforcer's result for its batch. */
export function actionRecord(d: Decision, result: EnforceResult | null, ctx: ActionContext): ActionRecord {
  const cmds = result === null ? [] : commandsFor(d.target, result.commands);
  const failed = result !== null && result.error !== null;
  let reason = d.reason;
  if (failed) reason += ` (enforcement failed: ${result.error})`;
  return {
    timestamp: isoSeconds(d.at),
    event: { src_ip: d.parent ?? d.target, fail_count: d.detections, alert_name: d.rule },
    analysis: ctx.analysis ?? d.rule,
    verdict: d.kind,
    command: cmds.join('\n'),
    executed: result !== null && result.executed && !failed,
    dry_run: ctx.dryRun,
    blocked_ip: d.target,
    reason,
  };
}

/** A block the policy refused (capacity): logged so the operator sees it, nothing executed. */
export function refusalRecord(
  n: { target: string; reason: string; rule: string; detections: number; at: number },
  dryRun: boolean,
): ActionRecord {
  return {
    timestamp: isoSeconds(n.at),
    event: { src_ip: n.target, fail_count: n.detections, alert_name: n.rule },
    analysis: n.rule,
    verdict: 'refused',
    command: '',
    executed: false,
    dry_run: dryRun,
    blocked_ip: n.target,
    reason: n.reason,
  };
}

export class ActionLog {
  private fd = -1;
  private ino = -1;
  written = 0;

  constructor(readonly path: string) {
    this.open();
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, 'a', 0o640);
      this.ino = fstatSync(this.fd).ino;
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OUTPUT', `${this.path}: cannot open action log for appending: ${(err as Error).message}`);
    }
  }

  /** Appends records, one line each, in one write. */
  write(...records: ActionRecord[]): void {
    if (records.length === 0) return;
    if (this.fd < 0) throw new PalisadeError('PALISADE_ERR_OUTPUT', `${this.path}: action log is closed`);
    this.reopenIfReplaced();
    const data = records.map((r) => JSON.stringify(r) + '\n').join('');
    try {
      writeSync(this.fd, data);
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OUTPUT', `${this.path}: cannot write action log: ${(err as Error).message}`);
    }
    this.written += records.length;
  }

  private reopenIfReplaced(): void {
    let ino: number;
    try {
      ino = statSync(this.path).ino;
    } catch {
      ino = -1; // removed: reopen creates it again
    }
    if (ino === this.ino) return;
    closeSync(this.fd);
    this.open();
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export interface PruneResult {
  kept: number;
  removed: number;
  /** Lines kept because they could not be read as a record with a timestamp. */
  unparsed: number;
}

/**
 * Removes lines whose "timestamp" is before `cutoff` (seconds) from a JSONL file: streamed into a
 * temporary file beside it, then renamed over it. Lines without a readable timestamp are kept.
 * Lines the daemon appends meanwhile are carried over (it reopens the file on its next write).
 * A missing file is not an error (nothing to prune).
 */
export async function pruneJsonl(file: string, cutoff: number): Promise<PruneResult> {
  const out: PruneResult = { kept: 0, removed: 0, unparsed: 0 };
  let srcFd: number;
  try {
    srcFd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw new PalisadeError('PALISADE_ERR_OUTPUT', `${file}: cannot read for retention: ${(err as Error).message}`);
  }
  const tmp = `${file}.retention-${process.pid}`;
  let dst = -1;
  try {
    const st = fstatSync(srcFd);
    dst = openSync(tmp, 'w', st.mode & 0o777);
    const cutoffMs = cutoff * 1000;
    // Only the bytes present now are filtered; later appends are copied as they are (they are new).
    const size = st.size;
    const input = size > 0 ? createReadStream('', { fd: srcFd, autoClose: false, start: 0, end: size - 1 }) : null;
    const lines: AsyncIterable<string> = input ? createInterface({ input, crlfDelay: Infinity }) : (async function* () {})();
    let pending: string[] = [];
    let pendingBytes = 0;
    for await (const line of lines) {
      if (line === '') continue;
      const t = lineTime(line);
      if (t === null) out.unparsed++;
      if (t !== null && t < cutoffMs) {
        out.removed++;
        continue;
      }
      out.kept++;
      pending.push(line + '\n');
      pendingBytes += line.length;
      if (pendingBytes >= 1 << 16) {
        writeSync(dst, pending.join(''));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) writeSync(dst, pending.join(''));
    // Lines appended while we read, then the swap; then whatever reached the old file after it.
    const copied = copyTail(srcFd, dst, size);
    renameSync(tmp, file);
    copyTail(srcFd, dst, copied);
    closeSync(dst);
    dst = -1;
    return out;
  } catch (err) {
    if (dst >= 0) closeSync(dst);
    rmSync(tmp, { force: true });
    if (err instanceof PalisadeError) throw err;
    throw new PalisadeError('PALISADE_ERR_OUTPUT', `${file}: cannot rewrite for retention: ${(err as Error).message}`);
  } finally {
    closeSync(srcFd);
  }
}

/** Appends bytes of `src` from `from` to its end onto `dst`; returns the new end. */
function copyTail(src: number, dst: number, from: number): number {
  const buf = Buffer.allocUnsafe(1 << 16);
  let pos = from;
  for (;;) {
    const n = readSync(src, buf, 0, buf.length, pos);
    if (n <= 0) return pos;
    writeSync(dst, buf.subarray(0, n));
    pos += n;
  }
}

/** Milliseconds of a line's "timestamp" field, or null. */
function lineTime(line: string): number | null {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return null;
  }
  if (rec === null || typeof rec !== 'object') return null;
  const ts = (rec as { timestamp?: unknown }).timestamp;
  if (typeof ts !== 'string') return null;
  const ms = Date.parse(ts);
  return Number.isFinite(ms) ? ms : null;
}
