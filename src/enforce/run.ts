// Runs firewall tools: argument arrays and stdin batches only, never a shell. With `netns` every
// command runs as `ip netns exec NS ...` (tests and benchmarks); `path` replaces PATH (tests use
// it to take a tool away).

import { spawn } from 'node:child_process';
import { showArgv, type Plan, type Step } from './plan.js';

export interface RunOptions {
  netns?: string;
  path?: string;
}

export interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command; a missing program gives code 127 and a "not found" stderr, never a throw. */
export function runCommand(argv: readonly string[], opts: RunOptions, stdin?: string): Promise<RunOutput> {
  const full = opts.netns === undefined ? [...argv] : ['ip', 'netns', 'exec', opts.netns, ...argv];
  const env = opts.path === undefined ? process.env : { ...process.env, PATH: opts.path };
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(full[0], full.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ code: 127, stdout: '', stderr: `${full[0]}: ${(err as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    const errs: Buffer[] = [];
    let spawnError: string | null = null;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => errs.push(b));
    child.on('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code === 'ENOENT' ? `${full[0]}: command not found` : `${full[0]}: ${err.message}`;
    });
    // A tool that exits early (a syntax error on line 1) closes its stdin: not our error.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(errs).toString('utf8');
      if (spawnError !== null) resolve({ code: 127, stdout: '', stderr: spawnError });
      else resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

/** First non-empty line of a tool's stderr: the one line a user needs. */
export function firstLine(text: string): string {
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t !== '') return t;
  }
  return '';
}

/** "nft -f -: Error: ..." — the command and the tool's own first error line. */
export function describeFailure(argv: readonly string[], out: RunOutput, netns: string | undefined): string {
  // `ip netns exec` reports a missing program itself: say which one.
  const msg = firstLine(out.stderr) || `exit status ${out.code}`;
  return `${showArgv(argv, netns)}: ${msg}`;
}

async function runStep(step: Step, opts: RunOptions): Promise<string | null> {
  if (step.unless) {
    const check = await runCommand(step.unless, opts);
    if (check.code === 0) return null;
  }
  const out = await runCommand(step.argv, opts, step.stdin);
  if (out.code === 0) return null;
  if (step.tolerate && step.tolerate.test(out.stderr)) return null;
  return describeFailure(step.argv, out, opts.netns);
}

/** Runs the steps in order, stopping at the first failure; returns its one-line message or null. */
export async function runPlan(plan: Plan, opts: RunOptions): Promise<string | null> {
  for (const step of plan.steps) {
    const err = await runStep(step, opts);
    if (err !== null) return err;
  }
  return null;
}
