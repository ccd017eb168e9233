// What the detect stage hands on: one small record per detection.

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];

/** A rule's mode: alert only, or propose blocking the source. */
export type RuleMode = 'alert' | 'block';

/** 'would-block' means the rule is in block mode; the decide stage makes the final call. */
export type DetectionAction = 'alert' | 'would-block';

/**
 * Whom a detection is about: a source address (blockable), a destination under attack from many
 * (likely spoofed) sources, or the whole link. Only 'source' detections propose a block.
 */
export type DetectionScope = 'source' | 'destination' | 'global';

export type EvidenceValue = string | number | boolean | readonly (string | number)[];

export interface Detection {
  ruleId: string;
  severity: Severity;
  action: DetectionAction;
  scope: DetectionScope;
  /** Event time (seconds since the epoch) of the packet or line that triggered it. */
  ts: number;
  src: string | null;
  dst: string | null;
  sport: number | null;
  dport: number | null;
  proto: string;
  /** Human reason, one sentence. */
  reason: string;
  /** Counts, window, matched text and similar facts behind the reason. */
  evidence: Record<string, EvidenceValue>;
  /** 1-based packet number (or line number) in its input, 0 when not tied to one. */
  packet: number;
}

export type DetectionSink = (d: Detection) => void;
