// `palisade live --queue N`: inline, in the foreground. Every packet the kernel queues goes through the
// live pipeline (decode -> detect) and gets its verdict there: a block-mode detection raised by a
// packet drops that very packet. Alerts print as they happen (as in `replay`); Ctrl+C or SIGTERM
// prints a summary and exits 0.

import { Command, Option } from 'commander';
import type { Detection } from '../detect/detection.js';
import { PalisadeError } from '../errors.js';
import { LivePacketPipeline } from '../pipeline/live-packets.js';
import { AlertLog, alertRecord } from '../record/alerts-jsonl.js';
import { NfqueueSource } from '../sources/nfqueue/nfqueue-source.js';
import { DEFAULT_QUEUE_TABLE } from '../sources/nfqueue/queue-rules.js';
import { queueRuleStatus } from '../sources/nfqueue/queue-setup.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';
import { alertLine } from './report-text.js';

interface LiveFlags extends DetectionFlags {
  queue: string;
  failClosed?: boolean;
  copyRange?: string;
  gso?: boolean;
  format: 'text' | 'json';
  alertsOut?: string;
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function wholeNumber(flag: string, v: string, min: number, max: number): number {
  const n = /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new PalisadeError('PALISADE_ERR_USAGE', `${flag}: '${v}' must be a whole number ${min}-${max}`);
  return n;
}

export interface LiveSummary {
  queue: number;
  fail_open: boolean;
  seconds: number;
  packets: number;
  verdict_drops: number;
  /** Packets the kernel could not hand over (accepted when fail-open, dropped when fail-closed). */
  lost: number;
  decode_errors: number;
  alerts: number;
  by_rule: Record<string, number>;
}

function renderSummary(s: LiveSummary): string {
  const out: string[] = [];
  out.push(`Palisade live on NFQUEUE queue ${s.queue} (${s.fail_open ? 'fail-open' : 'fail-closed'}), ${s.seconds.toFixed(1)} s`);
  out.push(`  packets        ${int(s.packets)}`);
  out.push(`  verdict drops  ${int(s.verdict_drops)}`);
  out.push(`  lost           ${int(s.lost)}${s.lost > 0 ? `  (the kernel could not hand them over: ${s.fail_open ? 'accepted uninspected' : 'dropped'})` : ''}`);
  out.push(`  decode errors  ${int(s.decode_errors)}`);
  out.push('');
  out.push(`Alerts: ${int(s.alerts)}`);
  const rules = Object.entries(s.by_rule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rules.length > 0) {
    const w = Math.max(4, ...rules.map(([k]) => k.length));
    out.push(`  ${'RULE'.padEnd(w)}  ALERTS`);
    for (const [k, n] of rules) out.push(`  ${k.padEnd(w)}  ${int(n)}`);
  }
  return out.join('\n') + '\n';
}

export function liveCommand(): Command {
  const cmd = new Command('live')
    .summary('inline IPS on an NFQUEUE queue: every packet gets its verdict, block-mode hits are dropped')
    .description(
      'Reads the packets the kernel queues on NFQUEUE --queue N (add the rule with\n' +
        '`palisade nfqueue enable --queue N`), runs each through the detection engine\n' +
        'and drops the packets that raise a block-mode detection (e.g. an SQL injection\n' +
        'request). Alerts print as they happen; Ctrl+C or SIGTERM prints a summary.\n' +
        'Fail-open by default: packets the queue cannot hold pass uninspected\n' +
        '(--fail-closed drops them). Needs root.',
    )
    .requiredOption('-q, --queue <n>', 'NFQUEUE queue number (0-65535)')
    .option('--fail-closed', 'drop packets when the queue overflows (default: accept them)')
    .option('--copy-range <bytes>', 'bytes of each packet inspected (default: sources.nfqueue.copy_range)')
    .option('--gso', 'take GSO super-packets unsegmented (faster bulk TCP; only the first copy-range bytes are inspected)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--alerts-out <file>', 'also append every alert as a JSON line to FILE');
  addDetectionOptions(cmd);
  cmd.action(async (flags: LiveFlags) => {
    const queue = wholeNumber('--queue', flags.queue, 0, 65535);
    const config = configFromFlags(flags);
    const nq = config.sources.nfqueue;
    const copyRange = flags.copyRange !== undefined ? wholeNumber('--copy-range', flags.copyRange, 64, 65535) : nq.copy_range;
    const failOpen = flags.failClosed ? false : nq.fail_open;
    const json = flags.format === 'json';
    const log = flags.alertsOut ? new AlertLog(flags.alertsOut) : null;

    let alerts = 0;
    const byRule: Record<string, number> = {};
    const onDetection = (d: Detection): void => {
      alerts++;
      byRule[d.ruleId] = (byRule[d.ruleId] ?? 0) + 1;
      process.stdout.write((json ? JSON.stringify(alertRecord(d)) : alertLine(d)) + '\n');
      log?.write(d);
    };
    const pipeline = new LivePacketPipeline(config, onDetection);
    const source = new NfqueueSource({ queue, failOpen, copyRange, maxLen: nq.max_len, gso: flags.gso === true });
    try {
      source.start(pipeline.handle);
    } catch (err) {
      log?.close();
      if (err instanceof TypeError || err instanceof RangeError) throw err;
      throw new PalisadeError('PALISADE_ERR_NFQUEUE', (err as Error).message);
    }
    const started = process.hrtime.bigint();
    process.stderr.write(`palisade live: inline on NFQUEUE queue ${queue} (${failOpen ? 'fail-open' : 'fail-closed'}, copy range ${copyRange} B); Ctrl+C to stop\n`);
    // Only a firewall rule brings packets here: say so when Palisade's own is missing.
    queueRuleStatus(DEFAULT_QUEUE_TABLE)
      .then((s) => {
        if (!s || s.queue !== queue) {
          process.stderr.write(`palisade live: note: no Palisade rule feeds queue ${queue} (\`palisade nfqueue enable --queue ${queue}\` adds one); only your own NFQUEUE rules will\n`);
        }
      })
      .catch(() => undefined);

    const signal = await new Promise<string>((resolve) => {
      const on = (sig: string) => () => resolve(sig);
      process.once('SIGINT', on('SIGINT'));
      process.once('SIGTERM', on('SIGTERM'));
    });
    const st = source.stats();
    await source.stop();
    log?.close();
    const c = pipeline.counters();
    const summary: LiveSummary = {
      queue,
      fail_open: failOpen,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
      packets: c.packets,
      verdict_drops: st?.dropped ?? c.verdict_drops,
      lost: st?.lost ?? 0,
      decode_errors: c.decode_errors,
      alerts,
      by_rule: byRule,
    };
    if (json) process.stdout.write(JSON.stringify({ summary, signal }) + '\n');
    else process.stdout.write('\n' + renderSummary(summary));
  });
  return cmd;
}
