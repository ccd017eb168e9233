// The enforce stage's contract: keep the kernel's set of blocked addresses/networks equal to the
// decision store's. Backends: nftables (default), iptables + ipset (fallback), xdp (the XDP
// guard's maps), dry-run.
// Every target is validated (parseCidr) before it reaches a command; commands are argument arrays
// or stdin batches, never shell strings.

import type { BlockEntry } from '../decide/decision.js';

export type BackendName = 'nftables' | 'iptables' | 'xdp' | 'dry-run';

/** What a batch did, for the action log: the exact command text, and whether it ran. */
export interface EnforceResult {
  /** Human-readable exact commands, e.g. "nft -f - <<< 'add element inet palisade v4 { 1.2.3.4 timeout 3600s }'". */
  commands: string[];
  executed: boolean;
  /** Error of a failed batch (the batch is atomic: nothing of it applied), else null. */
  error: string | null;
}

export interface DriftReport {
  /** Targets the store has and the kernel lacked (re-added). */
  missing: string[];
  /** Targets the kernel had and the store does not (removed). */
  extra: string[];
  /** Palisade's table/chains had to be recreated. */
  recreated: boolean;
}

export interface Enforcer {
  readonly name: BackendName;
  /** Creates Palisade's table/chains/sets (idempotent) and makes their content exactly `entries`. */
  start(entries: readonly BlockEntry[]): Promise<EnforceResult>;
  /** One atomic batch: adds then removes. Remaining TTL comes from each entry's expiresAt. */
  apply(add: readonly BlockEntry[], remove: readonly BlockEntry[]): Promise<EnforceResult>;
  /** Compares the kernel with `entries` and repairs any difference. */
  reconcile(entries: readonly BlockEntry[]): Promise<DriftReport>;
  /** Targets currently in the kernel sets (for tests, drift checks and `status`). */
  list(): Promise<string[]>;
  /** Removes everything Palisade added (table, chains, sets) when `remove`; else leaves it. */
  stop(remove: boolean): Promise<void>;
  /** Packets and bytes Palisade's drop rules have counted (kernel backends; absent for dry-run). */
  drops?(): Promise<{ packets: number; bytes: number }>;
  /** Kernel-side counters a backend keeps beyond drops (xdp: per-reason counters and the sources
   * sending the most SYNs and ICMP packets through the guard), for `palisade stats`. */
  kernelStats?(top: number): Promise<Record<string, unknown>>;
  /** Backends that check a whitelist in the kernel (xdp) take the policy's whitelist here. */
  setWhitelist?(cidrs: readonly string[]): Promise<void>;
}
