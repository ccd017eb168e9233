// The `palisade` command. Each verb lives in its own file; this file wires them and turns user
// errors into one line on stderr and exit status 1 (never a stack trace).

import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { isPalisadeError } from '../errors.js';
import { analyzeCommand } from './analyze.js';
import { explainCommand } from './explain.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { alertsCommand } from './alerts.js';
import { statsCommand } from './stats.js';
import { configCommand } from './config-show.js';
import { blacklistCommand } from './blacklist.js';
import { blockCommand, unblockCommand } from './block.js';
import { whitelistCommand } from './whitelist.js';
import { dryRunCommand } from './dry-run.js';
import { backupDbCommand } from './backup-db.js';
import { retentionCommand } from './retention.js';
import { monitorCommand } from './monitor.js';
import { liveCommand } from './live.js';
import { nfqueueCommand } from './nfqueue.js';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('palisade')
    .description('Palisade: intrusion prevention for Linux. Detects floods, scans, brute force and injection\npayloads in packets and logs, and blocks attackers in the kernel.')
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(analyzeCommand());
  program.addCommand(replayCommand());
  program.addCommand(explainCommand());
  program.addCommand(monitorCommand());
  program.addCommand(liveCommand());
  program.addCommand(nfqueueCommand());
  for (const c of [runCommand(), statusCommand(), alertsCommand(), statsCommand(), configCommand(), blacklistCommand(), blockCommand(), unblockCommand(), whitelistCommand(), dryRunCommand(), backupDbCommand(), retentionCommand()]) {
    program.addCommand(c);
  }
  for (const c of program.commands) {
    c.exitOverride();
    c.showHelpAfterError('(run with --help for usage)');
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  // A closed stdout (e.g. `palisade analyze x | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or the help/version).
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    if (isPalisadeError(err)) {
      process.stderr.write(`palisade: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
