// `palisade config`: the configuration the daemon runs with (resolved: defaults, file, environment,
// flags), secrets masked. Without a daemon, --resolve shows what `palisade run` would use.

import { Command } from 'commander';
import { stringify } from 'yaml';
import { maskSecrets } from '../config/mask.js';
import { loadConfig } from '../config/load.js';
import { addDaemonOptions, callDaemon, printJson, type DaemonFlags } from './daemon-client.js';

interface ConfigFlags extends DaemonFlags {
  resolve?: boolean;
}

export function configCommand(): Command {
  const cmd = new Command('config')
    .summary("show the running daemon's resolved configuration (secrets masked)")
    .option('--resolve', 'do not ask the daemon: resolve -c FILE + environment as `palisade run` would');
  addDaemonOptions(cmd);
  cmd.action(async (f: ConfigFlags) => {
    const cfg = f.resolve ? { config_file: f.config ?? null, config: maskSecrets(loadConfig({ file: f.config, env: process.env })) } : await callDaemon(f, 'config');
    if (f.output === 'json') return printJson(cfg);
    const c = cfg as { config_file: string | null; config: unknown };
    process.stdout.write(`# resolved configuration${c.config_file ? ` (file ${c.config_file})` : ' (no file: defaults)'}; secrets masked\n`);
    process.stdout.write(stringify(c.config));
  });
  return cmd;
}
