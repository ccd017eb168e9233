// The daemon's kernel-side sources: passive capture per interface (XDP ring buffer, else libpcap),
// inline NFQUEUE verdicts, and connection events from tracepoints. A source that cannot start here
// is reported (status, log) and the next row of DESIGN.md's fallback table is taken; the daemon
// keeps running on what works.

import type { Config } from '../config/defaults.js';
import type { Detection } from '../detect/detection.js';
import { ConnEventDetector, connEventSettingsFrom, type ConnEventCounters } from '../detect/conn-events.js';
import { ensureTracefs } from '../kernel/kernel-fs.js';
import { LivePacketPipeline, type LiveCounters } from '../pipeline/live-packets.js';
import type { LivePacketSource, LiveSourceStatus } from '../sources/live/packet-source.js';
import { selectCapture, type LiveSourceFactory } from '../sources/live/select-capture.js';
import { NfqueueSource } from '../sources/nfqueue/nfqueue-source.js';
import { pcapFactory } from '../sources/pcap-live/pcap-live-source.js';
import { netnsInode, SockTraceSource, sockTraceUnavailable, type SockTraceStatus } from '../sources/sock-trace/sock-trace-source.js';

export interface LiveSourcesOptions {
  /** Every detection (packets and connection events) goes here: the daemon's decide stage. */
  onDetection: (d: Detection, origin: string) => void;
  /** One line per problem (a source that could not start, fell back, or stopped). */
  onProblem: (msg: string) => void;
  /** The XDP capture factory for an interface (shares the interface's XDP guard), when available. */
  xdp?: LiveSourceFactory;
}

interface Started {
  source: LivePacketSource;
  /** "XDP ring buffer", "libpcap", "NFQUEUE". */
  method: string;
  note: string | null;
}

export interface LiveSourcesStatus {
  /** The packet-source column of the fallback row, e.g. "XDP ring buffer (veth0) + NFQUEUE 0". */
  row: string;
  /** Why each configured packet source is what it is (fallbacks, failures). */
  why: string[];
  packets: LiveSourceStatus[];
  sock_trace: SockTraceStatus | { name: string; problem: string } | null;
}

export class LiveSources {
  readonly pipeline: LivePacketPipeline;
  private started: Started[] = [];
  private failed: string[] = [];
  private trace: SockTraceSource | null = null;
  private traceProblem: string | null = null;
  private conn: ConnEventDetector | null = null;
  /** Origin of the packet being handled (alerts record where they came from). */
  private origin = '';

  constructor(
    private readonly config: Config,
    private readonly opts: LiveSourcesOptions,
  ) {
    this.pipeline = new LivePacketPipeline(config, (d) => opts.onDetection(d, this.origin));
  }

  /** Starts every configured source; failures are reported, never thrown. */
  async start(): Promise<void> {
    const c = this.config.sources;
    const pcap = pcapFactory(c.packets, (iface, problem) => this.opts.onProblem(`libpcap on ${iface} stopped: ${problem}`));
    for (const iface of c.packets.interfaces) {
      try {
        const choice = await selectCapture(c.packets.capture, iface, { pcap, xdp: this.opts.xdp }, this.handlerFor(`packets ${iface}`));
        const method = choice.method === 'xdp' ? 'XDP ring buffer' : 'libpcap';
        this.started.push({ source: choice.source, method, note: choice.fallback });
        if (choice.fallback) this.opts.onProblem(`${iface}: ${choice.fallback}`);
      } catch (err) {
        const msg = `${iface}: packet capture cannot start: ${(err as Error).message}`;
        this.failed.push(msg);
        this.opts.onProblem(msg);
      }
    }
    if (c.nfqueue.enabled) {
      const q = c.nfqueue;
      const src = new NfqueueSource({ queue: q.queue, failOpen: q.fail_open, copyRange: q.copy_range, maxLen: q.max_len });
      try {
        src.start(this.handlerFor(`nfqueue ${q.queue}`));
        this.started.push({ source: src, method: 'NFQUEUE', note: null });
      } catch (err) {
        const msg = `NFQUEUE ${q.queue} cannot start: ${(err as Error).message}`;
        this.failed.push(msg);
        this.opts.onProblem(msg);
      }
    }
    if (c.sock_trace !== false && process.geteuid?.() === 0) {
      const why = ensureTracefs();
      if (why) this.opts.onProblem(why);
    }
    const wantTrace = c.sock_trace === true || (c.sock_trace === 'auto' && sockTraceUnavailable() === null);
    if (wantTrace) {
      // Only this namespace's connections: a container's are not this host's to judge.
      const netns = netnsInode();
      this.conn = new ConnEventDetector(connEventSettingsFrom(this.config.detect), (d) => this.opts.onDetection(d, 'sock_trace'), { netns });
      const conn = this.conn;
      this.trace = new SockTraceSource((e) => conn.onEvent(e), { netns });
      try {
        this.trace.start();
      } catch (err) {
        this.traceProblem = (err as Error).message;
        this.trace = null;
        this.opts.onProblem(this.traceProblem);
      }
    } else if (c.sock_trace === 'auto') {
      this.traceProblem = `connection tracing off: ${sockTraceUnavailable()}`;
    }
  }

  private handlerFor(origin: string) {
    const handle = this.pipeline.handle;
    return (view: Parameters<typeof handle>[0]): boolean => {
      this.origin = origin;
      return handle(view);
    };
  }

  async stop(): Promise<void> {
    for (const s of this.started) await s.source.stop().catch(() => undefined);
    this.started = [];
    if (this.trace) await this.trace.stop().catch(() => undefined);
    this.trace = null;
  }

  /** True when some packet source runs (the daemon then sees traffic, not only logs). */
  get active(): boolean {
    return this.started.length > 0;
  }

  status(): LiveSourcesStatus {
    const packets = this.started.map((s) => s.source.status());
    const parts = this.started.map((s) => {
      const st = s.source.status();
      return `${s.method} (${st.name})`;
    });
    const why = [...this.failed, ...this.started.flatMap((s) => (s.note ? [s.note] : []))];
    if (this.started.length === 0 && this.config.sources.packets.interfaces.length === 0 && !this.config.sources.nfqueue.enabled) {
      why.push('no packet source configured (--iface IF, --queue N, sources.packets.interfaces, sources.nfqueue.enabled)');
    }
    let sock: LiveSourcesStatus['sock_trace'] = null;
    if (this.trace) sock = this.trace.status();
    else if (this.traceProblem) sock = { name: 'sock_trace', problem: this.traceProblem };
    return { row: parts.length > 0 ? parts.join(' + ') : 'none (host logs only)', why, packets, sock_trace: sock };
  }

  /** Connection tracing runs (the host-events column says "tracepoints"). */
  get tracing(): boolean {
    return this.trace !== null;
  }

  counters(): { packets: LiveCounters; connections: ConnEventCounters | null } {
    return { packets: this.pipeline.counters(), connections: this.conn?.counters() ?? null };
  }
}

