// Offline modes: capture files through decode -> detect -> decide -> record. `analyze` runs as
// fast as the machine allows; `replay` paces packets by their own timestamps (optionally sped up).
// Both use the same stages, so the same capture gives the same alerts in either mode.

import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { DECODE_EVENTS } from '../decode/decode-events.js';
import { decodeFrame } from '../decode/decoder.js';
import { PacketView } from '../decode/packet-view.js';
import type { Config } from '../config/defaults.js';
import type { Detection } from '../detect/detection.js';
import type { DetectCounters, DetectEngine } from '../detect/engine.js';
import type { SourceVerdict } from '../decide/offline-policy.js';
import { openCapture } from '../sources/pcap-file/index.js';
import type { FrameSource } from '../sources/source.js';
import { LogFileReader } from '../sources/log-file/log-file-reader.js';
import { sniffLogFile } from '../decode/log/sniff.js';
import type { LineOrigin } from '../decode/log/log-event.js';
import { isPalisadeError, PalisadeError } from '../errors.js';
import { assemble, buildSignatures } from './assemble.js';
import { OfflinePolicy } from '../decide/offline-policy.js';
import { LogPipeline, type LogCounters } from './log-lines.js';
import { AlertTally } from './alert-tally.js';

export interface Progress {
  file: string;
  fileIndex: number;
  files: number;
  bytesRead: number;
  totalBytes: number;
  packets: number;
  /** Log lines read so far (log files). */
  lines: number;
  elapsed_s: number;
}

export interface OfflineOptions {
  files: string[];
  config: Config;
  /** Every detection, in event order (replay prints them; --alerts-out records them). */
  onDetection?: (d: Detection) => void;
  /** Called every few hundred thousand packets. */
  onProgress?: (p: Progress) => void;
  /** Replay pace: 1 = recorded pace, 10 = ten times faster; 0/undefined = as fast as possible. */
  speed?: number;
  /** Stop early (Ctrl+C); the report covers what was read. */
  signal?: AbortSignal;
}

export interface FileReport {
  path: string;
  /** pcap, pcapng, auth-log, journald-json or access-log. */
  format: string;
  packets: number;
  bytes: number;
  /** Lines read, for log files. */
  lines?: number;
  /** One-line reason the read ended early, or null. */
  problem: string | null;
}

export interface AnalysisReport {
  files: FileReport[];
  packets: number;
  /** Log lines read (all log files). */
  lines: number;
  /** Log lines per second of analysis time. */
  lps: number;
  bytes: number;
  decode_errors: number;
  decode_events: Record<string, number>;
  duration_s: number;
  pps: number;
  mbps: number;
  /** Event time span of the input. */
  first_ts: number | null;
  last_ts: number | null;
  alerts: number;
  by_rule: Record<string, number>;
  by_severity: Record<string, number>;
  sources: SourceVerdict[];
  /** Destination- and global-scope detections (attacks whose sources are forged or many); the first MAX_AGGREGATES. */
  aggregates: Detection[];
  /** Detections left out of `sources` and `aggregates` because those lists were full. */
  untallied: number;
  state: DetectCounters & { signature_tracker_evictions: number } & Partial<LogCounters>;
  suppressed: Record<string, number>;
  interrupted: boolean;
}

/** Packet detector state of a run without captures. */
const NO_PACKET_STATE: DetectCounters = {
  sources_tracked: 0,
  source_evictions: 0,
  targets_tracked: 0,
  target_evictions: 0,
  handshake_evictions: 0,
  port_bitmap_evictions: 0,
  sources_deferred: 0,
};


/** Packets handled between checks for progress, Ctrl+C and the event loop. */
const CHUNK = 1 << 16;
/** Log lines handled between the same checks. */
const LINE_CHUNK = 1 << 16;

/** An input: a capture, or a log file with its recognised format. */
type Input = { capture: FrameSource; log?: undefined } | { capture?: undefined; log: LogFileReader };

/** Opens a capture (recognised by its magic number) or, failing that, a log file recognised by its content. */
function openInput(path: string): Input {
  try {
    return { capture: openCapture(path) };
  } catch (err) {
    if (!isPalisadeError(err) || err.code !== 'PALISADE_ERR_FILE_FORMAT') throw err;
    let kind = null;
    try {
      kind = sniffLogFile(path);
    } catch {
      kind = null;
    }
    if (kind === null) {
      throw new PalisadeError('PALISADE_ERR_FILE_FORMAT', `${err.message}, nor a log file this reads (syslog auth log, journalctl -o json, web access log)`);
    }
    return { log: new LogFileReader(path, kind) };
  }
}

function closeInput(i: Input): void {
  if (i.capture) i.capture.close();
  else i.log.close();
}

/**
 * The hot loop, kept in a small synchronous function (not inside the async runner) so the JIT
 * optimises it whole. Returns how many packets were handled; fewer than `max` means end of input.
 */
function pump(src: FrameSource, view: PacketView, stage: PacketStage, max: number): number {
  let n = 0;
  while (n < max && src.next(view)) {
    stage.handle(view);
    n++;
  }
  return n;
}

/** What happens to every packet, in every mode: decode, count decode events and time span, detect. */
class PacketStage {
  decodeErrors = 0;
  minTs = Infinity;
  maxTs = -Infinity;
  readonly events = new Float64Array(DECODE_EVENTS.length);

  constructor(private readonly detect: DetectEngine) {}

  handle(view: PacketView): void {
    decodeFrame(view);
    if (view.eventCount !== 0) {
      this.decodeErrors++;
      this.events[view.event]++;
    }
    const ts = view.ts;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
    this.detect.onPacket(view);
  }
}

export async function runOffline(opts: OfflineOptions): Promise<AnalysisReport> {
  // Open every file first: a typo in the last name fails before any work is done.
  const inputs: Input[] = [];
  try {
    for (const f of opts.files) inputs.push(openInput(f));
  } catch (err) {
    for (const i of inputs) closeInput(i);
    throw err;
  }

  const tally = new AlertTally();
  const sink = (d: Detection): void => {
    tally.add(d);
    stages.policy.onDetection(d);
    opts.onDetection?.(d);
  };
  // Build only the stages the inputs need: the packet detectors when there is a capture, the
  // signature engine when there is a capture or an access log (their set-up costs a fifth of a
  // second, a good part of analysing an auth log).
  const captures = inputs.some((i) => i.capture);
  const accessLogs = inputs.some((i) => i.log?.format === 'access-log');
  const stages = captures
    ? assemble(opts.config, sink)
    : { detect: null, signatures: accessLogs ? buildSignatures(opts.config) : null, policy: new OfflinePolicy(opts.config.policy) };
  const detect = stages.detect;
  // Log lines go through their own stage, built only when a log file is among the inputs.
  const logs = inputs.some((i) => i.log) ? new LogPipeline(opts.config, sink, stages.signatures, { detail: false }) : null;

  const view = new PacketView();
  const stage = new PacketStage(detect!); // handles packets only, so only when there are captures (and a detect stage)
  let packets = 0;
  let lines = 0;
  const files: FileReport[] = [];
  const started = performance.now();
  const speed = opts.speed ?? 0;
  let wall0 = 0;
  let ts0 = 0;
  let interrupted = false;

  try {
    for (let fi = 0; fi < inputs.length && !interrupted; fi++) {
      const input = inputs[fi];
      if (input.log) {
        const r = input.log;
        const n = await readLog(r, logs!, opts, fi, inputs.length, started, () => packets, (k) => (lines += k));
        if (n < 0) interrupted = true;
        files.push({ path: r.path, format: r.format, packets: 0, bytes: r.bytesRead, lines: r.lines, problem: r.problem });
        continue;
      }
      const src = input.capture;
      let filePackets = 0;
      for (;;) {
        let n = 0;
        if (speed > 0) {
          // Paced: wait until each packet's recorded time (scaled) has come.
          while (n < CHUNK && src.next(view)) {
            if (packets + n === 0) {
              wall0 = performance.now();
              ts0 = view.ts;
            }
            const wait = wall0 + ((view.ts - ts0) * 1000) / speed - performance.now();
            if (wait > 1) await sleep(wait, undefined, { signal: opts.signal }).catch(() => undefined);
            if (opts.signal?.aborted) break;
            stage.handle(view);
            n++;
          }
        } else {
          n = pump(src, view, stage, CHUNK);
        }
        packets += n;
        filePackets += n;
        if (opts.signal?.aborted) {
          interrupted = true;
          break;
        }
        if (n < CHUNK) break;
        opts.onProgress?.({
          file: src.path,
          fileIndex: fi,
          files: inputs.length,
          bytesRead: src.bytesRead,
          totalBytes: src.totalBytes,
          packets,
          lines,
          elapsed_s: (performance.now() - started) / 1000,
        });
        await yieldToLoop();
      }
      files.push({ path: src.path, format: src.format, packets: filePackets, bytes: src.bytesRead, problem: src.problem?.message ?? null });
    }
  } finally {
    for (const i of inputs) closeInput(i);
  }

  const duration = (performance.now() - started) / 1000;
  const bytes = files.reduce((a, f) => a + f.bytes, 0);
  const decodeEvents: Record<string, number> = {};
  stage.events.forEach((n, id) => {
    if (id !== 0 && n > 0) decodeEvents[DECODE_EVENTS[id]] = n;
  });
  const minTs = Math.min(stage.minTs, logs?.minTs ?? Infinity);
  const maxTs = Math.max(stage.maxTs, logs?.maxTs ?? -Infinity);
  return {
    files,
    packets,
    lines,
    lps: duration > 0 ? lines / duration : 0,
    bytes,
    decode_errors: stage.decodeErrors,
    decode_events: decodeEvents,
    duration_s: duration,
    pps: duration > 0 ? packets / duration : 0,
    mbps: duration > 0 ? bytes / duration / 1e6 : 0,
    first_ts: minTs <= maxTs ? minTs : null,
    last_ts: minTs <= maxTs ? maxTs : null,
    alerts: tally.alerts,
    by_rule: tally.byRule,
    by_severity: tally.bySeverity,
    sources: stages.policy.verdicts(),
    aggregates: tally.aggregates,
    untallied: tally.aggregatesDropped + stages.policy.untallied,
    state: { ...(detect?.counters() ?? NO_PACKET_STATE), signature_tracker_evictions: stages.signatures?.evictions ?? 0, ...logs?.counters() },
    suppressed: Object.fromEntries(stages.signatures?.suppressed ?? []),
    interrupted,
  };
}

/**
 * One log file through the log stage, in chunks of lines between checks for Ctrl+C, progress and
 * the event loop. Returns the lines read, or -1 when interrupted.
 */
async function readLog(
  r: LogFileReader,
  logs: LogPipeline,
  opts: OfflineOptions,
  fileIndex: number,
  files: number,
  started: number,
  packets: () => number,
  addLines: (n: number) => number,
): Promise<number> {
  logs.setReferenceTime(r.mtime);
  const origin: LineOrigin = { source: r.path, line: 0 };
  const kind = r.format;
  const each = (s: string, a: number, b: number): void => {
    origin.line++;
    logs.onSpan(s, a, b, origin, kind);
  };
  let total = 0;
  for (;;) {
    const n = r.read(LINE_CHUNK, each);
    total += n;
    const lines = addLines(n);
    if (opts.signal?.aborted) return -1;
    if (n < LINE_CHUNK) return total;
    opts.onProgress?.({
      file: r.path,
      fileIndex,
      files,
      bytesRead: r.bytesRead,
      totalBytes: r.totalBytes,
      packets: packets(),
      lines,
      elapsed_s: (performance.now() - started) / 1000,
    });
    await yieldToLoop();
  }
}
