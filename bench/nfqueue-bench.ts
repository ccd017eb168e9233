// NFQUEUE inline speed: packets/s through Palisade's inline path (queue -> addon -> decode ->
// detect -> verdict) and the latency it adds to a UDP request/response.
//
//   node dist/bench/nfqueue-bench.js [--seconds 5] [--senders 2] [--size 64] [--rtt 3000] [--reps 3]
//                                    [--drain 50000]
//
// As root. The bench makes two namespaces joined by a veth pair (a generator and a victim), adds the
// queue rule in the victim where `palisade nfqueue enable` puts it (nftables at filter - 5, else the
// iptables mangle INPUT chain), narrowed to the bench's UDP ports, plus a later filter rule that drops those packets once accepted so the victim's
// stack does not answer them), and re-runs itself in the roles it needs: the inline worker in the
// victim (NfqueueSource + LivePacketPipeline with the default config, i.e. every packet decoded and
// run through all detectors and signatures), UDP senders in the generator, a UDP echo server and an
// RTT client. Everything is deleted afterwards; the host's firewall is never touched.
//
// Figures:
// - inline packets/s: packets that got a verdict per second of load (what the generator managed
//   to offer, minus what the queue lost);
// - CPU ns/packet of the Palisade process (user + system: the system part includes the kernel's
//   reinjection of accepted packets, which runs in the verdict call), and the packets/s one core
//   would sustain at that cost (1e9 / ns). The kernel's enqueue runs in the sender's softirq, not
//   in Palisade: the generator's CPU pays it.
// - RTT p50/p99 of a UDP request/response, one at a time, with and without the queue.
// Generator: Node UDP senders (one sendmsg per datagram), pinned to CPU 1, the worker to CPU 0. On a
// 2-CPU VM the offered load is bounded by the senders; the CPU cost per packet is the figure that
// does not depend on them.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const SELF = fileURLToPath(import.meta.url);
const FLOOD_PORT = 9;
const ECHO_PORT = 7;
const QUEUE = 11;
const GEN_ADDR = '10.233.0.2';
const VIC_ADDR = '10.233.0.1';

interface Args {
  seconds: number;
  senders: number;
  size: number;
  rtt: number;
  reps: number;
  drain: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { seconds: 5, senders: 2, size: 64, rtt: 3000, reps: 3, drain: 50_000 };
  for (let i = 0; i < argv.length; i++) {
    const v = () => Number(argv[++i]);
    switch (argv[i]) {
      case '--seconds': a.seconds = v(); break;
      case '--senders': a.senders = v(); break;
      case '--size': a.size = v(); break;
      case '--rtt': a.rtt = v(); break;
      case '--reps': a.reps = v(); break;
      case '--drain': a.drain = v(); break;
      default: throw new Error(`nfqueue-bench: unknown argument ${argv[i]}`);
    }
  }
  return a;
}

// ---------------------------------------------------------------- roles run inside namespaces

/**
 * Inline worker: binds the queue and answers on stdin: "stats" -> one JSON line of counters;
 * "arm" -> "armed", then counts packets from the next one on; "report" -> one JSON line: packets
 * since "arm", seconds from the first of them to the end of the last wake-up that handled any, and
 * the CPU time used meanwhile.
 */
async function worker(queue: number): Promise<void> {
  const { NfqueueSource } = await import('../src/sources/nfqueue/nfqueue-source.js');
  const { LivePacketPipeline } = await import('../src/pipeline/live-packets.js');
  const { loadConfig } = await import('../src/config/load.js');
  let alerts = 0;
  const pipeline = new LivePacketPipeline(loadConfig({}), () => void alerts++);
  let armed = false;
  let seen = 0;
  let t0 = 0n;
  let tLast = 0n;
  let cpu0 = 0;
  let cpuLast = 0;
  let scheduled = false;
  const cpuNow = (): number => {
    const c = process.cpuUsage();
    return c.user + c.system;
  };
  const mark = (): void => {
    tLast = process.hrtime.bigint();
    cpuLast = cpuNow();
    scheduled = false;
  };
  const handle = pipeline.handle;
  const counted = (view: Parameters<typeof handle>[0]): boolean => {
    if (armed) {
      if (seen++ === 0) {
        t0 = process.hrtime.bigint();
        cpu0 = cpuNow();
      }
      // After the poll phase, i.e. after this wake-up's batches and their verdicts.
      if (!scheduled) {
        scheduled = true;
        setImmediate(mark);
      }
    }
    return handle(view);
  };
  // A deep queue and socket buffer: the drain measurement parks tens of thousands of packets.
  const source = new NfqueueSource({ queue, failOpen: true, copyRange: 4096, maxLen: 200_000, maxBatch: 1024, rcvbuf: 1 << 30 });
  source.start(counted);
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (l) => {
    if (l === 'stats') {
      const s = source.stats()!;
      const cpu = process.cpuUsage();
      process.stdout.write(JSON.stringify({ packets: s.packets, lost: s.lost, enobufs: s.enobufs, batches: s.batches, dropped: s.dropped, alerts, cpu_us: cpu.user + cpu.system, user_us: cpu.user }) + '\n');
    } else if (l === 'arm') {
      armed = true;
      seen = 0;
      process.stdout.write('armed\n');
    } else if (l === 'report') {
      armed = false;
      process.stdout.write(JSON.stringify({ n: seen, seconds: Number(tLast - t0) / 1e9, cpu_us: cpuLast - cpu0 }) + '\n');
    } else if (l === 'quit') {
      void source.stop().then(() => process.exit(0));
    }
  });
}

/**
 * UDP sender: datagrams of `size` bytes to host:port for `seconds`, or (count > 0) exactly `count`
 * of them in small bursts; prints how many it sent.
 */
function sender(host: string, port: number, seconds: number, size: number, count = 0): void {
  const sock = dgram.createSocket('udp4');
  const payload = Buffer.alloc(size, 0x61);
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  // Bursts small enough for the receive backlog (net.core.netdev_max_backlog) when counting.
  const burstLen = count > 0 ? 64 : 256;
  sock.connect(port, host, () => {
    const burst = (): void => {
      const n = count > 0 ? Math.min(burstLen, count - sent) : burstLen;
      for (let i = 0; i < n; i++) sock.send(payload);
      sent += n;
      const more = count > 0 ? sent < count : Date.now() < end;
      if (more) setImmediate(burst);
      else sock.close(() => process.stdout.write(JSON.stringify({ sent }) + '\n'));
    };
    burst();
  });
}

function echo(port: number): void {
  const sock = dgram.createSocket('udp4');
  sock.on('message', (m, r) => sock.send(m, r.port, r.address));
  sock.bind(port, () => process.stdout.write('ready\n'));
}

/** Sequential UDP ping-pong: prints the RTTs in microseconds. */
function rttClient(host: string, port: number, n: number): void {
  const sock = dgram.createSocket('udp4');
  const rtts: number[] = [];
  let t0 = 0n;
  let timer: NodeJS.Timeout | null = null;
  const one = (): void => {
    if (rtts.length >= n) {
      sock.close();
      process.stdout.write(JSON.stringify({ rtts }) + '\n');
      return;
    }
    t0 = process.hrtime.bigint();
    sock.send(Buffer.from('ping'), port, host);
    timer = setTimeout(one, 1000); // a lost reply: try again
  };
  sock.on('message', () => {
    if (timer) clearTimeout(timer);
    rtts.push(Number(process.hrtime.bigint() - t0) / 1000);
    setImmediate(one);
  });
  sock.bind(0, one);
}

// ---------------------------------------------------------------- the orchestrating parent

function sh(argv: string[], input?: string): string {
  const r = spawnSync(argv[0], argv.slice(1), { input: input ?? '', encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

function inNs(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

function role(ns: string, cpu: string, args: string[]): ChildProcess {
  const argv = inNs(ns, ['taskset', '-c', cpu, process.execPath, SELF, ...args]);
  return spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
}

function lines(child: ChildProcess): AsyncIterableIterator<string> {
  return createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
}

async function nextLine(it: AsyncIterableIterator<string>, what: string): Promise<string> {
  const r = await it.next();
  if (r.done) throw new Error(`nfqueue-bench: ${what} ended early`);
  return r.value;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function rttRun(gen: string, n: number): Promise<{ p50: number; p99: number }> {
  const c = role(gen, '1', ['--role', 'rtt', VIC_ADDR, String(ECHO_PORT), String(n)]);
  const { rtts } = JSON.parse(await nextLine(lines(c), 'rtt client')) as { rtts: number[] };
  rtts.sort((a, b) => a - b);
  return { p50: pct(rtts, 50), p99: pct(rtts, 99) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--role') {
    const [, r, ...rest] = argv;
    if (r === 'worker') return worker(Number(rest[0]));
    if (r === 'send') return sender(rest[0], Number(rest[1]), Number(rest[2]), Number(rest[3]), Number(rest[4] ?? 0));
    if (r === 'echo') return echo(Number(rest[0]));
    if (r === 'rtt') return rttClient(rest[0], Number(rest[1]), Number(rest[2]));
    throw new Error(`unknown role ${r}`);
  }
  const a = parseArgs(argv);
  if (process.getuid?.() !== 0) throw new Error('nfqueue-bench needs root (namespaces, NFQUEUE)');
  const { requireNative } = await import('../src/kernel/native.js');
  requireNative();

  const tag = `pal-nfqb-${process.pid}`;
  const gen = `${tag}-g`;
  const vic = `${tag}-v`;
  const kids: ChildProcess[] = [];
  const cleanup = (): void => {
    for (const k of kids) if (k.exitCode === null) k.kill('SIGKILL');
    spawnSync('ip', ['netns', 'del', gen]);
    spawnSync('ip', ['netns', 'del', vic]);
  };
  process.on('exit', cleanup);
  try {
    for (const ns of [gen, vic]) {
      sh(['ip', 'netns', 'add', ns]);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    sh(['ip', '-n', vic, 'link', 'add', 'nfqb0', 'type', 'veth', 'peer', 'name', 'nfqb1', 'netns', gen]);
    sh(['ip', '-n', vic, 'addr', 'add', `${VIC_ADDR}/24`, 'dev', 'nfqb0']);
    sh(['ip', '-n', gen, 'addr', 'add', `${GEN_ADDR}/24`, 'dev', 'nfqb1']);
    sh(['ip', '-n', vic, 'link', 'set', 'nfqb0', 'up']);
    sh(['ip', '-n', gen, 'link', 'set', 'nfqb1', 'up']);

    // Queue rule for the bench's UDP ports only (so nothing else on the link pays for it): the same
    // mangle/nft placement as `palisade nfqueue enable`, narrowed by port.
    const nftTable = `table inet palisade_nfqb {\n chain input { type filter hook input priority filter - 5; udp dport { ${FLOOD_PORT}, ${ECHO_PORT} } queue num ${QUEUE} bypass }\n}\n`;
    const nftQueue = spawnSync('ip', inNs(vic, ['nft', '-c', '-f', '-']).slice(1), { input: nftTable }).status === 0;
    const queueOn = (): void => {
      if (nftQueue) {
        sh(inNs(vic, ['nft', '-f', '-']), nftTable);
      } else {
        for (const port of [FLOOD_PORT, ECHO_PORT]) sh(inNs(vic, ['iptables', '-w', '-t', 'mangle', '-A', 'INPUT', '-p', 'udp', '--dport', String(port), '-j', 'NFQUEUE', '--queue-num', String(QUEUE), '--queue-bypass']));
      }
    };
    const queueOff = (): void => {
      if (nftQueue) sh(inNs(vic, ['nft', 'delete', 'table', 'inet', 'palisade_nfqb']));
      else sh(inNs(vic, ['iptables', '-w', '-t', 'mangle', '-F', 'INPUT']));
    };
    // Accepted flood packets end here instead of costing a port-unreachable each.
    sh(inNs(vic, ['iptables', '-w', '-t', 'filter', '-A', 'INPUT', '-p', 'udp', '--dport', String(FLOOD_PORT), '-j', 'DROP']));

    const echoSrv = role(vic, '1', ['--role', 'echo', String(ECHO_PORT)]);
    kids.push(echoSrv);
    await nextLine(lines(echoSrv), 'echo server');

    // ---- latency without the queue
    const base = await rttRun(gen, a.rtt);

    // ---- with the queue and the inline worker
    queueOn();
    const w = role(vic, '0', ['--role', 'worker', String(QUEUE)]);
    kids.push(w);
    const wl = lines(w);
    if ((await nextLine(wl, 'worker')) !== 'ready') throw new Error('worker did not start');
    const stats = async () => {
      w.stdin!.write('stats\n');
      return JSON.parse(await nextLine(wl, 'worker stats')) as { packets: number; lost: number; enobufs: number; batches: number; cpu_us: number; user_us: number; alerts: number };
    };
    const inline = await rttRun(gen, a.rtt);

    const runs: { pps: number; offered: number; nsPerPkt: number; userNs: number; lost: number; perBatch: number }[] = [];
    for (let rep = 0; rep < a.reps; rep++) {
      const s0 = await stats();
      const t0 = process.hrtime.bigint();
      const senders = Array.from({ length: a.senders }, () => role(gen, '1', ['--role', 'send', VIC_ADDR, String(FLOOD_PORT), String(a.seconds), String(a.size)]));
      kids.push(...senders);
      const sent = (await Promise.all(senders.map(async (s) => (JSON.parse(await nextLine(lines(s), 'sender')) as { sent: number }).sent))).reduce((x, y) => x + y, 0);
      await new Promise((r) => setTimeout(r, 300)); // let the queue drain
      const s1 = await stats();
      const secs = Number(process.hrtime.bigint() - t0) / 1e9 - 0.3;
      const pk = s1.packets - s0.packets;
      runs.push({
        pps: pk / secs,
        offered: sent / secs,
        nsPerPkt: ((s1.cpu_us - s0.cpu_us) * 1000) / pk,
        userNs: ((s1.user_us - s0.user_us) * 1000) / pk,
        lost: s1.lost - s0.lost,
        perBatch: pk / Math.max(1, s1.batches - s0.batches),
      });
    }

    // ---- saturation: park packets in the queue while the worker is stopped, then time the drain
    // (full batches, no generator on the clock: what one Palisade process sustains when busy).
    const procFile = `/proc/${w.pid}/net/netfilter/nfnetlink_queue`;
    const waiting = (): number => {
      for (const l of readFileSync(procFile, 'utf8').split('\n')) {
        const f = l.trim().split(/\s+/).map(Number);
        if (f[0] === QUEUE) return f[2];
      }
      return 0;
    };
    const drains: { n: number; pps: number; nsPerPkt: number; lost: number }[] = [];
    for (let rep = 0; rep < a.reps; rep++) {
      const s0 = await stats();
      w.stdin!.write('arm\n');
      if ((await nextLine(wl, 'worker arm')) !== 'armed') throw new Error('worker did not arm');
      process.kill(w.pid!, 'SIGSTOP');
      const per = Math.ceil(a.drain / a.senders);
      const senders = Array.from({ length: a.senders }, () => role(gen, '1', ['--role', 'send', VIC_ADDR, String(FLOOD_PORT), '0', String(a.size), String(per)]));
      kids.push(...senders);
      await Promise.all(senders.map((s) => nextLine(lines(s), 'sender')));
      let last = -1;
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const now = waiting();
        if (now === last) break;
        last = now;
      }
      process.kill(w.pid!, 'SIGCONT');
      const deadline = Date.now() + 120_000;
      while (waiting() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 200));
      w.stdin!.write('report\n');
      const rep1 = JSON.parse(await nextLine(wl, 'worker report')) as { n: number; seconds: number; cpu_us: number };
      const s1 = await stats();
      drains.push({ n: rep1.n, pps: rep1.n / rep1.seconds, nsPerPkt: (rep1.cpu_us * 1000) / rep1.n, lost: s1.lost - s0.lost });
    }

    w.stdin!.write('quit\n');
    queueOff();

    const cpuModel = (/model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8')) ?? [])[1] ?? 'unknown CPU';
    console.log(`NFQUEUE inline bench (${cpuModel}; ${a.senders} Node UDP senders of ${a.size}-byte payloads on CPU 1, Palisade on CPU 0; ${nftQueue ? 'nftables queue' : 'iptables NFQUEUE target (kernel without nft queue)'}; ${a.reps} x ${a.seconds} s)`);
    for (const [i, r] of runs.entries()) {
      console.log(`  run ${i + 1}: offered ${fmt(r.offered)} pkt/s, inline ${fmt(r.pps)} pkt/s, lost ${fmt(r.lost)}, Palisade CPU ${fmt(r.nsPerPkt)} ns/pkt (user ${fmt(r.userNs)}), ${r.perBatch.toFixed(1)} pkt/batch`);
    }
    for (const [i, d] of drains.entries()) {
      console.log(`  saturated ${i + 1}: ${fmt(d.n)} queued packets drained at ${fmt(d.pps)} pkt/s, Palisade CPU ${fmt(d.nsPerPkt)} ns/pkt, lost ${fmt(d.lost)}`);
    }
    if (drains.length > 0) console.log(`  median saturated: ${fmt(median(drains.map((d) => d.pps)))} pkt/s through one Palisade process (goal >= 300,000)`);
    const ns = median(runs.map((r) => r.nsPerPkt));
    console.log(`  median: inline ${fmt(median(runs.map((r) => r.pps)))} pkt/s measured; Palisade CPU ${fmt(ns)} ns/pkt -> ${fmt(1e9 / ns)} pkt/s per core at that cost`);
    console.log(`  UDP request/response RTT (${a.rtt} sequential): without queue p50 ${base.p50.toFixed(0)} us, p99 ${base.p99.toFixed(0)} us; inline p50 ${inline.p50.toFixed(0)} us, p99 ${inline.p99.toFixed(0)} us; added p50 ${(inline.p50 - base.p50).toFixed(0)} us, p99 ${(inline.p99 - base.p99).toFixed(0)} us`);
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`nfqueue-bench: ${(err as Error).message}\n`);
  process.exit(1);
});
