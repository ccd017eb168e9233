// `palisade replay FILE`: the same pipeline as analyze, paced by the packets' own timestamps (or
// N times faster), printing each alert as it happens, then the summary.

import { Command, Option } from 'commander';
import { PalisadeError } from '../errors.js';
import { AlertLog, alertRecord } from '../record/alerts-jsonl.js';
import { runOffline } from '../pipeline/offline.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';
import { interruptController } from './progress.js';
import { alertLine, renderReport, reportJson } from './report-text.js';

interface ReplayFlags extends DetectionFlags {
  speed: string;
  format: 'text' | 'json';
  alertsOut?: string;
  top: string;
}

export function replayCommand(): Command {
  const cmd = new Command('replay')
    .summary('replay a capture at its recorded pace, printing alerts as they happen')
    .description(
      'Feeds a capture through the same engine as `analyze`, waiting between packets as they were\n' +
        'recorded (--speed 10 plays ten times faster). Alerts print as they happen; a summary follows.\n' +
        'With --format json every alert is a JSON line and the summary is the last line.',
    )
    .argument('<file...>', 'capture files (pcap or pcapng), played in order')
    .option('-s, --speed <x>', 'pace factor: 1 = recorded pace, 10 = ten times faster', '1')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--alerts-out <file>', 'also append every alert as a JSON line to FILE')
    .option('--top <n>', 'sources to list in the summary', '10');
  addDetectionOptions(cmd);
  cmd.action(async (files: string[], flags: ReplayFlags) => {
    const speed = Number(flags.speed);
    if (!Number.isFinite(speed) || speed <= 0) throw new PalisadeError('PALISADE_ERR_USAGE', `--speed: '${flags.speed}' must be a positive number`);
    const config = configFromFlags(flags);
    const log = flags.alertsOut ? new AlertLog(flags.alertsOut) : null;
    const intr = interruptController();
    const json = flags.format === 'json';
    try {
      const report = await runOffline({
        files,
        config,
        speed,
        signal: intr.signal,
        onDetection: (d) => {
          process.stdout.write((json ? JSON.stringify(alertRecord(d)) : alertLine(d)) + '\n');
          log?.write(d);
        },
      });
      for (const f of report.files) if (f.problem) process.stderr.write(`palisade: warning: ${f.problem}\n`);
      if (json) process.stdout.write(JSON.stringify({ summary: reportJson(report) }) + '\n');
      else process.stdout.write('\n' + renderReport(report, { top: Math.max(1, Number(flags.top) || 10) }));
    } finally {
      intr.dispose();
      log?.close();
    }
  });
  return cmd;
}
