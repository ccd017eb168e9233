// `palisade run`: the daemon in the foreground (systemd runs it as is). SIGTERM/SIGINT flush and
// stop cleanly; SIGHUP reloads the configuration, refusing a bad one and keeping the old.

import { Command, Option } from 'commander';
import type { ConfigOverride } from '../config/load.js';
import { ControlServer } from '../api/control-server.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger } from '../daemon/logger.js';
import { PalisadeError } from '../errors.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';

interface RunFlags extends DetectionFlags {
  iface?: string[];
  capture?: 'auto' | 'xdp' | 'pcap';
  queue?: number;
  enforcer?: 'nftables' | 'iptables' | 'xdp' | 'dry-run';
  dryRun?: boolean;
  authLog?: string[];
  accessLog?: string[];
  stateDir?: string;
  logFile?: string;
  fromStart?: boolean;
  journald?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function queueNumber(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new PalisadeError('PALISADE_ERR_USAGE', `--queue ${v}: not a queue number (0-65535)`);
  return n;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .summary('run the daemon: follow host logs, decide, block in the kernel, record')
    .description(
      'Follows the auth logs (and journald, access logs), detects SSH brute force and web attacks, and\n' +
        'blocks offenders with nftables (iptables + ipset as fallback). Dry-run is ON until you turn it off\n' +
        '(--no-dry-run, `palisade dry-run off`, or enforce.dry_run: false). Stop with SIGTERM or Ctrl+C;\n' +
        'SIGHUP reloads the configuration. Talk to it with status, alerts, blacklist, block, ...',
    )
    .option('--iface <name>', 'network interface to watch (repeatable; replaces sources.packets.interfaces); with --enforcer xdp also where XDP drops', collect)
    .addOption(new Option('--capture <method>', 'how packets are watched: XDP ring buffer, libpcap, or auto').choices(['auto', 'xdp', 'pcap']))
    .option('--queue <n>', 'also take inline verdicts from NFQUEUE n (sources.nfqueue; add the rules with `palisade nfqueue enable`)', queueNumber)
    .addOption(new Option('--enforcer <backend>', 'kernel backend').choices(['nftables', 'iptables', 'xdp', 'dry-run']))
    .option('--dry-run', 'log the commands instead of running them (the default until turned off)')
    .option('--no-dry-run', 'enforce in the kernel')
    .option('--auth-log <file>', 'auth log to follow (repeatable; replaces sources.auth_logs)', collect)
    .option('--access-log <file>', 'web access log to follow (repeatable; replaces sources.access_logs)', collect)
    .option('--from-start', 'on the first start, read existing log files from the beginning')
    .option('--no-journald', 'do not follow the journal')
    .option('--state-dir <dir>', 'directory for every file the daemon writes (store, logs, pid, socket)')
    .option('--log-file <file>', 'structured JSON log file (default: standard error)');
  addDetectionOptions(cmd);
  cmd.action(async (f: RunFlags) => {
    const overrides: ConfigOverride[] = [];
    if (f.iface) overrides.push({ path: ['sources', 'packets', 'interfaces'], value: f.iface, origin: '--iface' });
    if (f.capture) overrides.push({ path: ['sources', 'packets', 'capture'], value: f.capture, origin: '--capture' });
    if (f.queue !== undefined) {
      overrides.push({ path: ['sources', 'nfqueue', 'enabled'], value: true, origin: '--queue' });
      overrides.push({ path: ['sources', 'nfqueue', 'queue'], value: f.queue, origin: '--queue' });
    }
    if (f.enforcer) overrides.push({ path: ['enforce', 'backend'], value: f.enforcer, origin: '--enforcer' });
    if (f.dryRun !== undefined) overrides.push({ path: ['enforce', 'dry_run'], value: f.dryRun, origin: f.dryRun ? '--dry-run' : '--no-dry-run' });
    if (f.authLog) overrides.push({ path: ['sources', 'auth_logs'], value: f.authLog, origin: '--auth-log' });
    if (f.accessLog) overrides.push({ path: ['sources', 'access_logs'], value: f.accessLog, origin: '--access-log' });
    if (f.fromStart) overrides.push({ path: ['sources', 'from_start'], value: true, origin: '--from-start' });
    if (f.journald === false) overrides.push({ path: ['sources', 'journald'], value: false, origin: '--no-journald' });
    if (f.stateDir) overrides.push({ path: ['daemon', 'state_dir'], value: f.stateDir, origin: '--state-dir' });
    if (f.logFile) overrides.push({ path: ['daemon', 'log_file'], value: f.logFile, origin: '--log-file' });
    const load = () => configFromFlags(f, overrides);
    const config = load();
    const logger = createLogger(config.daemon.log_file, config.daemon.log_level);
    const daemon = await Daemon.start({ loadConfig: load, configFile: f.config ?? null, logger });
    const control = new ControlServer(
      daemon.paths.socket,
      {
        status: () => daemon.status(),
        stats: () => daemon.stats(),
        alerts: (a) => daemon.alerts({ limit: num(a.limit), rule: str(a.rule), src: str(a.src) }),
        config: () => daemon.resolvedConfig(),
        blacklist: () => daemon.blacklist(),
        block: (a) => daemon.block(reqStr(a.target, 'target'), num(a.ttl), str(a.reason)),
        unblock: (a) => daemon.unblock(reqStr(a.target, 'target')),
        whitelist_list: () => daemon.whitelistList(),
        whitelist_add: (a) => daemon.whitelistAdd(reqStr(a.cidr, 'cidr')),
        whitelist_remove: (a) => daemon.whitelistRemove(reqStr(a.cidr, 'cidr')),
        dry_run: (a) => (typeof a.on === 'boolean' ? daemon.setDryRun(a.on) : daemon.getDryRun()),
        actions: (a) => daemon.recentActions(num(a.limit) ?? 10),
        reload: () => daemon.reload(),
      },
      (c, err) => logger.error({ cmd: c, err: (err as Error)?.stack }, 'control request failed'),
    );
    try {
      await control.listen();
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    if (f.iface) logger.info({ iface: f.iface }, 'interface recorded for packet sources (not used by host-log sources)');
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (sig: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal: sig }, 'stopping');
        void control
          .close()
          .then(() => daemon.stop())
          .finally(resolve);
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGHUP', () => void daemon.reload());
    });
  });
  return cmd;
}

function num(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PalisadeError('PALISADE_ERR_USAGE', `expected a number, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function reqStr(v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new PalisadeError('PALISADE_ERR_USAGE', `missing ${name}`);
  return v;
}
