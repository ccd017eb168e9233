// syn-flood: half-open TCP connections (SYNs whose handshake-completing ACK has not been seen).
// Three views of the same counts, each alerting once per episode:
//  - per source: one address opening many half-open connections (blockable);
//  - per destination address:port: many sources at once, i.e. a spoofed or distributed flood,
//    reported as one alert naming the target; its sources are not proposed for blocking;
//  - global: a flood spread over random destinations and sources, which no single target sees.
// Half-open = SYNs - completed handshakes within the window, so a busy but healthy service stays
// near zero however many connections it takes.

import type { PacketView } from '../decode/packet-view.js';
import type { Detection, DetectionSink } from './detection.js';
import { HandshakeCache } from './handshake-cache.js';
import { KeyedSlots, ipv6Fingerprint } from './keyed-slots.js';
import { DistinctColumns, EpisodeColumn, RateColumns } from './rate-window.js';
import { sourceDetection } from './report.js';
import type { DetectSettings, SynFloodSettings } from './settings.js';

export const SYN_FLOOD = 'syn-flood';

/** A SYN flood sends many SYNs per port; a scan sends about one per port. */
const FLOOD_SYNS_PER_PORT = 4;

export class SynFloodDetector {
  private readonly cache: HandshakeCache;
  // Per source (slots of the engine's source table).
  private readonly syns: RateColumns;
  private readonly done: RateColumns;
  private readonly episode: EpisodeColumn;
  // Per destination address:port.
  private readonly targets: KeyedSlots;
  private readonly tSyns: RateColumns;
  private readonly tDone: RateColumns;
  private readonly tSources: DistinctColumns;
  private readonly tEpisode: EpisodeColumn;
  // Global: one slot.
  private readonly gSyns = new RateColumns(1);
  private readonly gDone = new RateColumns(1);
  private readonly gDsts = new DistinctColumns(1, 1);
  private readonly gSrcs = new DistinctColumns(1, 1);
  private readonly gEpisode = new EpisodeColumn(1);
  private readonly staleAfter: number;
  private readonly fp = new Int32Array(2);

  constructor(
    private readonly s: SynFloodSettings,
    private readonly d: DetectSettings,
    sourceSlots: number,
  ) {
    this.cache = new HandshakeCache(d.handshake_slots);
    this.syns = new RateColumns(sourceSlots);
    this.done = new RateColumns(sourceSlots);
    this.episode = new EpisodeColumn(sourceSlots);
    const t = d.max_destinations;
    this.targets = new KeyedSlots(t);
    this.tSyns = new RateColumns(t);
    this.tDone = new RateColumns(t);
    this.tSources = new DistinctColumns(t, t);
    this.tEpisode = new EpisodeColumn(t);
    this.staleAfter = Math.max(s.window, s.per_destination.window, s.global.window);
  }

  get handshakeEvictions(): number {
    return this.cache.evictions;
  }

  get targetEvictions(): number {
    return this.targets.evictions;
  }

  get targetCount(): number {
    return this.targets.size;
  }

  /** Per-source state of a new (or recycled) source slot. */
  reset(slot: number): void {
    this.syns.reset(slot);
    this.done.reset(slot);
    this.episode.reset(slot);
  }

  /**
   * A SYN (no ACK). `srcH`/`dstH` are 32-bit address hashes, `slot` the source's slot (-1 when
   * per-source tracking is off), `distinctPorts` the ports this source probed recently.
   */
  onSyn(p: PacketView, srcH: number, dstH: number, slot: number, distinctPorts: number, emit: DetectionSink): void {
    const ts = p.ts;
    const ports = ((p.sport << 16) | p.dport) >>> 0;
    if (!this.cache.addSyn(srcH, dstH, ports, ts, this.staleAfter)) return; // retransmission
    const s = this.s;
    const cooldown = this.d.cooldown;

    if (slot >= 0) {
      const halfOpen = this.syns.add(slot, ts, s.window) - this.done.peek(slot, ts, s.window);
      if (halfOpen >= s.threshold && distinctPorts * FLOOD_SYNS_PER_PORT <= halfOpen && this.episode.trigger(slot, ts, cooldown)) {
        const n = Math.round(halfOpen);
        emit(
          sourceDetection(
            SYN_FLOOD,
            s,
            p,
            `SYN flood: ${n} half-open connections from ${p.srcString()} to ${p.dstString()}:${p.dport} within ${s.window} s (threshold ${s.threshold})`,
            { half_open: n, window_s: s.window, threshold: s.threshold, distinct_ports: distinctPorts },
          ),
        );
      }
    }

    const pd = s.per_destination;
    if (pd.enabled) {
      const t = this.targetSlot(p, ts);
      this.tSources.add(t, srcH, ts, pd.window);
      const halfOpen = this.tSyns.add(t, ts, pd.window) - this.tDone.peek(t, ts, pd.window);
      if (halfOpen >= pd.threshold) {
        const sources = this.tSources.count(t);
        if (sources >= pd.min_sources && this.tEpisode.trigger(t, ts, cooldown)) {
          const n = Math.round(halfOpen);
          const target = `${bracket(p.dstString())}:${p.dport}`;
          emit(
            this.aggregate(p, 'destination', p.dstString(), p.dport,
              `SYN flood against ${target}: ${n} half-open connections from about ${sources} distinct sources within ${pd.window} s; the sources look spoofed, so none is proposed for blocking`,
              { half_open: n, distinct_sources: sources, window_s: pd.window, threshold: pd.threshold }),
          );
        }
      }
    }

    const g = s.global;
    if (g.enabled) {
      this.gDsts.add(0, dstH, ts, g.window);
      this.gSrcs.add(0, srcH, ts, g.window);
      const halfOpen = this.gSyns.add(0, ts, g.window) - this.gDone.peek(0, ts, g.window);
      if (halfOpen >= g.threshold) {
        const dsts = this.gDsts.count(0);
        if (dsts >= g.min_destinations && this.gEpisode.trigger(0, ts, cooldown)) {
          const n = Math.round(halfOpen);
          const srcs = this.gSrcs.count(0);
          emit(
            this.aggregate(p, 'global', null, null,
              `SYN flood across many targets: ${n} half-open connections to about ${dsts} destinations from about ${srcs} sources within ${g.window} s; no single source or target stands out, so none is proposed for blocking`,
              { half_open: n, distinct_destinations: dsts, distinct_sources: srcs, window_s: g.window, threshold: g.threshold }),
          );
        }
      }
    }
  }

  /**
   * A pure ACK. When it completes a pending handshake, the connection stops counting as half-open;
   * returns true then (the engine then credits the source with creditSource).
   */
  onAck(p: PacketView, srcH: number, dstH: number): boolean {
    const ports = ((p.sport << 16) | p.dport) >>> 0;
    if (!this.cache.complete(srcH, dstH, ports)) return false;
    const ts = p.ts;
    if (this.s.per_destination.enabled) {
      const t = this.findTarget(p);
      if (t >= 0) this.tDone.add(t, ts, this.s.per_destination.window);
    }
    if (this.s.global.enabled) this.gDone.add(0, ts, this.s.global.window);
    return true;
  }

  creditSource(slot: number, ts: number): void {
    this.done.add(slot, ts, this.s.window);
  }

  // Target keys: IPv4 (address, port << 1) -- even; IPv6 (fingerprint, fingerprint ^ port | 1) -- odd.
  private targetSlot(p: PacketView, ts: number): number {
    let t: number;
    if (p.ipVersion === 4) t = this.targets.acquire(p.dst4 | 0, p.dport << 1, ts);
    else {
      ipv6Fingerprint(p.buf, p.dstOff, this.fp);
      t = this.targets.acquire(this.fp[0], (this.fp[1] ^ Math.imul(p.dport, 0x10001)) | 1, ts);
    }
    if (this.targets.fresh) {
      this.tSyns.reset(t);
      this.tDone.reset(t);
      this.tSources.reset(t);
      this.tEpisode.reset(t);
    }
    return t;
  }

  private findTarget(p: PacketView): number {
    if (p.ipVersion === 4) return this.targets.find(p.dst4 | 0, p.dport << 1);
    ipv6Fingerprint(p.buf, p.dstOff, this.fp);
    return this.targets.find(this.fp[0], (this.fp[1] ^ Math.imul(p.dport, 0x10001)) | 1);
  }

  private aggregate(
    p: PacketView,
    scope: 'destination' | 'global',
    dst: string | null,
    dport: number | null,
    reason: string,
    evidence: Detection['evidence'],
  ): Detection {
    return {
      ruleId: SYN_FLOOD,
      severity: this.s.severity,
      // Aggregates never propose a block: the addresses involved are the victim or forged.
      action: 'alert',
      scope,
      ts: p.ts,
      src: null,
      dst,
      sport: null,
      dport,
      proto: 'tcp',
      reason,
      evidence,
      packet: p.index,
    };
  }
}

function bracket(addr: string): string {
  return addr.includes(':') ? `[${addr}]` : addr;
}
