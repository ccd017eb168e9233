// Stealth scans: TCP flag sets no legitimate stack sends. tcp-null-scan (no flags),
// tcp-fin-scan (FIN alone), tcp-xmas-scan (FIN+PSH+URG without SYN/RST/ACK), tcp-invalid-flags
// (SYN+FIN, SYN+RST, FIN+RST without ACK, PSH/URG/FIN without ACK or SYN). One alert per source
// and rule per episode; ECE and CWR are ignored (ECN).

import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, type PacketView } from '../decode/packet-view.js';
import type { DetectionSink } from './detection.js';
import { EpisodeColumn, SlotRecords } from './rate-window.js';
import { sourceDetection } from './report.js';
import type { RuleSettings } from './settings.js';

export const STEALTH_NONE = 0;
export const STEALTH_NULL = 1;
export const STEALTH_FIN = 2;
export const STEALTH_XMAS = 3;
export const STEALTH_INVALID = 4;

export const STEALTH_RULE_IDS = ['', 'tcp-null-scan', 'tcp-fin-scan', 'tcp-xmas-scan', 'tcp-invalid-flags'] as const;

const FPU = TCP_FIN | TCP_PSH | TCP_URG;

/** Classifies a TCP flag byte; STEALTH_NONE for anything a real stack sends. */
export function classifyFlags(flags: number): number {
  const f = flags & 0x3f;
  if (f === 0) return STEALTH_NULL;
  if (f === TCP_FIN) return STEALTH_FIN;
  if ((f & TCP_SYN) !== 0) {
    return (f & (TCP_FIN | TCP_RST)) !== 0 ? STEALTH_INVALID : STEALTH_NONE;
  }
  if ((f & TCP_ACK) !== 0) return STEALTH_NONE;
  // No SYN, no ACK from here on.
  if ((f & TCP_RST) !== 0) return (f & TCP_FIN) !== 0 ? STEALTH_INVALID : STEALTH_NONE;
  if (f === FPU) return STEALTH_XMAS;
  return STEALTH_INVALID; // PSH/URG/FIN combinations without ACK
}

export function flagLetters(flags: number): string {
  const names = 'FSRPAUEC';
  let s = '';
  for (let i = 0; i < 8; i++) if ((flags & (1 << i)) !== 0) s += names[i];
  return s === '' ? 'none' : s;
}

const WHAT = ['', 'NULL scan probe (no TCP flags)', 'FIN scan probe', 'XMAS scan probe (FIN+PSH+URG)', 'TCP packet with an invalid flag combination'];

export class StealthDetector {
  private readonly rec: SlotRecords;
  /** One episode column per kind (index 0 unused). */
  private readonly episodes: EpisodeColumn[];

  /** `settings[kind]` for each STEALTH_* kind. */
  constructor(
    private readonly settings: readonly RuleSettings[],
    slots: number,
  ) {
    const rec = (this.rec = new SlotRecords(slots, settings.length * EpisodeColumn.FIELDS));
    this.episodes = settings.map((_, kind) => new EpisodeColumn(rec, kind * EpisodeColumn.FIELDS));
  }

  check(kind: number, slot: number, gen: number, p: PacketView, cooldown: number, emit: DetectionSink): void {
    if (this.rec.claim(slot, gen)) for (const e of this.episodes) e.reset(slot);
    const s = this.settings[kind];
    if (!s.enabled || !this.episodes[kind].trigger(slot, p.ts, cooldown)) return;
    const flags = flagLetters(p.tcpFlags);
    emit(sourceDetection(STEALTH_RULE_IDS[kind], s, p, `${WHAT[kind]} from ${p.srcString()} to ${p.dstString()}:${p.dport} (flags ${flags})`, { flags }));
  }
}
