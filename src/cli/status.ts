// `palisade status`: which fallback row of DESIGN.md is active and why, the sources, the counts.

import { Command } from 'commander';
import type { StatusReport } from '../daemon/control-types.js';
import { addDaemonOptions, callDaemon, printJson, table, type DaemonFlags } from './daemon-client.js';

export function statusCommand(): Command {
  const cmd = new Command('status').summary('show what the running daemon does: mode, sources, enforcement, counts');
  addDaemonOptions(cmd);
  cmd.action(async (f: DaemonFlags) => {
    const s = (await callDaemon(f, 'status')) as StatusReport;
    if (f.output === 'json') return printJson(s);
    const out: string[] = [];
    out.push(`Palisade ${s.version} running (pid ${s.pid}, up ${Math.round(s.uptime_s)} s, state ${s.state_dir})`);
    out.push(`mode          ${s.row.environment}: packets ${s.row.packet_source}; enforcement ${s.row.enforcement}; host events ${s.row.host_events}`);
    for (const w of s.why) out.push(`              - ${w}`);
    out.push(`enforcement   ${s.enforcer.backend}${s.enforcer.dry_run ? ' (DRY RUN: commands are logged, not run)' : ''} - ${s.enforcer.why}`);
    if (s.enforcer.dry_run_origin === 'runtime') out.push('              dry-run was set at run time (palisade dry-run on|off); it overrides the config');
    out.push(`counts        ${s.counts.lines} lines, ${s.counts.alerts} alerts, ${s.counts.blocks_active} active blocks, ${s.counts.decisions} decisions, ${s.counts.whitelisted_skips} whitelisted skips, ${s.counts.blocks_refused_capacity} refused (capacity)`);
    if (s.last_reload) out.push(`last reload   ${s.last_reload.at} ${s.last_reload.ok ? 'ok' : 'REFUSED'}: ${s.last_reload.message}`);
    out.push('sources');
    process.stdout.write(out.join('\n') + '\n');
    process.stdout.write(
      table(
        s.sources.map((x) => ['  ' + x.kind, x.name, x.state, String(x.lines)]),
        ['  kind', 'name', 'state', 'lines'],
      ) || '  (none)\n',
    );
    if (s.packet_sources.length > 0 || s.sock_trace) {
      const rows = s.packet_sources.map((p) => ['  ' + p.kind, p.name, p.problem ?? 'running', String(p.packets), String(p.lost), String(p.dropped)]);
      if (s.sock_trace) rows.push(['  sock_trace', s.sock_trace.name, s.sock_trace.problem ?? 'running', String(s.sock_trace.events ?? 0), String(s.sock_trace.lost ?? 0), '-']);
      process.stdout.write('kernel sources\n' + table(rows, ['  kind', 'name', 'state', 'packets/events', 'lost', 'dropped']));
    }
  });
  return cmd;
}
