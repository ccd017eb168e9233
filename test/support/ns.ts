// What every privileged test (and the demos) needs around network namespaces: the root and tool
// checks that fail loudly instead of skipping, running a command (in a namespace or not), and
// namespaces made afresh and deleted again, at process exit at the latest. The labs (netns.ts:
// a victim with peers; netns-lab.ts: the enforce tests' victim/attacker pair; xdp-lab.ts: a
// bridged lab) build their topologies from these. Never touches the root namespace's firewall.

import { execFileSync, spawnSync } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` (argument array, no shell); throws with its stderr when it fails, unless allowFail. */
export function run(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { input: opts.input, encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Fails loudly (never skips) when not root; `what` says why the test needs it. */
export function requireRoot(what: string): void {
  if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
    throw new Error(`NOT ROOT: ${what} needs root (network namespaces, nftables, BPF): run the tests as root, as make test and CI do`);
  }
}

/** Fails loudly when a tool is not installed. */
export function requireTools(...tools: string[]): void {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', t]).status !== 0);
  if (missing.length > 0) throw new Error(`REQUIRED TOOL MISSING: ${missing.join(', ')} (make test installs them: see APT_TEST in the Makefile)`);
}

export function requireRootAndTools(tools: string[], what: string): void {
  requireRoot(what);
  requireTools(...tools);
}

const live = new Set<string>();
process.on('exit', () => {
  for (const ns of live) spawnSync('ip', ['netns', 'del', ns]);
});

/**
 * A namespace of this run, made afresh (a leftover of a killed run is replaced): loopback up, and
 * no duplicate address detection anywhere (link-local addresses included), so addresses are
 * usable at once and neighbour discovery does not wait on tentative ones. Deleted at exit at the
 * latest.
 */
export function freshNamespace(ns: string): void {
  spawnSync('ip', ['netns', 'del', ns]);
  ip(['netns', 'add', ns]);
  live.add(ns);
  ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  for (const key of ['all', 'default']) {
    execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `net.ipv6.conf.${key}.accept_dad=0`, `net.ipv6.conf.${key}.dad_transmits=0`]);
  }
}

/** Deletes a namespace made by freshNamespace. */
export function removeNamespace(ns: string): void {
  spawnSync('ip', ['netns', 'del', ns]);
  live.delete(ns);
}

export function nsRun(ns: string, argv: string[], stdin?: string): RunResult {
  const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], { input: stdin ?? '', encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs and throws with the tool's stderr when it fails (test set-up and behind-the-back edits). */
export function nsExec(ns: string, argv: string[], stdin?: string): string {
  const r = nsRun(ns, argv, stdin);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${ns} failed: ${r.stderr.trim()}`);
  return r.stdout;
}
