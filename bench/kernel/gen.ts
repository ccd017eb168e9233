// The kernel benchmark's traffic generator, run by run.ts in the sender namespace:
//
//   ip netns exec SRC taskset -c 1 node dist/bench/kernel/gen.js --ifname DEV --dst-mac MAC
//       --dst-ip A.B.C.D (--traffic hit|miss|miss-1k --n N | --source A.B.C.D [--proto udp|syn])
//       --seconds S [--pps RATE] [--hold-dev DUMMY] [--cpu 1] [--batch 64] [--announce]
//
// Loads build/bpf/bench_gen.bpf.o, fills its source table with the traffic sources of
// addresses.ts (or the one --source) and runs it through BPF_PROG_TEST_RUN in live-frames mode
// for S seconds (as fast as it can, or paced to --pps): every repetition sends one 60-byte frame (UDP to port 9, or with --source a TCP
// SYN to port 80, a new source port each time) from the next source into DEV's veth peer. Prints one JSON line at the end:
// frames sent, seconds, and the CPU time the sending thread used; with --announce also one line
// {"started": "<CLOCK_MONOTONIC ns>"} just before the first frame (time-to-block.ts).
//
// Each BPF_PROG_TEST_RUN call of an XDP program adds it to the kernel's XDP dispatcher and
// removes it afterwards, and each change waits for an RCU grace period (synchronize_rcu, 10-30 ms
// on this VM): the generator sleeps about 20 ms per call, which is why it uses only part of its
// CPU. --hold-dev attaches the program (generic mode) to a device that never receives anything
// (a veth left down), so it stays in the dispatcher and calls start sending at once: needed for paced
// floods (--pps) and a precise start time; the throughput runs use few long calls instead.

import { readFileSync } from 'node:fs';
import { bpfObjectPath } from '../../src/kernel/paths.js';
import { trafficSources, TRAFFICS, type Traffic } from './addresses.js';
import { benchNative, type BenchNative } from './addon.js';

export interface GenResult {
  sent: number;
  seconds: number;
  /** CPU seconds of the sending thread (the syscall does all the work there). */
  threadCpu: number;
  sources: number;
}

interface GenArgs {
  ifname: string;
  dstMac: string;
  dstIp: string;
  traffic: Traffic;
  n: number;
  /** One fixed source instead of a list (time-to-block floods), host byte order. */
  source: number | null;
  proto: 'udp' | 'syn';
  seconds: number;
  /** Paced to this many frames per second (a flood a daemon can still answer); null = flat out. */
  pps: number | null;
  holdDev: string | null;
  cpu: number | null;
  batch: number;
  announce: boolean;
}

const FRAME_LEN = 60;
const MIN_CHUNK = 1 << 12;
const MAX_CHUNK = 1 << 24;

function parseArgs(argv: string[]): GenArgs {
  const a: Partial<GenArgs> = { cpu: null, batch: 64, source: null, proto: 'udp', announce: false, pps: null, holdDev: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--announce') {
      a.announce = true;
      continue;
    }
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`gen: ${argv[i]} needs a value`);
    switch (argv[i]) {
      case '--ifname': a.ifname = v; break;
      case '--dst-mac': a.dstMac = v; break;
      case '--dst-ip': a.dstIp = v; break;
      case '--traffic':
        if (!TRAFFICS.includes(v as Traffic)) throw new Error(`gen: --traffic is one of ${TRAFFICS.join(', ')}`);
        a.traffic = v as Traffic;
        break;
      case '--n': a.n = Number(v); break;
      case '--source': a.source = ipv4Bytes(v).readUInt32BE(0); a.traffic = 'hit'; a.n = 1; break;
      case '--proto':
        if (v !== 'udp' && v !== 'syn') throw new Error('gen: --proto is udp or syn');
        a.proto = v;
        break;
      case '--seconds': a.seconds = Number(v); break;
      case '--pps': a.pps = Number(v); break;
      case '--hold-dev': a.holdDev = v; break;
      case '--cpu': a.cpu = Number(v); break;
      case '--batch': a.batch = Number(v); break;
      default: throw new Error(`gen: unknown argument ${argv[i]}`);
    }
    i++;
  }
  for (const k of ['ifname', 'dstMac', 'dstIp', 'traffic', 'n', 'seconds'] as const) {
    if (a[k] === undefined) throw new Error(`gen: --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is required`);
  }
  for (const dev of [a.ifname!, a.holdDev ?? 'lo']) if (!/^[A-Za-z0-9_.-]{1,15}$/.test(dev)) throw new Error(`gen: bad interface name ${dev}`);
  if (!Number.isInteger(a.n) || a.n! < 1) throw new Error('gen: --n must be a positive integer');
  if (!(a.seconds! > 0)) throw new Error('gen: --seconds must be positive');
  if (a.pps !== null && !(Number.isInteger(a.pps) && a.pps! >= 1000)) throw new Error('gen: --pps must be an integer of at least 1000');
  if (!Number.isInteger(a.batch) || a.batch! < 1 || a.batch! > 256) throw new Error('gen: --batch must be 1..256');
  // A list of sources only gets its IPv4 checksum fixed per frame, so TCP needs the one --source.
  if (a.proto === 'syn' && a.source === null) throw new Error('gen: --proto syn needs --source');
  return a as GenArgs;
}

function macBytes(text: string, what: string): Buffer {
  const m = /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(text.trim());
  if (!m) throw new Error(`gen: ${what} is not a MAC address: ${text}`);
  return Buffer.from(m.slice(1).map((h) => parseInt(h, 16)));
}

function ipv4Bytes(text: string): Buffer {
  const parts = text.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`gen: bad IPv4 address ${text}`);
  return Buffer.from(parts);
}

function checksum(buf: Buffer, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += buf.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * A 60-byte frame: Ethernet + IPv4 + UDP 1024 -> 9 (discard) with 18 zero bytes, or TCP SYN
 * 1024 -> 80 padded to the Ethernet minimum. The IPv4 source and checksum are written by
 * bench_gen per frame; the TCP checksum (which covers the source) is right for `source` only.
 */
function frameFor(proto: 'udp' | 'syn', dstMac: Buffer, srcMac: Buffer, dstIp: Buffer, source: number | null): Buffer {
  const f = Buffer.alloc(FRAME_LEN);
  dstMac.copy(f, 0);
  srcMac.copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  const ip = 14;
  const l4 = ip + 20;
  const l4len = proto === 'udp' ? FRAME_LEN - l4 : 20;
  f[ip] = 0x45; // version 4, 20-byte header: bench_gen refuses anything else
  f.writeUInt16BE(20 + l4len, ip + 2);
  f[ip + 8] = 64; // TTL
  f[ip + 9] = proto === 'udp' ? 17 : 6;
  if (source !== null) f.writeUInt32BE(source, ip + 12);
  dstIp.copy(f, ip + 16);
  f.writeUInt16BE(1024, l4);
  if (proto === 'udp') {
    f.writeUInt16BE(9, l4 + 2);
    f.writeUInt16BE(l4len, l4 + 4); // checksum 0: none, allowed for UDP over IPv4
    return f;
  }
  f.writeUInt16BE(80, l4 + 2);
  f.writeUInt32BE(0x5041_4c31, l4 + 4); // sequence number
  f[l4 + 12] = 5 << 4; // data offset: 20 bytes
  f[l4 + 13] = 0x02; // SYN
  f.writeUInt16BE(64240, l4 + 14); // window
  // Pseudo-header: source, destination, protocol, TCP length.
  const pseudo = f.readUInt16BE(ip + 12) + f.readUInt16BE(ip + 14) + f.readUInt16BE(ip + 16) + f.readUInt16BE(ip + 18) + 6 + l4len;
  f.writeUInt16BE(checksum(f, l4, l4 + l4len, pseudo), l4 + 16);
  return f;
}

function fillSources(nat: BenchNative, fd: number, sources: Uint32Array): void {
  const keys = Buffer.alloc(4 * sources.length);
  const values = Buffer.alloc(4 * sources.length);
  for (let i = 0; i < sources.length; i++) {
    keys.writeUInt32LE(i, 4 * i);
    values.writeUInt32BE(sources[i], 4 * i); // network byte order, as it goes into the header
  }
  const written = nat.mapUpdateBatch(fd, keys, values, sources.length);
  if (written !== sources.length) throw new Error(`gen: wrote ${written} of ${sources.length} sources into gen_src`);
}

/** Sends for args.seconds: flat out, or paced to args.pps. */
function sendLoop(nat: BenchNative, prog: number, frame: Buffer, ifindex: number, args: GenArgs): Omit<GenResult, 'sources'> {
  // Flat out: calls of a few tens of ms, short enough to stop on time, long enough that the
  // syscall's set-up is negligible. Paced: 1 ms worth of frames per call, then sleep until due.
  const paced = args.pps !== null;
  let chunk = paced ? Math.max(1, Math.round(args.pps! / 1000)) : MIN_CHUNK;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let sent = 0;
  const cpu0 = nat.threadCpuTime();
  const t0 = process.hrtime.bigint();
  if (args.announce) process.stdout.write(JSON.stringify({ started: String(t0) }) + '\n');
  let elapsed = 0;
  do {
    const c0 = process.hrtime.bigint();
    sent += nat.progTestRunLive(prog, frame, ifindex, chunk, args.batch);
    const now = process.hrtime.bigint();
    elapsed = Number(now - t0) / 1e9;
    if (paced) {
      const ahead = sent / args.pps! - elapsed;
      if (ahead > 0) Atomics.wait(nap, 0, 0, ahead * 1000);
      continue;
    }
    const callS = Number(now - c0) / 1e9;
    const left = args.seconds - elapsed;
    if (callS < 0.02 && chunk < MAX_CHUNK && callS * 4 < left) chunk *= 2;
    else if ((callS > 0.08 || callS * 2 > left) && chunk > MIN_CHUNK) chunk /= 2;
  } while (elapsed < args.seconds);
  return { sent, seconds: Number(process.hrtime.bigint() - t0) / 1e9, threadCpu: nat.threadCpuTime() - cpu0 };
}

function generate(args: GenArgs): GenResult {
  const nat = benchNative();
  if (args.cpu !== null) nat.setAffinity(args.cpu);
  const sys = (dev: string, f: string) => readFileSync(`/sys/class/net/${dev}/${f}`, 'utf8').trim();
  const ifindex = Number(sys(args.ifname, 'ifindex'));
  const frame = frameFor(args.proto, macBytes(args.dstMac, '--dst-mac'), macBytes(sys(args.ifname, 'address'), `${args.ifname}'s address`), ipv4Bytes(args.dstIp), args.source);
  const sources = args.source !== null ? Uint32Array.of(args.source) : trafficSources(args.traffic, args.n);

  const obj = nat.bpfLoad(bpfObjectPath('bench_gen'), {});
  let holdIndex = 0;
  try {
    const cfg = Buffer.alloc(8);
    cfg.writeUInt32LE(ifindex, 0);
    cfg.writeUInt32LE(sources.length, 4);
    nat.mapUpdate(nat.bpfMapFd(obj, 'gen_cfg'), Buffer.alloc(4), cfg, 0);
    fillSources(nat, nat.bpfMapFd(obj, 'gen_src'), sources);
    const prog = nat.bpfProgFd(obj, 'bench_gen');
    if (args.holdDev !== null) {
      holdIndex = Number(sys(args.holdDev, 'ifindex'));
      nat.xdpAttach(prog, holdIndex, 'generic');
    }
    return { ...sendLoop(nat, prog, frame, ifindex, args), sources: sources.length };
  } finally {
    if (holdIndex > 0) nat.xdpDetach(holdIndex, 'generic');
    nat.bpfClose(obj);
  }
}

function main(): void {
  try {
    const r = generate(parseArgs(process.argv.slice(2)));
    process.stdout.write(JSON.stringify(r) + '\n');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}

main();
