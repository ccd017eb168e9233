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
import { KeyedSlots, addressKey } from './keyed-slots.js';
import { DistinctColumns, EpisodeColumn, RateColumns, SlotRecords } from './rate-window.js';
import { sourceDetection } from './report.js';
import type { DetectSettings, SynFloodSettings } from './settings.js';

export const SYN_FLOOD = 'syn-flood';

/** Slot keys of a packet's addresses; word 0 of each is the 32-bit hash the handshake cache keys on. */
export interface AddrHashes {
  src: Int32Array;
  dst: Int32Array;
}

/** A SYN flood sends many SYNs per port; a scan sends about one per port. */
const FLOOD_SYNS_PER_PORT = 4;

export class SynFloodDetector {
  private readonly cache: HandshakeCache;
  // Per source (slots of the engine's source table).
  private readonly src: SlotRecords;
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
  private readonly gSyns: RateColumns;
  private readonly gDone: RateColumns;
  private readonly gDsts: DistinctColumns;
  private readonly gSrcs: DistinctColumns;
  private readonly gEpisode: EpisodeColumn;
  private readonly staleAfter: number;

  constructor(
    private readonly s: SynFloodSettings,
    private readonly d: DetectSettings,
    sourceSlots: number,
  ) {
    this.cache = new HandshakeCache(d.handshake_slots);
    const R = RateColumns.FIELDS;
    const D = DistinctColumns.FIELDS;
    // Per source: SYNs, completions, episode -- one 64-byte record.
    const src = (this.src = new SlotRecords(sourceSlots, 2 * R + EpisodeColumn.FIELDS));
    this.syns = new RateColumns(src, 0);
    this.done = new RateColumns(src, R);
    this.episode = new EpisodeColumn(src, 2 * R);
    const t = d.max_destinations;
    this.targets = new KeyedSlots(t);
    const tgt = new SlotRecords(t, 2 * R + D + EpisodeColumn.FIELDS);
    this.tSyns = new RateColumns(tgt, 0);
    this.tDone = new RateColumns(tgt, R);
    this.tSources = new DistinctColumns(tgt, 2 * R, t);
    this.tEpisode = new EpisodeColumn(tgt, 2 * R + D);
    const g = new SlotRecords(1, 2 * R + 2 * D + EpisodeColumn.FIELDS);
    this.gSyns = new RateColumns(g, 0);
    this.gDone = new RateColumns(g, R);
    this.gDsts = new DistinctColumns(g, 2 * R, 1);
    this.gSrcs = new DistinctColumns(g, 2 * R + D, 1);
    this.gEpisode = new EpisodeColumn(g, 2 * R + 2 * D);
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

  /** Resets the per-source record when the slot has a new owner (generation `gen`). */
  private own(slot: number, gen: number): void {
    if (this.src.claim(slot, gen)) {
      this.syns.reset(slot);
      this.done.reset(slot);
      this.episode.reset(slot);
    }
  }

  /**
   * A SYN (no ACK). `h` holds the address keys, `slot` the source's slot (-1 when per-source
   * tracking is off) and `gen` its generation, `distinctPorts` the ports this source probed recently,
   * `credit` its earlier SYNs not yet counted per source (see doorkeeper.ts).
   */
  onSyn(p: PacketView, h: AddrHashes, slot: number, gen: number, distinctPorts: number, emit: DetectionSink, credit = 0): void {
    const ts = p.ts;
    const srcH = h.src[0];
    const dstH = h.dst[0];
    const ports = ((p.sport << 16) | p.dport) >>> 0;
    if (!this.cache.addSyn(srcH, dstH, ports, ts, this.staleAfter)) return; // retransmission
    const s = this.s;
    const cooldown = this.d.cooldown;

    if (slot >= 0) {
      this.own(slot, gen);
      const halfOpen = this.syns.add(slot, ts, s.window, 1 + credit) - this.done.peek(slot, ts, s.window);
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
      const t = this.targetSlot(h.dst, p.dport, ts);
      this.tSources.add(t, srcH, ts, pd.window);
      const halfOpen = this.tSyns.add(t, ts, pd.window) - this.tDone.peek(t, ts, pd.window);
      if (halfOpen >= pd.threshold) {
        const sources = this.tSources.count(t);
        if (sources >= pd.min_sources && this.tEpisode.trigger(t, ts, cooldown)) {
          const n = Math.round(halfOpen);
          // The distinct estimate spans up to two windows and is approximate: never report more
          // sources than connections.
          const srcs = Math.min(sources, n);
          const target = `${bracket(p.dstString())}:${p.dport}`;
          emit(
            this.aggregate(p, 'destination', p.dstString(), p.dport,
              `SYN flood against ${target}: ${n} half-open connections from about ${srcs} distinct sources within ${pd.window} s; the sources look spoofed, so none is proposed for blocking`,
              { half_open: n, distinct_sources: srcs, window_s: pd.window, threshold: pd.threshold }),
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
        const distinctDsts = this.gDsts.count(0);
        if (distinctDsts >= g.min_destinations && this.gEpisode.trigger(0, ts, cooldown)) {
          const n = Math.round(halfOpen);
          const dsts = Math.min(distinctDsts, n);
          const srcs = Math.min(this.gSrcs.count(0), n);
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
   * A pure ACK, with the 32-bit address hashes: true when it completes a pending handshake (rare;
   * the engine then calls onCompleted and credits the source).
   */
  completes(p: PacketView, srcH: number, dstH: number): boolean {
    return this.cache.complete(srcH, dstH, ((p.sport << 16) | p.dport) >>> 0);
  }

  /** A completed handshake stops counting as half-open for its target and globally. */
  onCompleted(p: PacketView, h: AddrHashes): void {
    const ts = p.ts;
    if (this.s.per_destination.enabled) {
      const t = this.targets.find(h.dst[0], targetK2(h.dst, p.dport));
      if (t >= 0) this.tDone.add(t, ts, this.s.per_destination.window);
    }
    if (this.s.global.enabled) this.gDone.add(0, ts, this.s.global.window);
  }

  creditSource(slot: number, gen: number, ts: number): void {
    this.own(slot, gen);
    this.done.add(slot, ts, this.s.window);
  }

  private targetSlot(dst: Int32Array, dport: number, ts: number): number {
    const t = this.targets.acquire(dst[0], targetK2(dst, dport), ts);
    if (this.targets.fresh) {
      this.tSyns.reset(t);
      this.tDone.reset(t);
      this.tSources.reset(t);
      this.tEpisode.reset(t);
    }
    return t;
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

/** Target key half: the address key's second word with the port mixed in, keeping its parity (IPv4 even, IPv6 odd). */
function targetK2(dst: Int32Array, dport: number): number {
  return dst[1] ^ (dport << 1);
}

function bracket(addr: string): string {
  return addr.includes(':') ? `[${addr}]` : addr;
}
