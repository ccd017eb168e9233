// `palisade backup-db DEST`: a consistent copy of the daemon's SQLite store, taken while the daemon
// keeps running (SQLite online backup; WAL lets the daemon write meanwhile).

import { existsSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { PalisadeError } from '../errors.js';
import { statePath } from '../record/state-files.js';
import { Store } from '../record/store.js';
import { addStateDirOptions, resolveState, type StateDirFlags } from './state-dir.js';

interface BackupFlags extends StateDirFlags {
  force?: boolean;
  format: 'text' | 'json';
}

/** `out` is where the report goes (tests pass their own). */
export function backupDbCommand(out: { write(text: string): unknown } = process.stdout): Command {
  const cmd = new Command('backup-db')
    .summary('copy the state database (alerts, blocks, history) while the daemon runs')
    .description(
      'Writes a consistent copy of <state-dir>/palisade.db to DEST using SQLite\'s online backup, so the\n' +
        'daemon keeps running and writing. The copy is a normal SQLite file: restore it by stopping the\n' +
        'daemon and putting it in place of palisade.db.',
    )
    .argument('<dest>', 'backup file to write (refused if it exists, unless --force)')
    .option('-f, --force', 'overwrite DEST if it exists')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'));
  addStateDirOptions(cmd);
  cmd.action(async (dest: string, flags: BackupFlags) => {
    const { stateDir } = resolveState(flags);
    const src = statePath(stateDir, 'db');
    const target = path.resolve(dest);
    if (target === path.resolve(src)) throw new PalisadeError('PALISADE_ERR_USAGE', `backup-db: ${dest} is the database itself`);
    if (existsSync(target) && !flags.force) throw new PalisadeError('PALISADE_ERR_USAGE', `backup-db: ${dest} exists; use --force to overwrite it`);
    if (!existsSync(path.dirname(target))) throw new PalisadeError('PALISADE_ERR_OUTPUT', `${dest}: directory ${path.dirname(target)} does not exist`);
    const store = Store.open(src, { mustExist: true });
    try {
      const size = await store.backup(target);
      if (flags.format === 'json') out.write(JSON.stringify({ source: src, backup: target, bytes: size }) + '\n');
      else out.write(`backed up ${src} to ${target} (${formatBytes(size)})\n`);
    } finally {
      store.close();
    }
  });
  return cmd;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
