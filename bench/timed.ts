// Runs a command under /usr/bin/time (optionally pinned to one CPU) and reads its wall time, CPU
// time and peak memory: shared by every benchmark that races another tool.

import { closeSync, openSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export interface Timed {
  wall_s: number;
  cpu_s: number;
  maxrss_mb: number;
  stdout: string;
}

/** `cpu`: pin the command to this CPU with taskset (null: let it run anywhere). */
export function timed(cmd: string, args: string[], opts: { cpu?: string | null; stdinFile?: string } = {}): Timed {
  const cpu = opts.cpu === undefined ? '1' : opts.cpu;
  const wrap = cpu !== null ? ['taskset', '-c', cpu, cmd, ...args] : [cmd, ...args];
  const fd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : 'ignore';
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '@@TIME %e %U %S %M', ...wrap], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: [fd, 'pipe', 'pipe'],
    });
    const line = r.stderr.split('\n').find((l) => l.startsWith('@@TIME '));
    if (r.status !== 0 || !line) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
    const [wall, user, sys, rssKb] = line.slice(7).split(' ').map(Number);
    return { wall_s: wall, cpu_s: user + sys, maxrss_mb: rssKb / 1024, stdout: r.stdout };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
