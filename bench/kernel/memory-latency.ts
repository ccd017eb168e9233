// Memory latency of this machine by working-set size: one dependent read after another, each to a
// random cache line of a buffer of the given size (a pointer chase over a random cycle, so neither
// the prefetcher nor out-of-order execution can overlap the reads).
//
// Why the kernel benchmark prints it: the XDP guard's cost on legitimate traffic at 1 M blocked
// addresses is one read of its filter (or table) for a source whose line has left the cache, and
// what that read costs is set by how much cache this (shared) VM actually gets, not by the guard.
//
//   node dist/bench/kernel/memory-latency.js            # table, on whatever CPU
//   taskset -c 0 node dist/bench/kernel/memory-latency.js --json
//
// Idle figures: the receive path's own work evicts more than this loop does, so under load a
// structure is cached less well than the idle figure for its size says.

import { fileURLToPath } from 'node:url';

export interface LatencyPoint {
  bytes: number;
  ns: number;
}

const LINE_WORDS = 16; // 64-byte lines of Int32

/** Sizes measured by default: from well inside L2 to well past any cache. */
export const DEFAULT_SIZES = [128 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 64 << 20];

/** ns per dependent random read over `bytes` (best of `rounds`, each `steps` reads). */
export function chaseLatency(bytes: number, steps = 4_000_000, rounds = 3): number {
  const lines = Math.max(2, Math.floor(bytes / 64));
  const a = new Int32Array(lines * LINE_WORDS);
  // Sattolo's shuffle: one cycle through every line, in random order.
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * i);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  for (let i = 0; i < lines; i++) a[order[i] * LINE_WORDS] = order[(i + 1) % lines] * LINE_WORDS;
  let p = 0;
  for (let i = 0; i < lines; i++) p = a[p]; // warm: page tables and whatever fits
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) p = a[p];
    const ns = Number(process.hrtime.bigint() - t0) / steps;
    if (ns < best) best = ns;
  }
  if (p < 0) throw new Error('unreachable'); // keeps the chase from being optimised away
  return best;
}

export function memoryLatency(sizes: readonly number[] = DEFAULT_SIZES): LatencyPoint[] {
  return sizes.map((bytes) => ({ bytes, ns: chaseLatency(bytes) }));
}

export function fmtBytes(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MB` : `${bytes / 1024} KB`;
}

/** "128 KB 4 ns, 1 MB 9 ns, ..." */
export function describeLatency(points: readonly LatencyPoint[]): string {
  return points.map((p) => `${fmtBytes(p.bytes)} ${p.ns < 10 ? p.ns.toFixed(1) : Math.round(p.ns)} ns`).join(', ');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const points = memoryLatency();
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(points) + '\n');
  else for (const p of points) process.stdout.write(`${fmtBytes(p.bytes).padStart(7)}  ${p.ns.toFixed(1)} ns per random read\n`);
}
