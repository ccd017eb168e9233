// Detections from the kernel's own view of TCP connections (sock_trace ConnEvents), per remote
// address. Packets can be spoofed, dropped before capture or never seen (another interface); these
// events are what the host's TCP stack actually did:
//  - tcp-half-open: handshakes this host answered and the peer never completed (SYN-ACK unanswered,
//    or answered with a RST, as SYN-flood and SYN-scan tools do) -- seed 000's accept tracing;
//  - tcp-reset-scan: distinct local ports a peer probed and was refused (RST from a closed port) or
//    left half-open: a port scan as the host saw it;
//  - tcp-reset-storm: many RSTs received from one peer (connections torn down by it).
// Windows are event time (the kernel's clock). State is one record per remote, capped, least
// recently used evicted and counted.

import type { ConnEvent, ConnKind } from '../decode/conn-event.js';
import { RST_REASON_NO_SOCKET } from '../decode/conn-event.js';
import type { Detection, DetectionSink, RuleMode, Severity } from './detection.js';

export const TCP_HALF_OPEN = 'tcp-half-open';
export const TCP_RESET_SCAN = 'tcp-reset-scan';
export const TCP_RESET_STORM = 'tcp-reset-storm';

export interface ConnRuleSettings {
  enabled: boolean;
  mode: RuleMode;
  severity: Severity;
  threshold: number;
  /** Seconds. */
  window: number;
}

export interface ConnEventSettings {
  half_open: ConnRuleSettings;
  reset_scan: ConnRuleSettings;
  reset_storm: ConnRuleSettings;
  /** Quiet seconds before the same rule alerts again for the same remote (detect.cooldown). */
  cooldown: number;
  /** Remotes tracked at once (detect.max_sources); the least recently seen is evicted. */
  max_sources: number;
}

/**
 * Fixed defaults until the config has keys for them (proposed: detect.tcp_half_open,
 * detect.tcp_reset_scan, detect.tcp_reset_storm, each {enabled, mode, severity, threshold, window}).
 *  - half-open: 20 in 10 s. A healthy client completes its handshakes; a lossy one leaves a few
 *    SYN-ACKs unanswered for a second, not twenty. syn-flood (packets) alerts at 100 in 5 s because
 *    it cannot tell a completed handshake it missed from an open one; the kernel can.
 *  - reset-scan: 20 distinct ports in 60 s, the same as port-scan's default.
 *  - reset-storm: 100 RSTs received in 10 s; RSTs on established connections are rare (a few per
 *    restart of a peer), so a hundred is abuse or injection, but never proposed for blocking alone.
 */
export function defaultConnEventSettings(cooldown = 60, maxSources = 65536): ConnEventSettings {
  return {
    half_open: { enabled: true, mode: 'block', severity: 'high', threshold: 20, window: 10 },
    reset_scan: { enabled: true, mode: 'block', severity: 'high', threshold: 20, window: 60 },
    reset_storm: { enabled: true, mode: 'alert', severity: 'medium', threshold: 100, window: 10 },
    cooldown,
    max_sources: maxSources,
  };
}

/** Sliding-window count from two fixed buckets (the estimate rate-window.ts uses). */
class WindowCount {
  private bucket = -Infinity;
  private cur = 0;
  private prev = 0;

  add(ts: number, window: number): number {
    const b = Math.floor(ts / window);
    if (b > this.bucket) {
      this.prev = b === this.bucket + 1 ? this.cur : 0;
      this.cur = 0;
      this.bucket = b;
    }
    this.cur++;
    const frac = ts / window - this.bucket;
    return this.cur + this.prev * Math.max(0, 1 - frac);
  }
}

/** Distinct ports seen within the window, bounded: at most `cap` ports are remembered. */
class RecentPorts {
  private readonly seen = new Map<number, number>();

  /** Records the port at ts; returns the number of distinct ports within the window. */
  add(port: number, ts: number, window: number, cap: number): number {
    this.seen.delete(port);
    this.seen.set(port, ts); // insertion order = recency
    // Oldest first: drop ports that left the window, and any beyond the cap.
    for (const [p, t] of this.seen) {
      if (t > ts - window && this.seen.size <= cap) break;
      this.seen.delete(p);
    }
    return this.seen.size;
  }

  /** The most recent ports, up to n, oldest first. */
  recent(n: number): number[] {
    const all = [...this.seen.keys()];
    return all.slice(Math.max(0, all.length - n));
  }
}

interface RemoteState {
  halfOpen: WindowCount;
  ports: RecentPorts;
  resets: WindowCount;
  /** Per rule: end of the quiet period after an alert. */
  quietHalfOpen: number;
  quietScan: number;
  quietStorm: number;
}

export interface ConnEventCounters {
  events: number;
  by_kind: Partial<Record<ConnKind, number>>;
  remotes_tracked: number;
  remote_evictions: number;
  /** Events from another namespace than the detector's filter. */
  other_netns: number;
}

export interface ConnEventDetectorOptions {
  /** Only events of this network namespace (inode number); undefined = all. */
  netns?: number;
}

export class ConnEventDetector {
  private readonly remotes = new Map<string, RemoteState>();
  private events = 0;
  private evictions = 0;
  private otherNetns = 0;
  private readonly byKind: Partial<Record<ConnKind, number>> = {};
  /** Ports remembered per remote: enough to reach the threshold, bounded whatever it is set to. */
  private readonly portCap: number;

  constructor(
    private readonly s: ConnEventSettings,
    private readonly emit: DetectionSink,
    private readonly opts: ConnEventDetectorOptions = {},
  ) {
    this.portCap = Math.min(4096, Math.max(64, 2 * s.reset_scan.threshold));
  }

  onEvent = (e: ConnEvent): void => {
    if (this.opts.netns !== undefined && this.opts.netns !== 0 && e.netns !== this.opts.netns) {
      this.otherNetns++;
      return;
    }
    this.events++;
    this.byKind[e.kind] = (this.byKind[e.kind] ?? 0) + 1;
    switch (e.kind) {
      case 'half-open':
      case 'half-open-reset':
        this.onHalfOpen(e);
        this.onProbe(e);
        break;
      case 'reset-sent':
        if (e.reason === RST_REASON_NO_SOCKET) this.onProbe(e);
        break;
      case 'reset-received':
        // A refused connect() of ours (SYN_SENT) is not the peer's doing.
        if (e.oldState !== 'SYN_SENT') this.onReset(e);
        break;
      default:
        break; // outbound, accepted, failed: context only
    }
  };

  private state(remote: string): RemoteState {
    let st = this.remotes.get(remote);
    if (st) {
      // Move to the most recently used end.
      this.remotes.delete(remote);
      this.remotes.set(remote, st);
      return st;
    }
    if (this.remotes.size >= this.s.max_sources) {
      const oldest = this.remotes.keys().next().value as string;
      this.remotes.delete(oldest);
      this.evictions++;
    }
    st = { halfOpen: new WindowCount(), ports: new RecentPorts(), resets: new WindowCount(), quietHalfOpen: -Infinity, quietScan: -Infinity, quietStorm: -Infinity };
    this.remotes.set(remote, st);
    return st;
  }

  private onHalfOpen(e: ConnEvent): void {
    const r = this.s.half_open;
    if (!r.enabled) return;
    const st = this.state(e.remote);
    const n = st.halfOpen.add(e.ts, r.window);
    if (n < r.threshold) return;
    const fresh = e.ts >= st.quietHalfOpen;
    st.quietHalfOpen = e.ts + this.s.cooldown;
    if (!fresh) return;
    const count = Math.round(n);
    this.emit(
      this.detection(TCP_HALF_OPEN, r, e, `TCP half-open: ${count} handshakes from ${e.remote} to ${e.local}:${e.lport} were answered by this host and never completed within ${r.window} s (threshold ${r.threshold})`, {
        half_open: count,
        window_s: r.window,
        threshold: r.threshold,
        last_kind: e.kind,
      }),
    );
  }

  private onProbe(e: ConnEvent): void {
    const r = this.s.reset_scan;
    if (!r.enabled) return;
    const st = this.state(e.remote);
    const n = st.ports.add(e.lport, e.ts, r.window, this.portCap);
    if (n < r.threshold) return;
    const fresh = e.ts >= st.quietScan;
    st.quietScan = e.ts + this.s.cooldown;
    if (!fresh) return;
    this.emit(
      this.detection(TCP_RESET_SCAN, r, e, `TCP port scan seen by the kernel: ${e.remote} probed ${n} distinct ports of ${e.local} within ${r.window} s that were closed or never completed (threshold ${r.threshold})`, {
        distinct_ports: n,
        window_s: r.window,
        threshold: r.threshold,
        recent_ports: st.ports.recent(12),
      }),
    );
  }

  private onReset(e: ConnEvent): void {
    const r = this.s.reset_storm;
    if (!r.enabled) return;
    const st = this.state(e.remote);
    const n = st.resets.add(e.ts, r.window);
    if (n < r.threshold) return;
    const fresh = e.ts >= st.quietStorm;
    st.quietStorm = e.ts + this.s.cooldown;
    if (!fresh) return;
    const count = Math.round(n);
    this.emit(
      this.detection(TCP_RESET_STORM, r, e, `TCP reset storm: ${count} connections of ${e.local} reset by ${e.remote} within ${r.window} s (threshold ${r.threshold})`, {
        resets: count,
        window_s: r.window,
        threshold: r.threshold,
      }),
    );
  }

  private detection(ruleId: string, r: ConnRuleSettings, e: ConnEvent, reason: string, evidence: Detection['evidence']): Detection {
    return {
      ruleId,
      severity: r.severity,
      action: r.mode === 'block' ? 'would-block' : 'alert',
      scope: 'source',
      ts: e.ts,
      src: e.remote,
      dst: e.local,
      sport: e.rport,
      dport: e.lport,
      proto: 'tcp',
      reason,
      evidence: { ...evidence, netns: e.netns },
      packet: 0,
    };
  }

  counters(): ConnEventCounters {
    return { events: this.events, by_kind: { ...this.byKind }, remotes_tracked: this.remotes.size, remote_evictions: this.evictions, other_netns: this.otherNetns };
  }
}

/** The detector's settings from the config's detect section (detect.tcp_half_open, ...). */
export function connEventSettingsFrom(d: {
  cooldown: number;
  max_sources: number;
  tcp_half_open: ConnRuleSettings;
  tcp_reset_scan: ConnRuleSettings;
  tcp_reset_storm: ConnRuleSettings;
}): ConnEventSettings {
  return { half_open: d.tcp_half_open, reset_scan: d.tcp_reset_scan, reset_storm: d.tcp_reset_storm, cooldown: d.cooldown, max_sources: d.max_sources };
}
