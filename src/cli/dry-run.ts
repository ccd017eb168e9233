// `palisade dry-run on|off`: switch between logging the commands and running them. The choice is
// kept in the store, so a restart keeps it until it is changed again.

import { Command } from 'commander';
import type { ChangeResult } from '../daemon/control-types.js';
import { PalisadeError } from '../errors.js';
import { addDaemonOptions, callDaemon, printJson, type DaemonFlags } from './daemon-client.js';
import { printChange } from './block.js';

export function dryRunCommand(): Command {
  const cmd = new Command('dry-run')
    .summary('turn dry-run on (log commands only) or off (enforce in the kernel), or show it')
    .argument('[state]', 'on | off (none: show the current state)');
  addDaemonOptions(cmd);
  cmd.action(async (state: string | undefined, f: DaemonFlags) => {
    if (state === undefined) {
      const r = (await callDaemon(f, 'dry_run', {})) as { dry_run: boolean; origin: string };
      if (f.output === 'json') return printJson(r);
      return void process.stdout.write(`dry-run is ${r.dry_run ? 'on' : 'off'} (${r.origin})\n`);
    }
    if (state !== 'on' && state !== 'off') throw new PalisadeError('PALISADE_ERR_USAGE', `dry-run: expected 'on' or 'off', got '${state}'`);
    printChange(f, (await callDaemon(f, 'dry_run', { on: state === 'on' })) as ChangeResult);
  });
  return cmd;
}
