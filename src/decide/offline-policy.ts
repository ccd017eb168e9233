// The decide stage for offline analysis: tallies detections per source and says which sources the
// policy would block. A source would be blocked when a block-mode rule fired for it, or when it
// collected auto_blacklist_threshold detections of any rule (seed 002) -- unless it is
// whitelisted (loopback always is). Destination- and global-scope detections name victims or
// forged addresses and never count against a source.

import { AddrSet, parseCidr } from '../decode/ip-addr.js';
import type { Detection, Severity } from '../detect/detection.js';
import { SEVERITIES } from '../detect/detection.js';
import type { PolicySettings } from '../config/defaults.js';

/** Never blocked, whatever a rule says. */
export const ALWAYS_WHITELISTED = ['127.0.0.0/8', '::1/128'];

export interface SourceVerdict {
  ip: string;
  detections: number;
  rules: string[];
  max_severity: Severity;
  would_block: boolean;
  /** Why (not) blocked, for the report. */
  why: string;
  first_seen: number;
  last_seen: number;
}

interface Tally {
  detections: number;
  rules: Set<string>;
  blockRule: string | null;
  maxSeverity: number;
  first: number;
  last: number;
}

/** Sources tallied at most: forged addresses can each raise a detection (a spoofed NULL-scan flood). */
export const MAX_TALLIED_SOURCES = 100_000;

export class OfflinePolicy {
  private readonly whitelist: AddrSet;
  private readonly tallies = new Map<string, Tally>();
  /** Detections of sources that came after the tally was full (reported, never silently lost). */
  untallied = 0;

  constructor(
    private readonly settings: PolicySettings,
    private readonly maxSources = MAX_TALLIED_SOURCES,
  ) {
    this.whitelist = new AddrSet([...ALWAYS_WHITELISTED, ...settings.whitelist].map((t) => parseCidr(t)!));
  }

  onDetection(d: Detection): void {
    if (d.scope !== 'source' || d.src === null) return;
    let t = this.tallies.get(d.src);
    if (t === undefined) {
      if (this.tallies.size >= this.maxSources) {
        this.untallied++;
        return;
      }
      t = { detections: 0, rules: new Set(), blockRule: null, maxSeverity: 0, first: d.ts, last: d.ts };
      this.tallies.set(d.src, t);
    }
    t.detections++;
    t.rules.add(d.ruleId);
    if (d.action === 'would-block' && t.blockRule === null) t.blockRule = d.ruleId;
    t.maxSeverity = Math.max(t.maxSeverity, SEVERITIES.indexOf(d.severity));
    t.first = Math.min(t.first, d.ts);
    t.last = Math.max(t.last, d.ts);
  }

  /** Sources by detections (most first), then severity, then address. */
  verdicts(): SourceVerdict[] {
    const out: SourceVerdict[] = [];
    const threshold = this.settings.auto_blacklist_threshold;
    for (const [ip, t] of this.tallies) {
      let would = false;
      let why: string;
      if (this.whitelist.hasText(ip)) why = 'whitelisted';
      else if (t.blockRule !== null) {
        would = true;
        why = `block-mode rule ${t.blockRule}`;
      } else if (t.detections >= threshold) {
        would = true;
        why = `${t.detections} detections >= auto_blacklist_threshold ${threshold}`;
      } else why = `alert-only rules, ${t.detections} of ${threshold} detections`;
      out.push({
        ip,
        detections: t.detections,
        rules: [...t.rules].sort(),
        max_severity: SEVERITIES[t.maxSeverity],
        would_block: would,
        why,
        first_seen: t.first,
        last_seen: t.last,
      });
    }
    out.sort((a, b) => b.detections - a.detections || SEVERITIES.indexOf(b.max_severity) - SEVERITIES.indexOf(a.max_severity) || a.ip.localeCompare(b.ip));
    return out;
  }
}
