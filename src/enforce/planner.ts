// The command builder each backend format provides (nftables, iptables + ipset). It turns block
// entries into a Plan and keeps whatever it must remember about what it wrote; the real backends
// and the dry-run backend share the same builder, so their command text is the same.

import type { Plan } from './plan.js';
import type { Target } from './target.js';

export type CommandFormat = 'nftables' | 'iptables' | 'xdp';

/** One element as found in (or expected in) a kernel set. */
export interface KernelElement {
  /** Set name as the tool knows it ("v4net", "palisade-v4net"). */
  set: string;
  /** Canonical text ("198.51.100.0/24"); a foreign range as "a-b". */
  text: string;
}

/** A plan and what to remember once it ran without error. */
export interface Pending {
  plan: Plan;
  commit(): void;
}

export interface Planner {
  readonly format: CommandFormat;
  /** Kernel set that holds this target. */
  setFor(t: Target): string;
  /** What the kernel should hold for `wanted` at `now` (live entries, as the format stores them). */
  expected(wanted: readonly Target[], now: number): Target[];
  /** Creates or atomically replaces Palisade's tables/chains/sets with exactly `wanted`. */
  start(wanted: readonly Target[], now: number): Pending;
  /** One batch: adds, then removes (an add that has already expired counts as a remove). */
  apply(add: readonly Target[], remove: readonly Target[], now: number): Pending;
  /** Puts back `missing` and removes `extra` found by a drift check against `wanted`. */
  repair(wanted: readonly Target[], missing: readonly Target[], extra: readonly KernelElement[], now: number): Pending;
  /** Removes everything of Palisade's; removing what is already gone is not an error. */
  stop(): Pending;
}
