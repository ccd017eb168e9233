// Time-to-block: from the first packet of a flood to the first packet the kernel drops for it.
//
// NOT WIRED INTO run.ts YET. It needs the daemon running in DST with the XDP source (the guard's
// ring buffer feeding the engine) and the xdp enforcer on the receiving veth; the lead starts
// that and supplies `readDrops`. The measuring logic is here and complete:
//   for each trial, a fresh source (never blocked before) floods DST through gen.js --source
//   --announce (paced, see `pps`); t0 = the generator's CLOCK_MONOTONIC time just before its first frame (Node's
//   hrtime is CLOCK_MONOTONIC in every process, so the two clocks compare); the driver polls the
//   guard's drop counter every `pollMs` and takes the first poll that sees it move as the first
//   drop; the flood stops there (or at `timeoutMs`: a miss, reported, never a number).
// Resolution: the poll interval (default 1 ms, the shortest Node timer), plus the time of one
// read. Busy polling would be finer but takes CPU from the daemon on this 2-CPU VM.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIPv4 } from '../../src/decode/ip-addr.js';
import { listAddress } from './addresses.js';
import type { BenchNative } from './addon.js';
import { median } from './report.js';
import type { Lab } from './topology.js';

export interface TimeToBlockOptions {
  lab: Lab;
  dstMac: string;
  /**
   * Cumulative packets the kernel dropped for blocked sources: guardDropReader below on the
   * guard's stats map fd, or XdpEnforcer.drops() in this process, or the daemon's stats.
   */
  readDrops: () => number | Promise<number>;
  trials: number;
  /** 'syn' (a SYN flood) or 'udp'; whichever the daemon's detectors block on. */
  proto: 'udp' | 'syn';
  genCpu: number;
  /**
   * Flood rate (frames/s, default 100,000). Not flat out: on this 2-CPU VM a flat-out flood keeps
   * the SCHED_FIFO NAPI thread and the generator busy on both CPUs, and the daemon (and this
   * poller) then wait tens of ms for a CPU, which measures the starvation, not Palisade.
   */
  pps?: number;
  pollMs?: number;
  /** Give up on one trial after this long (the flood runs that long at most). */
  timeoutMs?: number;
  /** First list index of the trial sources: far from anything run.ts loads (its lists stay below 2^21). */
  firstIndex?: number;
}

export interface TimeToBlockResult {
  /** Milliseconds from the first flood packet to the first kernel drop, one per trial that got blocked. */
  samplesMs: number[];
  /** Trials whose source was not blocked within timeoutMs. */
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  pollMs: number;
}

/** Nearest-rank percentile (p in 0..100). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/**
 * Drops counted by the XDP guard's `stats` map (bpf/xdp_guard.h: index 1 = by a blocked IPv4
 * address, 3 = by a blocked IPv4 network; values struct xg_stat_val { u64 packets; u64 bytes }
 * per CPU). `statsFd` is the daemon's map (pinned, or opened by id: the lead's choice).
 */
export function guardDropReader(nat: BenchNative, statsFd: number): () => number {
  const cpus = nat.numPossibleCpus();
  const value = Buffer.alloc(16 * cpus);
  const keys = [1, 3].map((i) => {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(i, 0);
    return k;
  });
  return () => {
    let sum = 0;
    for (const k of keys) {
      if (!nat.mapLookup(statsFd, k, value)) continue;
      for (let c = 0; c < cpus; c++) sum += Number(value.readBigUInt64LE(16 * c));
    }
    return sum;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One trial: flood from `source` until the first drop; milliseconds, or null on timeout. */
async function trial(o: TimeToBlockOptions, source: number, pollMs: number, timeoutMs: number): Promise<number | null> {
  const gen = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gen.js');
  const argv = ['netns', 'exec', o.lab.srcNs, 'taskset', '-c', String(o.genCpu), process.execPath, gen,
    '--ifname', o.lab.srcDev, '--dst-mac', o.dstMac, '--dst-ip', o.lab.dstIp, '--source', formatIPv4(source),
    '--proto', o.proto, '--seconds', String(timeoutMs / 1000), '--pps', String(o.pps ?? 100_000), '--hold-dev', o.lab.holdDev, '--cpu', String(o.genCpu), '--announce'];
  const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  try {
    const d0 = await o.readDrops();
    // t0 comes from the generator's first line.
    const t0 = await new Promise<bigint>((resolve, reject) => {
      let buf = '';
      const onData = (b: Buffer) => {
        buf += b.toString();
        const line = buf.split('\n')[0];
        if (buf.includes('\n')) {
          child.stdout.off('data', onData);
          try {
            resolve(BigInt((JSON.parse(line) as { started: string }).started));
          } catch {
            reject(new Error(`generator: unexpected first line ${line}`));
          }
        }
      };
      child.stdout.on('data', onData);
      void exited.then((code) => reject(new Error(`generator exited (${code}) before sending: ${stderr.trim()}`)));
    });
    const deadline = t0 + BigInt(Math.round(timeoutMs * 1e6));
    for (;;) {
      const now = process.hrtime.bigint();
      if ((await o.readDrops()) > d0) return Number(now - t0) / 1e6;
      if (now > deadline) return null;
      await sleep(pollMs);
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function measureTimeToBlock(o: TimeToBlockOptions): Promise<TimeToBlockResult> {
  const pollMs = o.pollMs ?? 1;
  const timeoutMs = o.timeoutMs ?? 5000;
  const first = o.firstIndex ?? 1 << 24;
  const samplesMs: number[] = [];
  let timeouts = 0;
  for (let i = 0; i < o.trials; i++) {
    const ms = await trial(o, listAddress(first + i), pollMs, timeoutMs);
    if (ms === null) timeouts++;
    else samplesMs.push(ms);
    await sleep(100); // let the daemon settle between floods
  }
  return { samplesMs, timeouts, p50Ms: median(samplesMs), p99Ms: percentile(samplesMs, 99), pollMs };
}
