// Human-readable renderings of an analysis report and of single alerts.

import path from 'node:path';
import type { Detection } from '../detect/detection.js';
import type { AnalysisReport } from '../pipeline/offline.js';
import { isoTime } from '../record/alerts-jsonl.js';

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function bytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

function rate(pps: number): string {
  return pps >= 1e6 ? `${(pps / 1e6).toFixed(2)} M packets/s` : `${int(pps)} packets/s`;
}

function table(rows: string[][], header: string[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
}

/** One line per alert, in the shape of seed 004's console lines. */
export function alertLine(d: Detection): string {
  const from = d.src ?? '*';
  const to = d.dst ?? '*';
  const dport = d.dport !== null ? ` dport=${d.dport}` : '';
  return `SIGNATURE: ${d.ruleId} severity=${d.severity} action=${d.action} | ${from} -> ${to}${dport} ts=${isoTime(d.ts)} desc=${JSON.stringify(d.reason)}`;
}

export function renderReport(r: AnalysisReport, opts: { top: number }): string {
  const out: string[] = [];
  const names = r.files.map((f) => path.basename(f.path));
  out.push(`Palisade analysis of ${r.files.length === 1 ? names[0] : `${r.files.length} files`}${r.interrupted ? ' (interrupted: partial results)' : ''}`);
  const captures = r.files.some((f) => f.lines === undefined);
  const logs = r.files.some((f) => f.lines !== undefined);
  if (captures || !logs) {
    out.push(`  packets        ${int(r.packets)}  (${bytes(r.bytes)} in ${r.duration_s.toFixed(2)} s: ${rate(r.pps)}, ${r.mbps.toFixed(0)} MB/s)`);
  }
  if (logs) {
    const formats = [...new Set(r.files.filter((f) => f.lines !== undefined).map((f) => f.format))].join(', ');
    out.push(`  log lines      ${int(r.lines)}  (${formats}; ${int(r.lps)} lines/s)`);
  }
  if (r.first_ts !== null && r.last_ts !== null) {
    out.push(`  ${logs ? (captures ? 'event time  ' : 'log time    ') : 'capture time'}   ${isoTime(r.first_ts).slice(0, 19)}Z .. ${isoTime(r.last_ts).slice(0, 19)}Z (${(r.last_ts - r.first_ts).toFixed(1)} s)`);
  }
  const ev = Object.entries(r.decode_events).sort((a, b) => b[1] - a[1]);
  if (captures || !logs) out.push(`  decode errors  ${int(r.decode_errors)}${ev.length ? `  (${ev.map(([k, n]) => `${k} ${int(n)}`).join(', ')})` : ''}`);
  for (const f of r.files) if (f.problem) out.push(`  ! ${f.problem}`);
  const ev2 = r.state;
  const evicted = ev2.source_evictions + ev2.target_evictions + ev2.handshake_evictions + ev2.signature_tracker_evictions;
  if (evicted > 0) {
    out.push(`  state caps     ${int(ev2.source_evictions)} source, ${int(ev2.target_evictions)} target, ${int(ev2.handshake_evictions)} handshake, ${int(ev2.signature_tracker_evictions)} threshold entries evicted (bounded memory)`);
  }

  out.push('');
  out.push(`Alerts: ${int(r.alerts)}`);
  const rules = Object.entries(r.by_rule).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rules.length > 0) out.push(...table(rules.map(([k, n]) => [k, int(n)]), ['RULE', 'ALERTS']));
  const sup = Object.entries(r.suppressed).filter(([, n]) => n > 0);
  if (sup.length > 0) out.push(`  (held back by thresholds: ${sup.map(([k, n]) => `${k} ${int(n)}`).join(', ')})`);

  if (r.aggregates.length > 0) {
    out.push('');
    out.push('Attacks on targets (sources forged or too many; none proposed for blocking):');
    for (const d of r.aggregates.slice(0, opts.top)) out.push(`  ${d.ruleId}  ${d.reason}`);
    if (r.aggregates.length > opts.top) out.push(`  ... and ${r.aggregates.length - opts.top} more`);
  }

  if (r.sources.length > 0) {
    out.push('');
    out.push(`Top offending sources (${Math.min(opts.top, r.sources.length)} of ${r.sources.length}):`);
    out.push(
      ...table(
        r.sources.slice(0, opts.top).map((s) => [s.ip, int(s.detections), s.max_severity, s.rules.join(','), s.would_block ? `would block (${s.why})` : s.why]),
        ['SOURCE', 'DETECTIONS', 'SEVERITY', 'RULES', 'VERDICT'],
      ),
    );
  }

  if (r.untallied > 0) out.push(`  (${int(r.untallied)} more detections from further sources and targets are counted above but not listed: the lists are capped)`);

  const blocked = r.sources.filter((s) => s.would_block).map((s) => s.ip);
  out.push('');
  if (blocked.length === 0) out.push('Would block under the current policy: none');
  else {
    const shown = blocked.slice(0, 50).join(', ');
    out.push(`Would block under the current policy: ${blocked.length} source${blocked.length === 1 ? '' : 's'}`);
    out.push(`  ${shown}${blocked.length > 50 ? `, ... and ${blocked.length - 50} more` : ''}`);
  }
  return out.join('\n') + '\n';
}

/** The JSON form: the issue's keys first, then the extras. */
export function reportJson(r: AnalysisReport): Record<string, unknown> {
  return {
    packets: r.packets,
    decode_errors: r.decode_errors,
    duration_s: round(r.duration_s, 6),
    pps: Math.round(r.pps),
    lines: r.lines,
    lines_per_s: Math.round(r.lps),
    alerts: r.alerts,
    by_rule: r.by_rule,
    sources: r.sources.map((s) => ({
      ip: s.ip,
      detections: s.detections,
      rules: s.rules,
      would_block: s.would_block,
      max_severity: s.max_severity,
      why: s.why,
      first_seen: isoTime(s.first_seen),
      last_seen: isoTime(s.last_seen),
    })),
    bytes: r.bytes,
    mbps: round(r.mbps, 2),
    first_ts: r.first_ts === null ? null : isoTime(r.first_ts),
    last_ts: r.last_ts === null ? null : isoTime(r.last_ts),
    by_severity: r.by_severity,
    decode_events: r.decode_events,
    aggregates: r.aggregates.map((d) => ({ rule_id: d.ruleId, scope: d.scope, dst: d.dst, dport: d.dport, timestamp: isoTime(d.ts), reason: d.reason, evidence: d.evidence })),
    untallied: r.untallied,
    files: r.files,
    state: r.state,
    suppressed: r.suppressed,
    interrupted: r.interrupted,
  };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
