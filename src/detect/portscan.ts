// port-scan: distinct destination ports probed by one source within a window. Probes are TCP
// packets that open or poke a connection (SYN, and the NULL/FIN/XMAS/invalid stealth probes) and
// UDP packets sent from an ephemeral port (a client); UDP replies from a service port (DNS, NTP)
// to many client ports are not probes.

import type { PacketView } from '../decode/packet-view.js';
import type { DetectionSink } from './detection.js';
import { DistinctColumns, EpisodeColumn, SlotRecords } from './rate-window.js';
import { sourceDetection } from './report.js';
import type { PortScanSettings } from './settings.js';

export const PORT_SCAN = 'port-scan';

/** First port of the ephemeral range as most stacks use it (Linux starts at 32768, BSD/Windows 49152; 1024 is the classic bound). */
export const EPHEMERAL_MIN = 1024;

export class PortScanDetector {
  private readonly rec: SlotRecords;
  private readonly ports: DistinctColumns;
  private readonly episode: EpisodeColumn;

  constructor(
    private readonly s: PortScanSettings,
    slots: number,
  ) {
    // Bitmaps only for sources past four ports: one in eight sources is plenty, and bounded.
    const rec = (this.rec = new SlotRecords(slots, DistinctColumns.FIELDS + EpisodeColumn.FIELDS));
    this.ports = new DistinctColumns(rec, 0, Math.max(64, slots >> 3));
    this.episode = new EpisodeColumn(rec, DistinctColumns.FIELDS);
  }

  get bitmapEvictions(): number {
    return this.ports.poolEvictions;
  }

  /** Records a probe from source `slot` (generation `gen`); returns the estimated distinct ports probed in the window. */
  check(slot: number, gen: number, p: PacketView, cooldown: number, emit: DetectionSink): number {
    if (this.rec.claim(slot, gen)) {
      this.ports.reset(slot);
      this.episode.reset(slot);
    }
    const s = this.s;
    this.ports.add(slot, p.dport, p.ts, s.window);
    const distinct = this.ports.count(slot);
    if (s.enabled && distinct >= s.threshold && this.episode.trigger(slot, p.ts, cooldown)) {
      const ports = this.ports.recent(slot);
      const kind = p.proto === 17 ? 'UDP' : 'TCP';
      emit(
        sourceDetection(
          PORT_SCAN,
          s,
          p,
          `Port scan: ${p.srcString()} probed ${distinct} distinct ${kind} ports of ${p.dstString()} within ${s.window} s (threshold ${s.threshold}); latest: ${ports.join(', ')}`,
          { distinct_ports: distinct, window_s: s.window, threshold: s.threshold, ports },
        ),
      );
    }
    return distinct;
  }
}
