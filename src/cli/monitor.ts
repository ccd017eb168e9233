// `palisade monitor -i IFACE`: passive live detection on one interface. Every packet goes through
// the live pipeline (decode -> detect, the same stages as analyze); alerts print as they happen,
// and a summary follows on Ctrl+C / SIGTERM or after -c COUNT packets. Nothing is blocked: this
// verb only watches (the daemon enforces).

import { Command, Option } from 'commander';
import type { ConfigOverride } from '../config/load.js';
import type { Detection } from '../detect/detection.js';
import { PalisadeError } from '../errors.js';
import type { PacketView } from '../decode/packet-view.js';
import { LivePacketPipeline } from '../pipeline/live-packets.js';
import type { AnalysisReport } from '../pipeline/offline.js';
import { alertRecord } from '../record/alerts-jsonl.js';
import { selectCapture, type CaptureFactories } from '../sources/live/select-capture.js';
import { pcapFactory } from '../sources/pcap-live/pcap-live-source.js';
import { xdpFactory } from '../sources/xdp/xdp-packet-source.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';
import { alertLine, renderReport, reportJson } from './report-text.js';

interface MonitorFlags extends DetectionFlags {
  iface: string;
  capture?: 'auto' | 'xdp' | 'pcap';
  filter?: string;
  format: 'text' | 'json';
  count?: string;
  top: string;
}

/** Aggregate (destination/global) detections kept for the summary. */
const MAX_AGGREGATES = 10_000;

export function monitorCommand(): Command {
  const cmd = new Command('monitor')
    .summary('watch an interface passively and print alerts as they happen')
    .description(
      'Captures packets on an interface (the XDP guard\'s ring buffer when BPF works here, else libpcap)\n' +
        'and runs every packet through the detectors, printing each alert as it happens. Passive: nothing\n' +
        'is blocked. A summary follows on Ctrl+C or SIGTERM, or after -c COUNT packets.\n' +
        'With --format json every alert is a JSON line and the summary is the last line.',
    )
    .requiredOption('-i, --iface <name>', 'network interface to watch')
    .addOption(new Option('--capture <method>', 'XDP ring buffer, libpcap, or auto (XDP when it works, else libpcap)').choices(['auto', 'xdp', 'pcap']))
    .option('--filter <expr>', 'libpcap capture filter in tcpdump syntax (libpcap capture only)')
    .addOption(new Option('-o, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --count <n>', 'stop after this many packets')
    .option('--top <n>', 'sources to list in the summary', '10');
  addDetectionOptions(cmd, { shortConfig: false });
  cmd.action(async (flags: MonitorFlags) => {
    let count = Infinity;
    if (flags.count !== undefined) {
      count = Number(flags.count);
      if (!Number.isInteger(count) || count <= 0) throw new PalisadeError('PALISADE_ERR_USAGE', `--count: '${flags.count}' must be a positive whole number`);
    }
    const extra: ConfigOverride[] = [{ path: ['sources', 'packets', 'interfaces'], value: [flags.iface], origin: '--iface' }];
    if (flags.capture) extra.push({ path: ['sources', 'packets', 'capture'], value: flags.capture, origin: '--capture' });
    if (flags.filter !== undefined) extra.push({ path: ['sources', 'packets', 'pcap_filter'], value: flags.filter, origin: '--filter' });
    const config = configFromFlags(flags, extra);
    const packets = config.sources.packets;
    const json = flags.format === 'json';

    // Tallies for the summary (the same shape as analyze's report).
    const byRule: Record<string, number> = {};
    const bySeverity: Record<string, number> = {};
    const aggregates: Detection[] = [];
    let aggregatesDropped = 0;
    let alerts = 0;
    const sink = (d: Detection): void => {
      alerts++;
      byRule[d.ruleId] = (byRule[d.ruleId] ?? 0) + 1;
      bySeverity[d.severity] = (bySeverity[d.severity] ?? 0) + 1;
      if (d.scope !== 'source') {
        if (aggregates.length < MAX_AGGREGATES) aggregates.push(d);
        else aggregatesDropped++;
      }
      pipeline.stages.policy.onDetection(d);
      process.stdout.write((json ? JSON.stringify(alertRecord(d)) : alertLine(d)) + '\n');
    };
    const pipeline = new LivePacketPipeline(config, sink);

    let seen = 0;
    let bytes = 0;
    let firstTs = Infinity;
    let lastTs = -Infinity;
    let stopWhy: 'signal' | 'count' | 'problem' | null = null;
    let problem: string | null = null;
    let wake: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    const finish = (why: 'signal' | 'count' | 'problem'): void => {
      if (stopWhy === null) stopWhy = why;
      wake();
    };
    const handler = (view: PacketView): boolean => {
      if (seen >= count) return false; // the rest of the batch after -c COUNT
      seen++;
      bytes += view.wirelen;
      if (view.ts < firstTs) firstTs = view.ts;
      if (view.ts > lastTs) lastTs = view.ts;
      pipeline.handle(view);
      if (seen >= count) finish('count');
      return false;
    };

    const factories: CaptureFactories = {
      pcap: pcapFactory(packets, (_iface, p) => {
        problem = p;
        finish('problem');
      }),
      xdp: xdpFactory(config),
    };
    const onSignal = (): void => finish('signal');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = performance.now();
    try {
      const choice = await selectCapture(packets.capture, flags.iface, factories, handler);
      if (choice.fallback) process.stderr.write(`palisade: ${choice.fallback}\n`);
      const how = choice.method === 'xdp' ? 'the XDP ring buffer' : `libpcap${packets.pcap_filter ? ` (filter '${packets.pcap_filter}')` : ''}`;
      process.stderr.write(`palisade: monitoring ${flags.iface} with ${how}; Ctrl+C for the summary\n`);
      await stopped;
      const status = choice.source.status();
      await choice.source.stop();
      const duration = (performance.now() - started) / 1000;
      const c = pipeline.counters();
      const report: AnalysisReport = {
        files: [{ path: `${choice.method} ${flags.iface}`, format: choice.method, packets: seen, bytes, problem: problem ?? status.problem }],
        packets: seen,
        lines: 0,
        lps: 0,
        bytes,
        decode_errors: c.decode_errors,
        decode_events: c.decode_events,
        duration_s: duration,
        pps: duration > 0 ? seen / duration : 0,
        mbps: duration > 0 ? bytes / duration / 1e6 : 0,
        first_ts: seen > 0 ? firstTs : null,
        last_ts: seen > 0 ? lastTs : null,
        alerts,
        by_rule: byRule,
        by_severity: bySeverity,
        sources: pipeline.stages.policy.verdicts(),
        aggregates,
        untallied: aggregatesDropped + pipeline.stages.policy.untallied,
        state: { ...pipeline.stages.detect.counters(), signature_tracker_evictions: pipeline.stages.signatures.evictions },
        suppressed: Object.fromEntries(pipeline.stages.signatures.suppressed),
        interrupted: stopWhy !== 'count',
      };
      const capture = { interface: flags.iface, method: choice.method, fallback: choice.fallback, lost: status.lost, stopped_by: stopWhy };
      if (json) process.stdout.write(JSON.stringify({ summary: { ...reportJson(report), capture } }) + '\n');
      else {
        const text = renderReport(report, { top: Math.max(1, Number(flags.top) || 10) });
        const lost = status.lost > 0 ? `  lost           ${status.lost.toLocaleString('en-US')} packets dropped by the kernel before Palisade saw them\n` : '';
        process.stdout.write('\n' + text.replace(/^.*\n/, `Palisade monitor on ${flags.iface} (${choice.method === 'xdp' ? 'XDP ring buffer' : 'libpcap'}, stopped by ${stopWhy === 'count' ? `-c ${count}` : stopWhy})\n${lost}`));
      }
      if (problem) throw new PalisadeError('PALISADE_ERR_CAPTURE', `capture on ${flags.iface} stopped: ${problem}`);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  });
  return cmd;
}
