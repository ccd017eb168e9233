// icmp-flood and udp-flood: packets per second from one source, over a sliding window.

import type { PacketView } from '../decode/packet-view.js';
import type { DetectionSink } from './detection.js';
import { EpisodeColumn, RateColumns, SlotRecords } from './rate-window.js';
import { sourceDetection } from './report.js';
import type { RateRuleSettings } from './settings.js';

export class FloodDetector {
  private readonly rec: SlotRecords;
  private readonly rate: RateColumns;
  private readonly episode: EpisodeColumn;

  /** `what` names the packets in the reason ("ICMP echo", "UDP"). */
  constructor(
    readonly ruleId: string,
    private readonly what: string,
    private readonly s: RateRuleSettings,
    slots: number,
  ) {
    const rec = (this.rec = new SlotRecords(slots, RateColumns.FIELDS + EpisodeColumn.FIELDS));
    this.rate = new RateColumns(rec, 0);
    this.episode = new EpisodeColumn(rec, RateColumns.FIELDS);
  }

  /**
   * Counts one packet of source `slot` (whose key has generation `gen`), plus `credit` earlier ones
   * (see doorkeeper.ts); alerts once per episode when the rate reaches the threshold.
   */
  check(slot: number, gen: number, p: PacketView, cooldown: number, emit: DetectionSink, credit = 0): void {
    if (this.rec.claim(slot, gen)) {
      this.rate.reset(slot);
      this.episode.reset(slot);
    }
    const s = this.s;
    const n = this.rate.add(slot, p.ts, s.window, 1 + credit);
    if (n < s.threshold * s.window || !this.episode.trigger(slot, p.ts, cooldown)) return;
    const pps = Math.round(n / s.window);
    emit(
      sourceDetection(this.ruleId, s, p, `${this.what} flood: ${pps}/s from ${p.srcString()} to ${p.dstString()} (threshold ${s.threshold}/s)`, {
        rate_pps: pps,
        count: Math.round(n),
        window_s: s.window,
        threshold_pps: s.threshold,
      }),
    );
  }
}
