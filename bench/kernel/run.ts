// `make bench-kernel`: what it costs the receiving CPU to drop (or pass) a packet with Palisade's
// XDP guard, Palisade's nftables and ipset backends, the seeds' per-address iptables rules, and
// no filter at all, with 10 to 1 M blocked addresses; how long loading N entries and adding one
// more take. Method: topology.ts (lab, threaded NAPI), gen.ts (generator), counters.ts.
//
//   node dist/bench/kernel/run.js [--quick] [--seconds 3] [--reps 5] [--n 10,10000,100000,1000000]
//       [--iptables-n 10,1000,10000] [--receivers none,xdp-pass,xdp-guard,nftables,nft-interval,ipset,iptables]
//       [--rx-cpu 0] [--gen-cpu 1] [--miss-pps 250000|0] [--ttb 30] [--filter-bits 8] [--no-doc]
//   QUICK=1 is --quick: a one-minute smoke run (1 s runs, 1 rep, N up to 10 k), docs untouched.
//
// As root. The process creates the namespaces pal-kbench-<pid>-{src,dst}, re-runs itself inside
// DST (`ip netns exec DST node run.js --inside`, so no filter command pays for `ip netns exec`
// and XDP attaches to DST's veth), and deletes both on exit, Ctrl+C included. The host's own
// firewall and interfaces are never touched. Results: a table, ratios and goal verdicts on
// stdout, every run in bench/out/kernel-<time>.json, and (full runs) the measured block of
// docs/benchmarks.md between the bench:kernel markers.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../src/kernel/native.js';
import { bpfObjectPath, packageRoot } from '../../src/kernel/paths.js';
import { BLOOM_BITS_PER_ADDR } from '../../src/kernel/xdp-table.js';
import { freshAddress, isLegit, listAddresses, type Traffic } from './addresses.js';
import { delta, snapshot, ticksPerSecond } from './counters.js';
import { run, tryRun } from './exec.js';
import { describeLatency, type LatencyPoint } from './memory-latency.js';
import type { GenResult } from './gen.js';
import { IpsetReceiver, NftablesReceiver, NftIntervalReceiver, NoFilter, PerAddressIptables, XdpPass, type Receiver, type ReceiverName } from './receivers.js';
import { fmtN, markdownProgramCosts, markdownRatios, markdownTable, markdownVerdicts, summarize, type InsertRecord, type ProgramCostRecord, type RunRecord } from './report.js';
import { benchNative } from './addon.js';
import { configureReceiver, createLab, destroyLab, deviceMac, findNapiThread, inNamespace, labFor, pinThread, type Lab } from './topology.js';
import { XdpGuardReceiver } from './xdp-guard-receiver.js';
import { daemonTimeToBlock } from './daemon-ttb.js';
import type { TimeToBlockResult } from './time-to-block.js';

const ALL_RECEIVERS: ReceiverName[] = ['none', 'xdp-pass', 'xdp-guard', 'nftables', 'nft-interval', 'ipset', 'iptables'];
const ADD_ONE_REPS = 5;
const NAPI_PRIO = 50;

interface Args {
  quick: boolean;
  seconds: number;
  reps: number;
  ns: number[];
  iptablesNs: number[];
  receivers: ReceiverName[];
  rxCpu: number;
  genCpu: number;
  doc: boolean;
  inside: boolean;
  /** Time-to-block trials through the daemon (0 = skip). */
  ttb: number;
  /**
   * Legitimate ("miss") and no-filter runs are paced to this many packets/s (0 = flat out). A
   * flat-out generator's rate swings with the shared CPU, and the cost per packet follows the rate
   * (NAPI batches shrink as it drops), so the smallest difference measured here, the guard's
   * overhead on traffic it passes, is compared at one fixed rate the receiver can always take.
   */
  missPps: number;
  /**
   * The XDP guard's filter (bloom_v4) bits per blocked address it is sized for: the daemon's
   * BLOOM_BITS_PER_ADDR by default; other values measure what the filter's size buys against
   * its false positives.
   */
  filterBits: number;
}

function fail(msg: string): never {
  process.stderr.write(`bench-kernel: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick') || process.env.QUICK === '1';
  const a: Args = quick
    ? { quick, seconds: 1, reps: 1, ns: [10, 10_000], iptablesNs: [10, 1000], receivers: ALL_RECEIVERS, rxCpu: 0, genCpu: 1, doc: false, inside: false, ttb: 5, missPps: 250_000, filterBits: BLOOM_BITS_PER_ADDR }
    : { quick, seconds: 3, reps: 5, ns: [10, 10_000, 100_000, 1_000_000], iptablesNs: [10, 1000, 10_000], receivers: ALL_RECEIVERS, rxCpu: 0, genCpu: 1, doc: true, inside: false, ttb: 30, missPps: 250_000, filterBits: BLOOM_BITS_PER_ADDR };
  const list = (v: string | undefined, what: string) => {
    const xs = (v ?? '').split(',').map(Number);
    if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1 || x > 4_000_000)) fail(`${what} takes a comma-separated list of sizes (1 to 4000000)`);
    return xs;
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--quick': break;
      case '--inside': a.inside = true; break;
      case '--no-doc': a.doc = false; break;
      case '--seconds': a.seconds = Number(v); i++; break;
      case '--reps': a.reps = Number(v); i++; break;
      case '--n': a.ns = list(v, '--n'); i++; break;
      case '--iptables-n': a.iptablesNs = list(v, '--iptables-n'); i++; break;
      case '--rx-cpu': a.rxCpu = Number(v); i++; break;
      case '--ttb': a.ttb = Number(v); i++; break;
      case '--miss-pps': a.missPps = Number(v); i++; break;
      case '--gen-cpu': a.genCpu = Number(v); i++; break;
      case '--filter-bits': a.filterBits = Number(v); i++; break;
      case '--receivers': {
        const rs = (v ?? '').split(',') as ReceiverName[];
        const bad = rs.filter((r) => !ALL_RECEIVERS.includes(r));
        if (bad.length > 0) fail(`unknown receiver ${bad.join(', ')} (known: ${ALL_RECEIVERS.join(', ')})`);
        a.receivers = rs;
        i++;
        break;
      }
      default: fail(`unknown argument ${argv[i]}`);
    }
  }
  if (!(a.seconds > 0 && a.seconds <= 60)) fail('--seconds must be between 0 and 60');
  if (!Number.isInteger(a.reps) || a.reps < 1) fail('--reps must be a positive integer');
  if (!Number.isInteger(a.filterBits) || a.filterBits < 1 || a.filterBits > 64) fail('--filter-bits must be an integer from 1 to 64');
  if (!Number.isInteger(a.missPps) || (a.missPps !== 0 && (a.missPps < 1000 || a.missPps > 5_000_000))) fail('--miss-pps must be 0 (flat out) or 1000 to 5000000 packets/s');
  const cpus = os.cpus().length;
  for (const [k, c] of [['--rx-cpu', a.rxCpu], ['--gen-cpu', a.genCpu]] as const) {
    if (!Number.isInteger(c) || c < 0 || c >= cpus) fail(`${k} must be a CPU number below ${cpus}`);
  }
  return a;
}

function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Outside: checks, the lab, the inner run, and removing the lab whatever happens.

function preflight(args: Args): void {
  if (process.getuid?.() !== 0) {
    fail('must run as root: it creates network namespaces and a veth pair, attaches XDP and runs nft, ipset and iptables inside them (sudo make bench-kernel)');
  }
  const tools: [string, string[]][] = [
    ['ip', ['-V']],
    ['ethtool', ['--version']],
    ['taskset', ['--version']],
    ['chrt', ['--version']],
    ['getconf', ['CLK_TCK']],
    ['nft', ['--version']],
    ['ipset', ['--version']],
    ['iptables', ['--version']],
    ['ip6tables', ['--version']],
    ['iptables-restore', ['--version']],
    ['ip6tables-restore', ['--version']],
  ];
  for (const [t, argv] of tools) {
    const r = tryRun([t, ...argv]);
    if (r.code !== 0) fail(`required tool '${t}' does not run here (${r.stderr.trim() || `exit ${r.code}`}); make test-deps installs it`);
  }
  const nat = loadNative();
  if (!nat.ok) fail(nat.why);
  for (const fn of ['progTestRunLive', 'bpfLoad', 'mapUpdateBatch']) {
    if (typeof nat.addon[fn] !== 'function') fail(`the addon has no ${fn} (rebuild it: make build)`);
  }
  if (!existsSync(bpfObjectPath('bench_gen'))) fail(`${bpfObjectPath('bench_gen')} is missing (make build)`);
  if (args.receivers.includes('xdp-guard') && !existsSync(bpfObjectPath('xdp_guard'))) {
    fail(`${bpfObjectPath('xdp_guard')} is missing (make build; or leave the guard out: --receivers ${args.receivers.filter((r) => r !== 'xdp-guard').join(',')})`);
  }
  if (os.cpus().length < 2) fail('needs 2 CPUs: one receives, one generates');
}

function outside(args: Args): void {
  preflight(args);
  const lab = labFor(process.pid);
  let removed = false;
  const cleanup = () => {
    if (removed) return;
    removed = true;
    const left = destroyLab(lab);
    if (left.length > 0) process.stderr.write(`bench-kernel: could not remove ${left.join('; ')}\n`);
  };
  process.on('exit', cleanup);
  try {
    createLab(lab);
  } catch (err) {
    fail(`cannot build the lab: ${(err as Error).message}`);
  }
  log(`lab: namespaces ${lab.srcNs} / ${lab.dstNs}, veth ${lab.srcDev} -> ${lab.dstDev}`);
  const self = fileURLToPath(import.meta.url);
  const child = spawn('ip', ['netns', 'exec', lab.dstNs, process.execPath, self, '--inside', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, PAL_KBENCH_ID: String(process.pid) },
  });
  let interrupted = false;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      interrupted = true;
      // Ctrl+C reaches the whole process group already; a kill of this process alone is passed on.
      child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => {
    cleanup();
    if (interrupted) log('interrupted: lab removed');
    process.exit(interrupted ? 130 : (code ?? (signal ? 1 : 0)));
  });
}

// ---------------------------------------------------------------------------------------------
// Inside DST: the measurements.

let genChild: ChildProcess | null = null;

function runGenerator(lab: Lab, args: Args, dstMac: string, traffic: Traffic, n: number): Promise<GenResult> {
  const gen = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gen.js');
  const argv = ['netns', 'exec', lab.srcNs, 'taskset', '-c', String(args.genCpu), process.execPath, gen,
    '--ifname', lab.srcDev, '--dst-mac', dstMac, '--dst-ip', lab.dstIp, '--traffic', traffic, '--n', String(n),
    '--seconds', String(args.seconds), '--cpu', String(args.genCpu)];
  // Paced runs keep the generator's program attached to the idle hold device, so its calls start at
  // once instead of waiting out an RCU grace period each (gen.ts).
  if (isLegit(traffic) && args.missPps > 0) argv.push('--pps', String(args.missPps), '--hold-dev', lab.holdDev);
  return new Promise((resolve, reject) => {
    const child = spawn('ip', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    genChild = child;
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      genChild = null;
      if (code !== 0) return reject(new Error(`generator failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as GenResult);
      } catch {
        reject(new Error(`generator printed no result: ${out.trim()} ${err.trim()}`));
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Context {
  lab: Lab;
  args: Args;
  dstMac: string;
  napiPid: number;
  runs: RunRecord[];
  inserts: InsertRecord[];
  programCosts: ProgramCostRecord[];
}

function repin(ctx: Context): void {
  ctx.napiPid = findNapiThread(ctx.lab.dstDev);
  pinThread(ctx.napiPid, ctx.args.rxCpu, NAPI_PRIO);
}

async function trafficRun(ctx: Context, recv: Receiver, n: number | null, traffic: Traffic, rep: number): Promise<RunRecord> {
  const d0 = await recv.drops(n ?? 0);
  const s0 = snapshot(ctx.lab, ctx.napiPid);
  const g = await runGenerator(ctx.lab, ctx.args, ctx.dstMac, traffic, n ?? 10);
  await sleep(50); // let NAPI empty the ring before reading
  const d = delta(s0, snapshot(ctx.lab, ctx.napiPid));
  const d1 = await recv.drops(n ?? 0);
  const rec: RunRecord = {
    receiver: recv.name, n, traffic, rep, sent: g.sent, genSeconds: g.seconds, genCpuSeconds: g.threadCpu,
    arrived: d.arrived, delivered: d.delivered, ringFull: d.ringFull, napiTicks: d.napiTicks, napiRunNs: d.napiRunNs,
    methodDrops: d0 !== null && d1 !== null ? d1 - d0 : null,
  };
  const ns = rec.arrived > 0 ? (rec.napiTicks * 1e9) / ticksPerSecond() / rec.arrived : NaN;
  log(`  ${recv.name.padEnd(9)} N=${fmtN(n).padEnd(5)} ${traffic.padEnd(7)} rep ${rep}: ` +
    `offered ${(g.sent / g.seconds / 1e6).toFixed(2)} Mpps (gen CPU ${Math.round((100 * g.threadCpu) / g.seconds)}%), ` +
    `arrived ${Math.round(rec.arrived / g.seconds / 1e3)} kpps, delivered ${Math.round(rec.delivered / g.seconds / 1e3)} kpps, ` +
    `rx CPU ${Math.round((100 * rec.napiTicks) / ticksPerSecond() / g.seconds)}%, ${Math.round(ns)} ns/pkt`);
  ctx.runs.push(rec);
  return rec;
}

/**
 * One more run of `traffic` with the kernel's run-time counting on (BPF_ENABLE_STATS, off again
 * right after; it adds tens of ns to every BPF program run, so these runs stay out of the table):
 * the filter program's own time per packet, free of the rest of the stack's run-to-run noise.
 */
async function programCostRun(ctx: Context, recv: Receiver, n: number, traffic: Traffic): Promise<ProgramCostRecord> {
  const nat = benchNative();
  const fd = nat.runTimeStatsOn();
  try {
    const s0 = recv.programRuns!();
    await runGenerator(ctx.lab, ctx.args, ctx.dstMac, traffic, n);
    await sleep(50);
    const s1 = recv.programRuns!();
    const runs = s1.runCount - s0.runCount;
    const nsPerRun = runs > 0 ? (s1.runTimeNs - s0.runTimeNs) / runs : NaN;
    log(`  ${recv.name} N=${fmtN(n)} ${traffic}: program ${nsPerRun.toFixed(0)} ns per run over ${runs} runs (run-time stats on)`);
    return { receiver: recv.name, n, traffic, runs, nsPerRun };
  } finally {
    nat.runTimeStatsOff(fd);
  }
}

async function measure(ctx: Context, recv: Receiver, n: number | null, baselines: Receiver[]): Promise<void> {
  const { args } = ctx;
  if (n === null) {
    log(`== ${recv.name}`);
    recv.resume?.();
    if (recv.touchesNapi) repin(ctx);
    for (let rep = 1; rep <= args.reps; rep++) await trafficRun(ctx, recv, null, 'miss', rep);
    await recv.clear();
    if (recv.touchesNapi) repin(ctx);
    return;
  }
  log(`== ${recv.name} N=${fmtN(n)}${baselines.length > 0 ? ` (with ${baselines.map((b) => b.name).join(' and ')} between its runs)` : ''}`);
  const loadMs = await recv.load(listAddresses(n));
  log(`  load ${fmtN(n)} entries: ${loadMs < 1000 ? `${loadMs.toFixed(1)} ms` : `${(loadMs / 1000).toFixed(2)} s`}`);
  if (recv.touchesNapi) repin(ctx);
  // A filter measured against baselines (the guard) also gets legitimate traffic from recurring
  // sources: what its filter costs when its lines for them stay in cache, not only when cold.
  const legit: Traffic[] = baselines.length > 0 ? ['miss', 'miss-1k'] : ['miss'];
  for (let rep = 1; rep <= args.reps; rep++) {
    if (baselines.length > 0 && recv.pause && recv.resume) {
      recv.pause();
      repin(ctx);
      for (const b of baselines) {
        b.resume?.();
        if (b.touchesNapi) repin(ctx);
        for (const t of legit) await trafficRun(ctx, b, n, t, rep);
        b.pause?.();
        if (b.touchesNapi) repin(ctx);
      }
      recv.resume();
      repin(ctx);
    }
    for (const traffic of ['hit', ...legit] as const) await trafficRun(ctx, recv, n, traffic, rep);
  }
  const addOneMs: number[] = [];
  for (let k = 0; k < ADD_ONE_REPS; k++) {
    const ms = await recv.addOne(freshAddress(n, k), n);
    if (ms !== null) addOneMs.push(ms);
  }
  if (recv.programRuns) for (const traffic of ['hit', 'miss'] as const) ctx.programCosts.push(await programCostRun(ctx, recv, n, traffic));
  if (addOneMs.length > 0) log(`  add one with ${fmtN(n)} present: ${addOneMs.map((x) => x.toFixed(2)).join(', ')} ms`);
  else log(`  add one with ${fmtN(n)} present: ${recv.skipAddOne ?? 'not timed'}`);
  ctx.inserts.push({ receiver: recv.name, n, loadMs, addOneMs });
  await recv.clear();
  if (recv.touchesNapi) repin(ctx);
}

function versions(): Record<string, string> {
  const v = (argv: string[]) => tryRun(argv).stdout.trim().split('\n')[0] ?? '';
  return {
    kernel: os.release(),
    cpu: os.cpus()[0]?.model ?? '',
    cpus: String(os.cpus().length),
    node: process.version,
    nft: v(['nft', '--version']),
    ipset: v(['ipset', '--version']),
    iptables: v(['iptables', '--version']),
  };
}

function writeDoc(section: string): void {
  const doc = path.join(packageRoot(), 'docs', 'benchmarks.md');
  const text = readFileSync(doc, 'utf8');
  const re = /<!-- bench:kernel:start -->[\s\S]*<!-- bench:kernel:end -->/;
  if (!re.test(text)) {
    log(`docs/benchmarks.md has no bench:kernel markers: not updated`);
    return;
  }
  writeFileSync(doc, text.replace(re, () => `<!-- bench:kernel:start -->\n${section}\n<!-- bench:kernel:end -->`));
  log('docs/benchmarks.md updated (bench:kernel section)');
}

async function inside(args: Args): Promise<void> {
  const id = Number(process.env.PAL_KBENCH_ID);
  if (!Number.isInteger(id) || id <= 0) fail('--inside is for the benchmark itself; run it without --inside');
  const lab = labFor(id);
  if (!inNamespace(lab.dstNs)) fail(`--inside must run in ${lab.dstNs} (refusing to touch this namespace's firewall)`);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      genChild?.kill('SIGTERM');
      process.exit(130);
    });
  }

  configureReceiver(lab);
  const ctx: Context = { lab, args, dstMac: deviceMac(lab.dstDev), napiPid: 0, runs: [], inserts: [], programCosts: [] };
  repin(ctx);
  const startedAt = new Date();
  // On the receive CPU, before any traffic: what one read of a structure of each size costs here.
  const memory = JSON.parse(run(['taskset', '-c', String(args.rxCpu), process.execPath, path.join(path.dirname(fileURLToPath(import.meta.url)), 'memory-latency.js'), '--json'])) as LatencyPoint[];
  log(`memory latency (random reads, idle, CPU ${args.rxCpu}): ${describeLatency(memory)}`);
  const load0 = os.loadavg();
  log(`kernel ${os.release()}, ${os.cpus().length} CPUs, load ${load0.map((x) => x.toFixed(2)).join(' ')}; ` +
    `${args.seconds} s x ${args.reps} per case; NAPI kthread ${ctx.napiPid} on CPU ${args.rxCpu} (SCHED_FIFO ${NAPI_PRIO}), generator on CPU ${args.genCpu}`);

  const make: Record<ReceiverName, () => Receiver> = {
    none: () => new NoFilter(),
    'xdp-guard': () => new XdpGuardReceiver(lab.dstDev, args.filterBits),
    nftables: () => new NftablesReceiver(),
    ipset: () => new IpsetReceiver(),
    iptables: () => new PerAddressIptables(),
    'nft-interval': () => new NftIntervalReceiver(lab.dstDev),
    'xdp-pass': () => new XdpPass(lab.dstDev),
  };
  // The baselines (no filter, XDP_PASS) run between the XDP guard's runs at each N when asked for
  // with it (the guard's overhead on legitimate traffic is the smallest difference measured here).
  const guard = args.receivers.includes('xdp-guard');
  const isBaseline = (r: ReceiverName) => r === 'none' || r === 'xdp-pass';
  const how: Record<string, Receiver['how']> = {};
  for (const name of args.receivers) {
    if (isBaseline(name) && guard) continue;
    const recv = make[name]();
    how[name] = recv.how;
    try {
      if (isBaseline(name)) await measure(ctx, recv, null, []);
      else {
        for (const n of name === 'iptables' ? args.iptablesNs : args.ns) {
          const baselines = name === 'xdp-guard' ? args.receivers.filter(isBaseline).map((b) => make[b]()) : [];
          await measure(ctx, recv, n, baselines);
        }
      }
    } finally {
      await recv.clear();
    }
  }

  let ttb: TimeToBlockResult | null = null;
  if (args.ttb > 0) {
    repin(ctx);
    ttb = await daemonTimeToBlock({ lab, dstMac: ctx.dstMac, trials: args.ttb, genCpu: args.genCpu, log });
    log(`time-to-block: p50 ${ttb.p50Ms.toFixed(1)} ms, p99 ${ttb.p99Ms.toFixed(1)} ms over ${ttb.samplesMs.length} floods (${ttb.timeouts} not blocked in time)`);
  }
  const summary = summarize(ctx.runs, ctx.inserts, ticksPerSecond(), ttb);
  const load1 = os.loadavg();
  const ver = versions();
  const plain = process.argv.slice(2).every((a) => a === '--inside');
  const command = `node dist/bench/kernel/run.js ${process.argv.slice(2).filter((a) => a !== '--inside').join(' ')}`.trim();
  const genShare = ctx.runs.map((r) => r.genCpuSeconds / r.genSeconds).sort((a, b) => a - b)[Math.floor(ctx.runs.length / 2)] ?? 0;
  const genPerCpu = ctx.runs.map((r) => (r.genCpuSeconds > 0 ? r.sent / r.genCpuSeconds : 0)).sort((a, b) => a - b)[Math.floor(ctx.runs.length / 2)] ?? 0;
  const header =
    `Measured ${startedAt.toISOString().slice(0, 10)} with \`${plain ? `make bench-kernel${args.quick ? ' QUICK=1' : ''}` : command}\` ` +
    `(${args.seconds} s per run, median of ${args.reps}).\n\n` +
    `Machine: ${ver.cpu}, ${ver.cpus} CPUs, Linux ${ver.kernel}, ${ver.nft}, ${ver.ipset}, ${ver.iptables}. ` +
    `Load average ${load0.map((x) => x.toFixed(2)).join(' ')} at the start, ${load1.map((x) => x.toFixed(2)).join(' ')} at the end (the VM is shared). ` +
    `Generator: median ${(genPerCpu / 1e6).toFixed(1)} M packets per CPU-second of its thread, busy a median ${Math.round(genShare * 100)}% of each run ` +
    `(the rest mostly asleep in the kernel's synchronize_rcu, twice per BPF_PROG_TEST_RUN call, and waiting for CPU ${args.genCpu}). ` +
    `Memory latency on the receive CPU (one dependent read to a random line of a buffer of each size, idle, \`bench/kernel/memory-latency.ts\`): ${describeLatency(memory)}.` +
    (args.filterBits === BLOOM_BITS_PER_ADDR ? '' : ` XDP guard filter: ${args.filterBits} bits per blocked address (the daemon uses ${BLOOM_BITS_PER_ADDR}).`);
  const section = [
    header,
    '',
    markdownTable(summary.rows),
    '',
    'Ratios (receive-core ns per packet):',
    '',
    markdownRatios(summary),
    '',
    "The XDP guard program's own time per packet (one extra run each, with the kernel's run-time stats on; an upper bound: counting adds tens of ns):",
    '',
    markdownProgramCosts(ctx.programCosts, summary),
    '',
    'Goals (issue 4):',
    '',
    markdownVerdicts(summary),
  ].join('\n');
  process.stdout.write(`\n${section}\n`);

  const outDir = path.join(packageRoot(), 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `kernel-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ startedAt, command, args, machine: ver, memoryLatency: memory, loadavg: { start: load0, end: load1 }, clkTck: ticksPerSecond(), how, runs: ctx.runs, inserts: ctx.inserts, programCosts: ctx.programCosts, timeToBlock: ttb, summary }, null, 2) + '\n');
  log(`results: ${path.relative(packageRoot(), file)}`);
  if (args.doc) writeDoc(section);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.inside) return outside(args);
  try {
    await inside(args);
  } catch (err) {
    genChild?.kill('SIGTERM');
    fail((err as Error).message);
  }
}

void main();
