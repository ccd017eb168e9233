// The detect stage: routes each decoded packet to the stateful detectors and the signature
// engine. Per-source state lives in one bounded slot table keyed by the address (IPv4 as a number,
// IPv6 as a 64-bit fingerprint), with each detector's state in typed-array columns by slot; it is
// looked up only for packets a detector cares about (SYNs, stealth probes, handshake completions,
// UDP, ICMP echo), so established-connection traffic costs a flag test and a cache probe.

import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  type PacketView,
} from '../decode/packet-view.js';
import type { DetectionSink } from './detection.js';
import { FloodDetector } from './flood.js';
import { KeyedSlots, ipv6Fingerprint } from './keyed-slots.js';
import { EPHEMERAL_MIN, PortScanDetector } from './portscan.js';
import type { DetectSettings } from './settings.js';
import { STEALTH_NONE, StealthDetector, classifyFlags } from './stealth-scan.js';
import { SynFloodDetector } from './syn-flood.js';

/** Anything else that looks at packets (the signature engine). */
export interface PacketDetector {
  onPacket(p: PacketView, emit: DetectionSink): void;
}

export interface DetectCounters {
  sources_tracked: number;
  source_evictions: number;
  targets_tracked: number;
  target_evictions: number;
  handshake_evictions: number;
  port_bitmap_evictions: number;
}

const CORE_FLAGS = TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN;

export class DetectEngine {
  private readonly sources: KeyedSlots;
  private readonly icmp: FloodDetector;
  private readonly udpFlood: FloodDetector;
  private readonly ports: PortScanDetector;
  private readonly stealth: StealthDetector;
  private readonly syn: SynFloodDetector;
  private readonly anyStealth: boolean;
  /** IPv6 fingerprints of the current packet's source and destination. */
  private readonly fp = new Int32Array(2);
  private readonly dfp = new Int32Array(2);

  constructor(
    private readonly s: DetectSettings,
    private readonly emit: DetectionSink,
    private readonly extra: readonly PacketDetector[] = [],
  ) {
    const n = s.max_sources;
    this.sources = new KeyedSlots(n);
    this.icmp = new FloodDetector('icmp-flood', 'ICMP echo', s.icmp_flood, n);
    this.udpFlood = new FloodDetector('udp-flood', 'UDP', s.udp_flood, n);
    this.ports = new PortScanDetector(s.port_scan, n);
    const stealth = [s.tcp_null_scan, s.tcp_null_scan, s.tcp_fin_scan, s.tcp_xmas_scan, s.tcp_invalid_flags];
    this.stealth = new StealthDetector(stealth, n);
    this.anyStealth = stealth.some((r) => r.enabled);
    this.syn = new SynFloodDetector(s.syn_flood, s, n);
  }

  onPacket(p: PacketView): void {
    if (p.ipVersion !== 0 && p.l4Off >= 0) {
      switch (p.proto) {
        case IPPROTO_TCP:
          this.tcp(p);
          break;
        case IPPROTO_UDP:
          this.udp(p);
          break;
        case IPPROTO_ICMP:
          if (p.icmpType === 8) this.icmpEcho(p);
          break;
        case IPPROTO_ICMPV6:
          if (p.icmpType === 128) this.icmpEcho(p);
          break;
      }
    }
    const extra = this.extra;
    for (let i = 0; i < extra.length; i++) extra[i].onPacket(p, this.emit);
  }

  counters(): DetectCounters {
    return {
      sources_tracked: this.sources.size,
      source_evictions: this.sources.evictions,
      targets_tracked: this.syn.targetCount,
      target_evictions: this.syn.targetEvictions,
      handshake_evictions: this.syn.handshakeEvictions,
      port_bitmap_evictions: this.ports.bitmapEvictions,
    };
  }

  /** The source's slot, created (and every detector's state for it reset) when new. */
  private source(p: PacketView): number {
    let slot: number;
    if (p.ipVersion === 4) slot = this.sources.acquire(p.src4 | 0, 0, p.ts);
    else {
      ipv6Fingerprint(p.buf, p.srcOff, this.fp);
      slot = this.sources.acquire(this.fp[0], this.fp[1], p.ts);
    }
    if (this.sources.fresh) {
      this.icmp.reset(slot);
      this.udpFlood.reset(slot);
      this.ports.reset(slot);
      this.stealth.reset(slot);
      this.syn.reset(slot);
    }
    return slot;
  }

  private tcp(p: PacketView): void {
    const s = this.s;
    const flags = p.tcpFlags;
    const core = flags & CORE_FLAGS;
    if (core === TCP_ACK) {
      // The bulk of TCP: only a handshake completion matters here.
      if (s.syn_flood.enabled && this.syn.onAck(p, this.srcHash(p), this.dstHash(p))) {
        const slot = p.ipVersion === 4 ? this.sources.find(p.src4 | 0, 0) : this.sources.find(this.fp[0], this.fp[1]);
        if (slot >= 0) this.syn.creditSource(slot, p.ts);
      }
      return;
    }
    const kind = classifyFlags(flags);
    if (kind !== STEALTH_NONE) {
      if (!this.anyStealth && !s.port_scan.enabled) return;
      const slot = this.source(p);
      this.stealth.check(kind, slot, p, s.cooldown, this.emit);
      this.ports.check(slot, p, s.cooldown, this.emit);
      return;
    }
    if (core !== TCP_SYN || (!s.syn_flood.enabled && !s.port_scan.enabled)) return;
    const slot = this.source(p);
    const distinct = this.ports.check(slot, p, s.cooldown, this.emit);
    if (s.syn_flood.enabled) this.syn.onSyn(p, this.srcHash(p), this.dstHash(p), slot, distinct, this.emit);
  }

  private udp(p: PacketView): void {
    const s = this.s;
    const probe = p.sport >= EPHEMERAL_MIN && s.port_scan.enabled;
    if (!probe && !s.udp_flood.enabled) return;
    const slot = this.source(p);
    if (s.udp_flood.enabled) this.udpFlood.check(slot, p, s.cooldown, this.emit);
    if (probe) this.ports.check(slot, p, s.cooldown, this.emit);
  }

  private icmpEcho(p: PacketView): void {
    if (!this.s.icmp_flood.enabled) return;
    this.icmp.check(this.source(p), p, this.s.cooldown, this.emit);
  }

  /** 32-bit source hash for the handshake cache (IPv6: also leaves the fingerprint in this.fp). */
  private srcHash(p: PacketView): number {
    if (p.ipVersion === 4) return p.src4;
    ipv6Fingerprint(p.buf, p.srcOff, this.fp);
    return this.fp[0];
  }

  private dstHash(p: PacketView): number {
    if (p.ipVersion === 4) return p.dst4;
    ipv6Fingerprint(p.buf, p.dstOff, this.dfp);
    return this.dfp[0];
  }
}
