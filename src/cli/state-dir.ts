// Where the CLI verbs that work on the daemon's files (backup-db, retention) find them:
// --state-dir, else daemon.state_dir of the config (file, PALISADE_* environment, defaults).

import { Command, Option } from 'commander';
import type { Config } from '../config/defaults.js';
import { loadConfig } from '../config/load.js';

export interface StateDirFlags {
  config?: string;
  stateDir?: string;
}

export function addStateDirOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-c, --config <file>', 'YAML config file (for daemon.state_dir and record.retention_days)').env('PALISADE_CONFIG'))
    .option('--state-dir <dir>', 'the daemon state directory (default: daemon.state_dir of the config)');
}

export function resolveState(flags: StateDirFlags): { config: Config; stateDir: string } {
  const config = loadConfig({ file: flags.config, env: process.env });
  return { config, stateDir: flags.stateDir ?? config.daemon.state_dir };
}
