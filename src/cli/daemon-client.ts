// Shared by the verbs that talk to a running daemon: how to find it (--state-dir, or the state
// directory a config file names), the call itself, and -o table|json output.

import { Command, Option } from 'commander';
import { controlCall } from '../api/control-client.js';
import { statePaths, type StatePaths } from '../daemon/state-paths.js';
import { addStateDirOptions, resolveState } from './state-dir.js';

export interface DaemonFlags {
  stateDir?: string;
  config?: string;
  output: 'table' | 'json';
}

export function addDaemonOptions(cmd: Command): Command {
  addStateDirOptions(cmd);
  return cmd.addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'));
}

export function daemonPaths(f: { stateDir?: string; config?: string }): StatePaths {
  return statePaths(f.stateDir ?? resolveState(f).stateDir);
}

export async function callDaemon(f: DaemonFlags, cmd: string, args: Record<string, unknown> = {}): Promise<unknown> {
  return controlCall(daemonPaths(f).socket, cmd, args);
}

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

export function table(rows: string[][], header: string[]): string {
  if (rows.length === 0) return '';
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/** "3599 s" / "59 min" / "permanent" for a remaining lifetime. */
export function remaining(expiresAt: number | null, now = Date.now() / 1000): string {
  if (expiresAt === null) return 'permanent';
  const s = Math.max(0, Math.round(expiresAt - now));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}
