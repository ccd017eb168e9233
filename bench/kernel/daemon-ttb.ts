// Time-to-block through the real daemon: `palisade run --iface DST --enforcer xdp --no-dry-run` in
// the receiving namespace (the XDP guard's ring buffer feeds the engine; its decisions go into the
// same guard's maps), fresh-source SYN floods from the generator, and the guard's drop counter read
// straight from the daemon's map (found through the program attached to the interface), so the
// poll costs a system call, not a process.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/kernel/paths.js';
import { requireNative } from '../../src/kernel/native.js';
import type { BenchNative } from './addon.js';
import { guardDropReader, measureTimeToBlock, type TimeToBlockResult } from './time-to-block.js';
import type { Lab } from './topology.js';

const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
/** bpf/xdp_guard.h: the stats map has one slot per reason (XG_STAT_MAX) of {u64 packets; u64 bytes}. */
const STATS_SLOTS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DaemonTtbOptions {
  lab: Lab;
  dstMac: string;
  trials: number;
  genCpu: number;
  log: (msg: string) => void;
}

/** Runs the daemon in this (the receiving) namespace, measures, stops it; the result or why not. */
export async function daemonTimeToBlock(o: DaemonTtbOptions): Promise<TimeToBlockResult> {
  const bin = path.join(packageRoot(), 'bin', 'palisade');
  const dir = mkdtempSync(path.join(tmpdir(), 'pal-kbench-ttb-'));
  const cfg = path.join(dir, 'palisade.yaml');
  writeFileSync(cfg, 'sources:\n  journald: false\n  auth_logs: []\n  sock_trace: false\nenforce:\n  drift_check_interval: 0\n');
  const env = { ...process.env };
  delete env.SSH_CLIENT;
  delete env.SSH_CONNECTION;
  let daemon: ChildProcess | null = null;
  let stderr = '';
  try {
    daemon = spawn(process.execPath, [bin, 'run', '-c', cfg, '--state-dir', dir, '--iface', o.lab.dstDev, '--enforcer', 'xdp', '--no-dry-run'], { stdio: ['ignore', 'ignore', 'pipe'], env });
    daemon.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const end = Date.now() + 30_000;
    for (;;) {
      const r = spawnSync(process.execPath, [bin, 'status', '--state-dir', dir, '-o', 'json'], { encoding: 'utf8' });
      if (r.status === 0 && (JSON.parse(r.stdout) as { packet_sources: { kind: string }[] }).packet_sources.some((p) => p.kind === 'xdp')) break;
      if (daemon.exitCode !== null || Date.now() > end) throw new Error(`the daemon did not start with XDP capture on ${o.lab.dstDev}: ${stderr.trim().slice(-500)}`);
      await sleep(200);
    }
    const nat = requireNative<BenchNative>();
    const ifindex = Number(readFileSync(`/sys/class/net/${o.lab.dstDev}/ifindex`, 'utf8'));
    const q = nat.xdpQuery(ifindex);
    const progId = q.native || q.generic;
    const statsFd = nat
      .progMapIds(progId)
      .map((id) => nat.mapFdById(id))
      .find((fd) => {
        const i = nat.bpfMapInfo(fd);
        return i.type === BPF_MAP_TYPE_PERCPU_ARRAY && i.maxEntries === STATS_SLOTS && i.valueSize === 16;
      });
    if (statsFd === undefined) throw new Error(`no stats map on the program attached to ${o.lab.dstDev} (prog id ${progId})`);
    o.log(`time-to-block: daemon pid ${daemon.pid} guards ${o.lab.dstDev} (${q.native ? 'native' : 'generic'}); ${o.trials} SYN floods of 100,000 packets/s from fresh sources`);
    return await measureTimeToBlock({ lab: o.lab, dstMac: o.dstMac, readDrops: guardDropReader(nat, statsFd), trials: o.trials, proto: 'syn', genCpu: o.genCpu, pps: 100_000 });
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
