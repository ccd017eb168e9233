// `palisade block IP|CIDR [--ttl S]` and `palisade unblock IP|CIDR`: manual decisions, applied by
// the running daemon (validated there against the whitelist, recorded in the store and action log).

import { Command } from 'commander';
import type { ChangeResult } from '../daemon/control-types.js';
import { PalisadeError } from '../errors.js';
import { addDaemonOptions, callDaemon, printJson, type DaemonFlags } from './daemon-client.js';

interface BlockFlags extends DaemonFlags {
  ttl?: string;
  reason?: string;
}

export function printChange(f: DaemonFlags, r: ChangeResult): void {
  if (f.output === 'json') return printJson(r);
  process.stdout.write(`${r.message}${r.dry_run ? ' (dry run: nothing was changed in the kernel)' : ''}\n`);
  for (const c of r.commands) process.stdout.write(`  ${r.executed ? 'ran' : 'would run'}: ${c}\n`);
}

export function blockCommand(): Command {
  const cmd = new Command('block')
    .summary('block an address or network now')
    .argument('<target>', 'IPv4/IPv6 address or CIDR')
    .option('--ttl <seconds>', 'lifetime in seconds (0 = permanent; default policy.blacklist_ttl)')
    .option('--reason <text>', 'why (shown in blacklist and the action log)');
  addDaemonOptions(cmd);
  cmd.action(async (target: string, f: BlockFlags) => {
    let ttl: number | undefined;
    if (f.ttl !== undefined) {
      ttl = Number(f.ttl);
      if (!Number.isInteger(ttl) || ttl < 0) throw new PalisadeError('PALISADE_ERR_USAGE', `--ttl: '${f.ttl}' is not a whole number of seconds (0 = permanent)`);
    }
    printChange(f, (await callDaemon(f, 'block', { target, ttl, reason: f.reason })) as ChangeResult);
  });
  return cmd;
}

export function unblockCommand(): Command {
  const cmd = new Command('unblock').summary('lift a block now').argument('<target>', 'IPv4/IPv6 address or CIDR');
  addDaemonOptions(cmd);
  cmd.action(async (target: string, f: DaemonFlags) => {
    printChange(f, (await callDaemon(f, 'unblock', { target })) as ChangeResult);
  });
  return cmd;
}
