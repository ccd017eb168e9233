// Builds Detection records for the stateful detectors (allocation happens only here, on alert).

import type { PacketView } from '../decode/packet-view.js';
import type { Detection, EvidenceValue } from './detection.js';
import type { RuleSettings } from './settings.js';

/** A detection about the packet's source, for any rule (stateful or signature). */
export function sourceDetection(
  ruleId: string,
  s: Pick<RuleSettings, 'severity' | 'mode'>,
  p: PacketView,
  reason: string,
  evidence: Record<string, EvidenceValue>,
): Detection {
  const hasPorts = p.l4Off >= 0 && (p.proto === 6 || p.proto === 17);
  return {
    ruleId,
    severity: s.severity,
    action: s.mode === 'block' ? 'would-block' : 'alert',
    scope: 'source',
    ts: p.ts,
    src: p.srcString(),
    dst: p.dstString(),
    sport: hasPorts ? p.sport : null,
    dport: hasPorts ? p.dport : null,
    proto: p.protoName(),
    reason,
    evidence,
    packet: p.index,
  };
}
