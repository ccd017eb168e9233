// Runs the tools the kernel benchmark needs (ip, ethtool, taskset, chrt, iptables): argument
// arrays only, never a shell. Synchronous: the driver does one thing at a time, and nothing here
// runs while packets are being measured.

import { spawnSync } from 'node:child_process';

export interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

export function tryRun(argv: readonly string[], input?: string): Output {
  const r = spawnSync(argv[0], argv.slice(1), { input: input ?? '', encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.error) return { code: 127, stdout: '', stderr: `${argv[0]}: ${r.error.message}` };
  return { code: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a command; a failure throws one line: the command and the tool's first error line. */
export function run(argv: readonly string[], input?: string): string {
  const r = tryRun(argv, input);
  if (r.code !== 0) {
    const why = r.stderr.split('\n').find((l) => l.trim() !== '') ?? `exit code ${r.code}`;
    throw new Error(`${argv.join(' ')}: ${why.trim()}`);
  }
  return r.stdout;
}

/** Milliseconds since an hrtime.bigint() start. */
export function msSince(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
