// Counters read before and after each traffic run (never during one), inside DST:
//   arrived     rx_queue_0_xdp_packets of the receiving veth: frames NAPI took from its ring
//   delivered   Ip InDelivers of DST: packets that reached the transport layer
//   ringFull    tx_queue_0_xdp_xmit_errors of the sending veth: frames refused, the ring was full
//   napiTicks   utime + stime of the NAPI kthread (/proc/PID/stat, clock ticks)
//   napiRunNs   its run time from /proc/PID/schedstat (ns; a cross-check of the ticks)
// dropped = arrived - delivered: whatever the filter under test (or the stack) threw away.

import { readFileSync } from 'node:fs';
import { run } from './exec.js';
import { statFields, type Lab } from './topology.js';

export interface Snapshot {
  arrived: number;
  delivered: number;
  ringFull: number;
  napiTicks: number;
  napiRunNs: number;
}

export type Delta = Snapshot;

function ethtoolStat(text: string, name: string, dev: string): number {
  const m = new RegExp(`^\\s*${name}:\\s*(\\d+)\\s*$`, 'm').exec(text);
  if (!m) throw new Error(`ethtool -S ${dev} has no ${name} (not a veth?)`);
  return Number(m[1]);
}

/** Ip InDelivers of the namespace this process runs in. */
export function ipInDelivers(): number {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Ip: '));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('InDelivers');
  if (i < 0 || values[i] === undefined) throw new Error('/proc/net/snmp has no Ip InDelivers');
  return Number(values[i]);
}

export function snapshot(lab: Lab, napiPid: number): Snapshot {
  const rx = run(['ethtool', '-S', lab.dstDev]);
  const tx = run(['ip', 'netns', 'exec', lab.srcNs, 'ethtool', '-S', lab.srcDev]);
  const f = statFields(napiPid);
  return {
    arrived: ethtoolStat(rx, 'rx_queue_0_xdp_packets', lab.dstDev),
    delivered: ipInDelivers(),
    ringFull: ethtoolStat(tx, 'tx_queue_0_xdp_xmit_errors', lab.srcDev),
    napiTicks: Number(f[11]) + Number(f[12]),
    napiRunNs: Number(readFileSync(`/proc/${napiPid}/schedstat`, 'utf8').split(' ')[0]),
  };
}

export function delta(a: Snapshot, b: Snapshot): Delta {
  return {
    arrived: b.arrived - a.arrived,
    delivered: b.delivered - a.delivered,
    ringFull: b.ringFull - a.ringFull,
    napiTicks: b.napiTicks - a.napiTicks,
    napiRunNs: b.napiRunNs - a.napiRunNs,
  };
}

let clockTicks: number | null = null;

/** USER_HZ: the unit of utime/stime (100 on Linux, read once from getconf). */
export function ticksPerSecond(): number {
  if (clockTicks === null) {
    const v = Number(run(['getconf', 'CLK_TCK']).trim());
    clockTicks = Number.isInteger(v) && v > 0 ? v : 100;
  }
  return clockTicks;
}
