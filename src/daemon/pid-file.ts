// The pid file: refuses to start a second daemon on the same state directory, replaces a file left
// by a daemon that died (its pid no longer runs palisade), and is removed on a clean stop.

import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { PalisadeError } from '../errors.js';

function runningPalisade(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // The pid may have been reused by an unrelated process after a crash.
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('palisade');
  } catch {
    return true;
  }
}

export class PidFile {
  private held = false;

  constructor(readonly path: string) {}

  acquire(): void {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(this.path, 'wx', 0o644);
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        this.held = true;
        return;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'EEXIST') throw new PalisadeError('PALISADE_ERR_DAEMON', `${this.path}: cannot write the pid file: ${e.code ?? e.message}`);
      }
      const other = Number.parseInt(readFileSync(this.path, 'utf8'), 10);
      if (Number.isInteger(other) && other > 0 && other !== process.pid && runningPalisade(other)) {
        throw new PalisadeError('PALISADE_ERR_DAEMON', `another Palisade daemon (pid ${other}) already runs with this state directory (${this.path})`);
      }
      unlinkSync(this.path); // stale
    }
    throw new PalisadeError('PALISADE_ERR_DAEMON', `${this.path}: cannot take the pid file`);
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
