// Counts of detections for a run's summary (analyze, replay, monitor, live): by rule, by severity,
// and the destination/global-scope ones kept whole (bounded) because they name no blockable source.

import type { Detection } from '../detect/detection.js';

/** Aggregate detections kept for the report (each is still counted). */
export const MAX_AGGREGATES = 10_000;

export class AlertTally {
  alerts = 0;
  readonly byRule: Record<string, number> = {};
  readonly bySeverity: Record<string, number> = {};
  readonly aggregates: Detection[] = [];
  /** Aggregate detections left out because the list was full. */
  aggregatesDropped = 0;

  add(d: Detection): void {
    this.alerts++;
    this.byRule[d.ruleId] = (this.byRule[d.ruleId] ?? 0) + 1;
    this.bySeverity[d.severity] = (this.bySeverity[d.severity] ?? 0) + 1;
    if (d.scope !== 'source') {
      if (this.aggregates.length < MAX_AGGREGATES) this.aggregates.push(d);
      else this.aggregatesDropped++;
    }
  }
}
