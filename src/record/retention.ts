// Retention over the daemon's state directory: the SQLite store and the two JSONL logs, with one
// cutoff. Used by `palisade retention` and by the daemon's daily housekeeping.

import { pruneJsonl, type PruneResult } from './actions-jsonl.js';
import { statePath } from './state-files.js';
import { Store, type RetentionResult } from './store.js';

export interface RetentionReport {
  database: RetentionResult;
  alerts_jsonl: PruneResult;
  actions_jsonl: PruneResult;
}

/**
 * Deletes what is older than `days` days (0 = nothing). Uses `open` (the daemon's own store) when
 * given, else opens <stateDir>/palisade.db, which must exist.
 */
export async function applyRetention(stateDir: string, days: number, now: number, open?: Store): Promise<RetentionReport> {
  const none: PruneResult = { kept: 0, removed: 0, unparsed: 0 };
  if (!(days > 0)) return { database: { alerts: 0, actions: 0, decisions: 0 }, alerts_jsonl: none, actions_jsonl: none };
  const store = open ?? Store.open(statePath(stateDir, 'db'), { mustExist: true });
  let database: RetentionResult;
  try {
    database = store.retention(days, now);
  } finally {
    if (open === undefined) store.close();
  }
  const cutoff = now - days * 86_400;
  return {
    database,
    alerts_jsonl: await pruneJsonl(statePath(stateDir, 'alerts'), cutoff),
    actions_jsonl: await pruneJsonl(statePath(stateDir, 'actions'), cutoff),
  };
}
