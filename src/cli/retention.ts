// `palisade retention`: deletes alerts, actions and lifted-block history older than N days from the
// state database and the two JSONL logs. Active blocks are never touched. Safe while the daemon
// runs: SQLite WAL lets both write, and the daemon reopens a JSONL file that was replaced.

import { Command, Option } from 'commander';
import { PalisadeError } from '../errors.js';
import { applyRetention } from '../record/retention.js';
import { addStateDirOptions, resolveState, type StateDirFlags } from './state-dir.js';

interface RetentionFlags extends StateDirFlags {
  days?: string;
  format: 'text' | 'json';
}

/** `out` is where the report goes (tests pass their own). */
export function retentionCommand(out: { write(text: string): unknown } = process.stdout): Command {
  const cmd = new Command('retention')
    .summary('delete records older than N days from the state database and JSONL logs')
    .description(
      'Removes alerts, action-log rows and the history of blocks that are no longer active, older than\n' +
        '--days (default record.retention_days), from <state-dir>/palisade.db, alerts.jsonl and\n' +
        'actions.jsonl. Active blocks and their history are kept. Lines of the JSONL files that cannot\n' +
        'be read are kept too. The daemon may keep running.',
    )
    .option('--days <n>', 'keep this many days (default: record.retention_days; 0 = keep everything)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'));
  addStateDirOptions(cmd);
  cmd.action(async (flags: RetentionFlags) => {
    const { config, stateDir } = resolveState(flags);
    let days = config.record.retention_days;
    if (flags.days !== undefined) {
      days = Number(flags.days);
      if (flags.days.trim() === '' || !Number.isFinite(days) || days < 0) {
        throw new PalisadeError('PALISADE_ERR_USAGE', `--days: '${flags.days}' is not a number of days >= 0`);
      }
    }
    const now = Date.now() / 1000;
    const result = await applyRetention(stateDir, days, now);
    if (flags.format === 'json') {
      out.write(JSON.stringify({ state_dir: stateDir, days, ...result }) + '\n');
      return;
    }
    if (days === 0) {
      out.write('retention is off (0 days): nothing removed\n');
      return;
    }
    const db = result.database;
    out.write(
      `removed records older than ${days} days (before ${new Date((now - days * 86_400) * 1000).toISOString()}) from ${stateDir}:\n` +
        `  palisade.db     ${db.alerts} alerts, ${db.actions} actions, ${db.decisions} decisions\n` +
        `  alerts.jsonl    ${result.alerts_jsonl.removed} lines (${result.alerts_jsonl.kept} kept)\n` +
        `  actions.jsonl   ${result.actions_jsonl.removed} lines (${result.actions_jsonl.kept} kept)\n`,
    );
  });
  return cmd;
}
