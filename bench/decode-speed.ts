// Reader + decoder speed: reads capture files again and again (the OS caches them, so this
// measures our code, not the disk) and prints packets per second for reading alone and for reading
// plus decodeFrame. Budget: about 150 ns per packet for both, so that `palisade analyze` reaches
// 2 million packets/s with detection included.
//
//   node dist/bench/decode-speed.js [--seconds N] [FILE...]
//   (default: the largest captures of the public corpus)

import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import { openCapture } from '../src/sources/pcap-file/index.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CORPUS = process.env.PALISADE_CORPUS ? path.resolve(process.env.PALISADE_CORPUS) : path.resolve(REPO_ROOT, '../shared/corpus');
const DEFAULT_FILES = [
  'flood__stopddos__synflood_spoofed.pcap',
  'flood__cce15__icmp_flood.pcap',
  'ssh__traceshare__hydra-4_tasks.pcapng',
].map((f) => path.join(CORPUS, 'pcaps', f));

interface Result {
  packets: number;
  bytes: number;
  seconds: number;
  /** Keeps the work observable so nothing is optimised away. */
  check: number;
}

function readOnly(file: string, view: PacketView): Result {
  const t0 = performance.now();
  const src = openCapture(file);
  let packets = 0;
  let check = 0;
  while (src.next(view)) {
    packets++;
    check += view.caplen;
  }
  const bytes = src.bytesRead;
  src.close();
  return { packets, bytes, seconds: (performance.now() - t0) / 1000, check };
}

function readAndDecode(file: string, view: PacketView): Result {
  const t0 = performance.now();
  const src = openCapture(file);
  let packets = 0;
  let check = 0;
  while (src.next(view)) {
    decodeFrame(view);
    packets++;
    check += view.sport + view.payloadLen + view.eventCount;
  }
  const bytes = src.bytesRead;
  src.close();
  return { packets, bytes, seconds: (performance.now() - t0) / 1000, check };
}

function run(kind: (file: string, view: PacketView) => Result, file: string, seconds: number): Result {
  const view = new PacketView();
  // Warm up so the figures are for optimised code.
  const warmEnd = performance.now() + 300;
  while (performance.now() < warmEnd) kind(file, view);
  const total: Result = { packets: 0, bytes: 0, seconds: 0, check: 0 };
  while (total.seconds < seconds) {
    const r = kind(file, view);
    total.packets += r.packets;
    total.bytes += r.bytes;
    total.seconds += r.seconds;
    total.check += r.check;
  }
  return total;
}

function fmt(r: Result): string {
  const pps = r.packets / r.seconds;
  return `${(pps / 1e6).toFixed(2)} Mpkt/s  ${(1e9 / pps).toFixed(0)} ns/pkt  ${((r.bytes / r.seconds) * 8e-9).toFixed(1)} Gbit/s`;
}

function main(argv: string[]): void {
  let seconds = 3;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seconds') seconds = Number(argv[++i]);
    else files.push(argv[i]);
  }
  const list = files.length > 0 ? files : DEFAULT_FILES;
  console.log(`node ${process.version}, ${seconds}s per measurement`);
  for (const file of list) {
    if (!existsSync(file)) {
      console.log(`${file}: missing (set PALISADE_CORPUS)`);
      continue;
    }
    const read = run(readOnly, file, seconds);
    const full = run(readAndDecode, file, seconds);
    console.log(path.basename(file));
    console.log(`  read only      ${fmt(read)}`);
    console.log(`  read + decode  ${fmt(full)}   (check ${full.check % 1000})`);
  }
}

main(process.argv.slice(2));
