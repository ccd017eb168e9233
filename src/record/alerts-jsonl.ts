// Alerts as JSON lines, appended (never truncated). Lines are buffered and written in batches so a
// flood of alerts does not cost a syscall each; flush() runs at the end, on Ctrl+C and on errors,
// so nothing already detected is lost. A file replaced underneath (`palisade retention`,
// logrotate) is reopened before the next batch, so lines never go to an unlinked file.

import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
import type { Detection } from '../detect/detection.js';
import { PalisadeError } from '../errors.js';

/** The alert line format (seed 001's fields plus scope and evidence). */
export function alertRecord(d: Detection): Record<string, unknown> {
  return {
    timestamp: isoTime(d.ts),
    src: d.src,
    dst: d.dst,
    sport: d.sport,
    dport: d.dport,
    proto: d.proto,
    action: d.action,
    rule_id: d.ruleId,
    severity: d.severity,
    reason: d.reason,
    scope: d.scope,
    evidence: d.evidence,
    packet: d.packet,
  };
}

/** ISO-8601 UTC with microseconds (capture timestamps have them). */
export function isoTime(ts: number): string {
  const totalUs = Math.round(ts * 1e6); // exact below 2^53 us (year 2255)
  const iso = new Date(Math.floor(totalUs / 1000)).toISOString(); // ...:SS.mmmZ
  const us = ((totalUs % 1000) + 1000) % 1000;
  return `${iso.slice(0, -1)}${String(us).padStart(3, '0')}Z`;
}

export class AlertLog {
  private fd = -1;
  private ino = -1;
  private pending: string[] = [];
  private pendingBytes = 0;
  written = 0;

  constructor(readonly path: string) {
    this.open();
  }

  private open(): void {
    try {
      this.fd = openSync(this.path, 'a');
      this.ino = fstatSync(this.fd).ino;
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OUTPUT', `${this.path}: cannot open alerts file for appending: ${(err as Error).message}`);
    }
  }

  write(d: Detection): void {
    const line = JSON.stringify(alertRecord(d)) + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    this.written++;
    if (this.pendingBytes >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0 || this.fd < 0) return;
    const data = this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    let ino = -1;
    try {
      ino = statSync(this.path).ino;
    } catch {
      // removed: reopening creates it again
    }
    if (ino !== this.ino) {
      closeSync(this.fd);
      this.open();
    }
    try {
      writeSync(this.fd, data);
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_OUTPUT', `${this.path}: cannot write alerts: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
