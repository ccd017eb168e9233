// Options shared by every command that runs detection (analyze, replay, later run/monitor):
// config file, rule files, thresholds. Flags become config overrides so they win over the file
// and the environment, and their errors name the flag.

import { Command, Option } from 'commander';
import type { Config } from '../config/defaults.js';
import { loadConfig, parseSetArg, type ConfigOverride } from '../config/load.js';
import { PalisadeError } from '../errors.js';

export interface DetectionFlags {
  config?: string;
  rules?: string[];
  defaultRules?: boolean;
  set?: string[];
  icmpThreshold?: string;
  udpThreshold?: string;
  synThreshold?: string;
  portscanThreshold?: string;
  portscanWindow?: string;
  cooldown?: string;
  homeNet?: string;
  whitelist?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Flag -> config path, for the thresholds people tune most. */
const THRESHOLD_FLAGS: { flag: string; key: keyof DetectionFlags; path: string[]; help: string }[] = [
  { flag: '--icmp-threshold <pps>', key: 'icmpThreshold', path: ['detect', 'icmp_flood', 'threshold'], help: 'icmp-flood: echo requests per second from one source' },
  { flag: '--udp-threshold <pps>', key: 'udpThreshold', path: ['detect', 'udp_flood', 'threshold'], help: 'udp-flood: UDP packets per second from one source' },
  { flag: '--syn-threshold <n>', key: 'synThreshold', path: ['detect', 'syn_flood', 'threshold'], help: 'syn-flood: half-open connections from one source within the window' },
  { flag: '--portscan-threshold <n>', key: 'portscanThreshold', path: ['detect', 'port_scan', 'threshold'], help: 'port-scan: distinct ports probed by one source within the window' },
  { flag: '--portscan-window <s>', key: 'portscanWindow', path: ['detect', 'port_scan', 'window'], help: 'port-scan: window in seconds' },
  { flag: '--cooldown <s>', key: 'cooldown', path: ['detect', 'cooldown'], help: 'quiet seconds before the same rule alerts again for the same source' },
];

/** `shortConfig: false` leaves -c free (monitor uses it for a packet count, as tcpdump does). */
export function addDetectionOptions(cmd: Command, opts: { shortConfig?: boolean } = {}): Command {
  cmd
    .addOption(new Option(opts.shortConfig === false ? '--config <file>' : '-c, --config <file>', 'YAML config file').env('PALISADE_CONFIG'))
    .option('-r, --rules <file>', 'extra signature rule file (repeatable)', collect)
    .option('--no-default-rules', 'do not load the shipped rules/default.yaml')
    .option('--set <key=value>', 'set any config value, e.g. detect.syn_flood.window=10 (repeatable)', collect);
  for (const t of THRESHOLD_FLAGS) cmd.option(t.flag, t.help);
  cmd
    .option('--home-net <cidrs>', 'comma-separated networks that are ours (decides inbound/outbound)')
    .option('--whitelist <cidrs>', 'comma-separated addresses/networks never proposed for blocking');
  return cmd;
}

function numberFlag(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new PalisadeError('PALISADE_ERR_USAGE', `${flag}: '${value}' is not a number`);
  return n;
}

/** Resolves the config: defaults < file < PALISADE_* environment < flags (`extra`: a verb's own flags). */
export function configFromFlags(f: DetectionFlags, extra: ConfigOverride[] = []): Config {
  const overrides: ConfigOverride[] = [...extra];
  for (const s of f.set ?? []) overrides.push(parseSetArg(s));
  for (const t of THRESHOLD_FLAGS) {
    const v = f[t.key];
    if (typeof v === 'string') {
      const name = t.flag.split(' ')[0];
      overrides.push({ path: t.path, value: numberFlag(name, v), origin: name });
    }
  }
  const list = (v: string) => v.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (f.homeNet !== undefined) overrides.push({ path: ['home_net'], value: list(f.homeNet), origin: '--home-net' });
  if (f.whitelist !== undefined) overrides.push({ path: ['policy', 'whitelist'], value: list(f.whitelist), origin: '--whitelist' });
  if (f.defaultRules === false) overrides.push({ path: ['signatures', 'default_rules'], value: false, origin: '--no-default-rules' });
  const config = loadConfig({ file: f.config, env: process.env, overrides });
  if (f.rules && f.rules.length > 0) config.signatures.files = [...config.signatures.files, ...f.rules];
  return config;
}
