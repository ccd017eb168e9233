// `palisade stats`: counters of the running daemon (alerts by rule and severity, blocks, sources).

import { Command } from 'commander';
import { addDaemonOptions, callDaemon, printJson, type DaemonFlags } from './daemon-client.js';

function flatten(obj: unknown, prefix = ''): [string, string][] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return [[prefix, JSON.stringify(obj)]];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

export function statsCommand(): Command {
  const cmd = new Command('stats').summary('show counters: alerts by rule and severity, blocks, lines, state');
  addDaemonOptions(cmd);
  cmd.action(async (f: DaemonFlags) => {
    const s = await callDaemon(f, 'stats');
    if (f.output === 'json') return printJson(s);
    const rows = flatten(s);
    const w = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n');
  });
  return cmd;
}
