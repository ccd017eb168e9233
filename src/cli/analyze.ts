// `palisade analyze FILE...`: captures and host logs through the whole pipeline as fast as
// possible; prints a summary (text or one JSON object) and can append every alert to a JSON-lines
// file.

import { Command, Option } from 'commander';
import { AlertLog } from '../record/alerts-jsonl.js';
import { runOffline } from '../pipeline/offline.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';
import { interruptController, terminalProgress } from './progress.js';
import { renderReport, reportJson } from './report-text.js';

interface AnalyzeFlags extends DetectionFlags {
  format: 'text' | 'json';
  alertsOut?: string;
  top: string;
  progress: boolean;
}

export function analyzeCommand(): Command {
  const cmd = new Command('analyze')
    .summary('analyze capture and log files as fast as possible and report what would be blocked')
    .description(
      'Reads pcap/pcapng captures and host logs (auth.log/secure in syslog or ISO form, journalctl -o json\n' +
        'exports, nginx/apache access logs; the format is found from the content), runs every detector and\n' +
        'rule over them in event time, and prints packets or lines, decode errors, alerts per rule, the top\n' +
        'offending sources and the sources the policy would block. A damaged capture ends with one line\n' +
        'naming the packet and byte offset; everything before it is kept and reported.',
    )
    .argument('<file...>', 'capture files (pcap, pcapng) and log files')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--alerts-out <file>', 'append every alert as a JSON line to FILE')
    .option('--top <n>', 'sources to list in the text report', '10')
    .option('--no-progress', 'no progress line on stderr (it is shown only on a terminal anyway)');
  addDetectionOptions(cmd);
  cmd.action(async (files: string[], flags: AnalyzeFlags) => {
    const config = configFromFlags(flags);
    const log = flags.alertsOut ? new AlertLog(flags.alertsOut) : null;
    const progress = flags.progress ? terminalProgress() : null;
    const intr = interruptController();
    try {
      const report = await runOffline({
        files,
        config,
        onDetection: log ? (d) => log.write(d) : undefined,
        onProgress: progress?.update,
        signal: intr.signal,
      });
      progress?.done();
      for (const f of report.files) if (f.problem) process.stderr.write(`palisade: warning: ${f.problem}\n`);
      if (flags.format === 'json') process.stdout.write(JSON.stringify(reportJson(report), null, 2) + '\n');
      else process.stdout.write(renderReport(report, { top: Math.max(1, Number(flags.top) || 10) }));
    } finally {
      progress?.done();
      intr.dispose();
      log?.close();
    }
  });
  return cmd;
}
