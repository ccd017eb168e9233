// `palisade blacklist`: the active blocks with their remaining lifetime and why.

import { Command } from 'commander';
import type { BlacklistRow } from '../daemon/control-types.js';
import { addDaemonOptions, callDaemon, printJson, remaining, table, type DaemonFlags } from './daemon-client.js';

export function blacklistCommand(): Command {
  const cmd = new Command('blacklist').summary('list blocked addresses and networks (remaining TTL, rule, reason)');
  addDaemonOptions(cmd);
  cmd.action(async (f: DaemonFlags) => {
    const rows = (await callDaemon(f, 'blacklist')) as BlacklistRow[];
    if (f.output === 'json') return printJson(rows);
    if (rows.length === 0) return void process.stdout.write('no active blocks\n');
    process.stdout.write(
      table(
        rows.map((b) => [b.target, remaining(b.expires_at), b.origin, b.rule, b.country ?? '-', b.reason]),
        ['target', 'expires in', 'origin', 'rule', 'country', 'reason'],
      ),
    );
  });
  return cmd;
}
