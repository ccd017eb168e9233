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
import { Doorkeeper } from './doorkeeper.js';
import { FloodDetector } from './flood.js';
import { KeyedSlots, addressKey } from './keyed-slots.js';
import { EPHEMERAL_MIN, PortScanDetector } from './portscan.js';
import type { DetectSettings } from './settings.js';
import { STEALTH_NONE, StealthDetector, classifyFlags } from './stealth-scan.js';
import { SynFloodDetector, type AddrHashes } from './syn-flood.js';

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
  /** First packets of unknown sources noted without creating state (see doorkeeper.ts). */
  sources_deferred: number;
}

const CORE_FLAGS = TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN;

export class DetectEngine {
  private readonly sources: KeyedSlots;
  private readonly doorkeeper = new Doorkeeper();
  private readonly icmp: FloodDetector;
  private readonly udpFlood: FloodDetector;
  private readonly ports: PortScanDetector;
  private readonly stealth: StealthDetector;
  private readonly syn: SynFloodDetector;
  private readonly anyStealth: boolean;
  /** Slot keys of the current packet's source and destination addresses. */
  private readonly sk = new Int32Array(2);
  private readonly dk = new Int32Array(2);
  private readonly hashes: AddrHashes = { src: this.sk, dst: this.dk };
  /** Generation of the slot source() returned last. */
  private gen = 0;
  /** Packets of that source the doorkeeper noted before admitting it (0 or 1). */
  private credit = 0;

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
      sources_deferred: this.doorkeeper.deferred,
    };
  }

  /**
   * The source's slot, created when new; its generation is left in this.gen. Detectors reset their
   * state for a new generation themselves, when they first see it.
   */
  private source(p: PacketView): number {
    addressKey(p, true, this.sk);
    const slot = this.sources.acquire(this.sk[0], this.sk[1], p.ts);
    this.gen = this.sources.gen[slot];
    return slot;
  }

  /**
   * Like source(), for packets a flood can forge cheaply (SYN, UDP, echo): an unknown source's
   * first such packet gets no slot (-1), only a note in the doorkeeper.
   */
  private knownSource(p: PacketView): number {
    addressKey(p, true, this.sk);
    const k1 = this.sk[0];
    const k2 = this.sk[1];
    let slot = this.sources.find(k1, k2);
    this.credit = 0;
    if (slot < 0) {
      if (!this.doorkeeper.seen(k1, k2)) return -1;
      slot = this.sources.acquire(k1, k2, p.ts);
      this.credit = 1;
    } else this.sources.touch(slot, p.ts);
    this.gen = this.sources.gen[slot];
    return slot;
  }

  private tcp(p: PacketView): void {
    const s = this.s;
    const flags = p.tcpFlags;
    const core = flags & CORE_FLAGS;
    if (core === TCP_ACK) {
      // The bulk of TCP: only a handshake completion matters here (one cache probe; IPv4 needs no key).
      if (!s.syn_flood.enabled) return;
      const h = p.ipVersion === 4 ? null : this.addrHashes(p);
      if (!this.syn.completes(p, h === null ? p.src4 : h.src[0], h === null ? p.dst4 : h.dst[0])) return;
      this.syn.onCompleted(p, h ?? this.addrHashes(p));
      const slot = this.sources.find(this.sk[0], this.sk[1]);
      if (slot >= 0) this.syn.creditSource(slot, this.sources.gen[slot], p.ts);
      return;
    }
    const kind = classifyFlags(flags);
    if (kind !== STEALTH_NONE) {
      if (!this.anyStealth && !s.port_scan.enabled) return;
      const slot = this.source(p);
      this.stealth.check(kind, slot, this.gen, p, s.cooldown, this.emit);
      this.ports.check(slot, this.gen, p, s.cooldown, this.emit);
      return;
    }
    if (core !== TCP_SYN || (!s.syn_flood.enabled && !s.port_scan.enabled)) return;
    const slot = this.knownSource(p);
    const distinct = slot < 0 ? 1 : this.ports.check(slot, this.gen, p, s.cooldown, this.emit);
    if (!s.syn_flood.enabled) return;
    addressKey(p, false, this.dk); // knownSource() filled the source key
    this.syn.onSyn(p, this.hashes, slot, this.gen, distinct, this.emit, this.credit);
  }

  private udp(p: PacketView): void {
    const s = this.s;
    const probe = p.sport >= EPHEMERAL_MIN && s.port_scan.enabled;
    if (!probe && !s.udp_flood.enabled) return;
    const slot = this.knownSource(p);
    if (slot < 0) return;
    if (s.udp_flood.enabled) this.udpFlood.check(slot, this.gen, p, s.cooldown, this.emit, this.credit);
    if (probe) this.ports.check(slot, this.gen, p, s.cooldown, this.emit);
  }

  private icmpEcho(p: PacketView): void {
    if (!this.s.icmp_flood.enabled) return;
    const slot = this.knownSource(p);
    if (slot >= 0) this.icmp.check(slot, this.gen, p, this.s.cooldown, this.emit, this.credit);
  }

  /** Source and destination slot keys in this.sk / this.dk; the first words are the 32-bit hashes the handshake cache uses. */
  private addrHashes(p: PacketView): AddrHashes {
    addressKey(p, true, this.sk);
    addressKey(p, false, this.dk);
    return this.hashes;
  }
}
