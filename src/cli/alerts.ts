// `palisade alerts --limit N`: the most recent alerts, newest first.

import { Command } from 'commander';
import type { AlertRow } from '../daemon/control-types.js';
import { PalisadeError } from '../errors.js';
import { addDaemonOptions, callDaemon, printJson, table, type DaemonFlags } from './daemon-client.js';

interface AlertsFlags extends DaemonFlags {
  limit: string;
  rule?: string;
  src?: string;
}

export function alertsCommand(): Command {
  const cmd = new Command('alerts')
    .summary('list recent alerts (newest first)')
    .option('-n, --limit <n>', 'how many', '10')
    .option('--rule <id>', 'only this rule')
    .option('--src <ip>', 'only this source address');
  addDaemonOptions(cmd);
  cmd.action(async (f: AlertsFlags) => {
    const limit = Number(f.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new PalisadeError('PALISADE_ERR_USAGE', `--limit: '${f.limit}' is not a number from 1 to 10000`);
    const rows = (await callDaemon(f, 'alerts', { limit, rule: f.rule, src: f.src })) as AlertRow[];
    if (f.output === 'json') return printJson(rows);
    if (rows.length === 0) return void process.stdout.write('no alerts\n');
    process.stdout.write(
      table(
        rows.map((a) => [a.timestamp, a.rule_id, a.severity, a.action, a.src ?? '*', a.reason]),
        ['time', 'rule', 'severity', 'action', 'source', 'reason'],
      ),
    );
  });
  return cmd;
}
