// Writes a deterministic synthetic capture for benchmarks and demos.
//
//   node dist/bench/make-capture.js --profile mixed --packets 2000000 --out bench/out/mixed.pcap
//   node dist/bench/make-capture.js --profile spoofed --packets 2000000 --sources 1000000 --out bench/out/spoofed-1m.pcap
//   node dist/bench/make-capture.js --profile lab --out /tmp/lab.pcap
//
// The same arguments give a byte-identical file on every run and machine. One summary line goes to
// stdout (add --json for the whole result as JSON); usage errors are one line on stderr, exit 2.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SEED, generate, GenerateOptions, PROFILES, ProfileName } from './synth/profiles.js';

const USAGE =
  'usage: make-capture --profile mixed|spoofed|lab --packets N --out FILE [--seed S] [--sources K] [--json]';

function fail(msg: string): never {
  process.stderr.write(`make-capture: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function intArg(name: string, v: string | undefined): number {
  if (v === undefined || !/^\d+$/.test(v.replace(/_/g, ''))) fail(`${name} needs a non-negative integer, got ${v ?? 'nothing'}`);
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isSafeInteger(n)) fail(`${name} is too large: ${v}`);
  return n;
}

function main(argv: string[]): void {
  let profile: ProfileName | undefined;
  let packets: number | undefined;
  let out: string | undefined;
  let seed = DEFAULT_SEED;
  let sources: number | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--profile':
        if (!PROFILES.includes(v as ProfileName)) fail(`unknown profile ${v ?? '(none)'}`);
        profile = v as ProfileName;
        i++;
        break;
      case '--packets':
        packets = intArg(a, v);
        if (packets < 1) fail('--packets must be at least 1');
        i++;
        break;
      case '--out':
        if (!v) fail('--out needs a file name');
        out = v;
        i++;
        break;
      case '--seed':
        seed = intArg(a, v);
        i++;
        break;
      case '--sources':
        sources = intArg(a, v);
        if (sources < 1) fail('--sources must be at least 1');
        i++;
        break;
      case '--json':
        json = true;
        break;
      case '-h':
      case '--help':
        process.stdout.write(`${USAGE}\n`);
        return;
      default:
        fail(`unknown argument ${a}`);
    }
  }
  if (!profile) fail('--profile is required');
  if (!out) fail('--out is required');
  if (profile !== 'lab' && packets === undefined) fail(`--packets is required for profile ${profile}`);
  if (sources !== undefined && profile !== 'spoofed') fail('--sources applies to the spoofed profile only');
  mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const opts: GenerateOptions = { profile, out, packets, seed, sources };
  const t0 = performance.now();
  let res;
  try {
    res = generate(opts);
  } catch (err) {
    process.stderr.write(`make-capture: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const secs = (performance.now() - t0) / 1000;
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...res, out, seconds: Number(secs.toFixed(3)) }, null, 2)}\n`);
    return;
  }
  const mb = (res.bytes / 1e6).toFixed(1);
  const span = (res.durationMicros / 1e6).toFixed(1);
  process.stdout.write(
    `${out}: profile ${res.profile}, seed ${res.seed}, ${res.packets} packets, ${mb} MB, ` +
      `${span} s of traffic, written in ${secs.toFixed(2)} s\n`,
  );
}

main(process.argv.slice(2));
