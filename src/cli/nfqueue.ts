// `palisade nfqueue enable|disable|status`: the firewall rules that hand packets to `palisade live`
// (or the daemon) on an NFQUEUE queue, in a table / chain of Palisade's own.

import { Command, Option } from 'commander';
import { PalisadeError } from '../errors.js';
import { checkQueue, checkTableName, DEFAULT_QUEUE_TABLE } from '../sources/nfqueue/queue-rules.js';
import { disableQueueRules, enableQueueRules, queueRuleStatus, statusLine, type QueueBackendChoice } from '../sources/nfqueue/queue-setup.js';

interface NfqueueFlags {
  queue: string;
  failClosed?: boolean;
  forward?: boolean;
  table: string;
  backend: QueueBackendChoice;
  format: 'text' | 'json';
}

function usage(msg: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_USAGE', msg);
}

function parseQueue(v: string): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  const bad = checkQueue(n);
  if (bad !== null) throw usage(`--queue: '${v}' must be a whole number 0-65535`);
  return n;
}

function table(flags: NfqueueFlags): string {
  const bad = checkTableName(flags.table);
  if (bad !== null) throw usage(`--table: ${bad}`);
  return flags.table;
}

function common(cmd: Command): Command {
  return cmd
    .option('--table <name>', "Palisade's own nftables table (iptables fallback: the mangle chain of that name in capitals)", DEFAULT_QUEUE_TABLE)
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'));
}

export function nfqueueCommand(): Command {
  const cmd = new Command('nfqueue')
    .summary('add or remove the rules that send packets to an NFQUEUE queue (for palisade live)')
    .description(
      'Packets reach `palisade live --queue N` only through a firewall rule. `enable`\n' +
        "adds one in a table of Palisade's own: nftables `table inet palisade_nfq`,\n" +
        'chain input (and forward with --forward): `queue num N bypass`. On kernels\n' +
        'without the nftables queue expression it uses the iptables NFQUEUE target in\n' +
        'a mangle chain PALISADE_NFQ (IPv4 and IPv6). `bypass` is fail-open: while\n' +
        'nothing listens on the queue, packets pass; --fail-closed drops them.\n' +
        "`disable` removes only Palisade's table / chain. Idempotent. Needs root.",
    );

  const enable = common(
    new Command('enable')
      .description('add (or update) the NFQUEUE rules')
      .option('-q, --queue <n>', 'queue number', '0')
      .option('--fail-closed', 'drop packets while nothing listens on the queue (default: accept them)')
      .option('--forward', 'also queue forwarded traffic (a gateway)')
      .addOption(new Option('--backend <kind>', 'rule backend').choices(['auto', 'nftables', 'iptables']).default('auto')),
  ).action(async (flags: NfqueueFlags) => {
    const o = { table: table(flags), queue: parseQueue(flags.queue), failOpen: !flags.failClosed, forward: flags.forward === true };
    const r = await enableQueueRules(o, flags.backend);
    const state = await queueRuleStatus(o.table);
    if (flags.format === 'json') {
      process.stdout.write(JSON.stringify({ enabled: state !== null, ...(state ?? {}), table: o.table, fallback_reason: r.fallbackReason }) + '\n');
      return;
    }
    if (r.fallbackReason) process.stderr.write(`palisade: note: ${r.fallbackReason}\n`);
    process.stdout.write(`nfqueue: ${statusLine(o.table, state)}\n`);
  });

  const disable = common(new Command('disable').description("remove Palisade's NFQUEUE rules")).action(async (flags: NfqueueFlags) => {
    const t = table(flags);
    const removed = await disableQueueRules(t);
    if (flags.format === 'json') process.stdout.write(JSON.stringify({ removed, table: t }) + '\n');
    else process.stdout.write(removed ? `nfqueue: disabled (removed Palisade's rules: ${t})\n` : `nfqueue: nothing to remove (${t} was not there)\n`);
  });

  const status = common(new Command('status').description('show whether the NFQUEUE rules are in place, and for which queue')).action(async (flags: NfqueueFlags) => {
    const t = table(flags);
    const s = await queueRuleStatus(t);
    if (flags.format === 'json') process.stdout.write(JSON.stringify({ enabled: s !== null, ...(s ?? {}), table: t }) + '\n');
    else process.stdout.write(`nfqueue: ${statusLine(t, s)}\n`);
  });

  for (const c of [enable, disable, status]) {
    c.exitOverride();
    c.showHelpAfterError('(run with --help for usage)');
    cmd.addCommand(c);
  }
  return cmd;
}
