// What the xdp backend does, as text: one readable line per map change ("xdp veth0: add
// 203.0.113.9"), the same for the real backend's action log and for dry-run. The lines are Plan
// steps so the dry-run backend shows them like any other format; they are never run as commands
// (the real backend changes the maps through the addon). The maps hold no timeouts: an entry stays
// until the daemon lifts it (its expiry timer calls apply with the entry in `remove`).

import type { XdpMode } from '../../kernel/xdp-guard.js';
import { SHOWN_ELEMENTS, type Plan, type Step } from '../plan.js';
import type { KernelElement, Pending, Planner } from '../planner.js';
import { dedupe, type Target } from '../target.js';

/** The guard's map that holds `t`: hash maps for single addresses, LPM tries for networks. */
export function xdpMapFor(t: Pick<Target, 'family' | 'network'>): string {
  if (t.family === 4) return t.network ? 'net_v4' : 'blk_v4';
  return t.network ? 'net_v6' : 'blk_v6';
}

/** Not yet expired at `now` (permanent entries always). */
export function isLive(t: Target, now: number): boolean {
  return t.expiresAt === null || t.expiresAt > now;
}

/** What one batch does to every guard's maps. */
export interface XdpOps {
  add: Target[];
  remove: Target[];
}

export class XdpPlanner implements Planner {
  readonly format = 'xdp' as const;

  constructor(
    readonly interfaces: readonly string[],
    readonly mode: XdpMode,
  ) {}

  setFor(t: Target): string {
    return xdpMapFor(t);
  }

  /**
   * The maps hold every entry until the daemon lifts it, expired or not (drift's grace period
   * covers the gap). Not de-duplicated here: diffKernel keys what it gets (the last one wins).
   */
  expected(wanted: readonly Target[], _now: number): Target[] {
    return wanted as Target[];
  }

  /** start: the maps get exactly the live entries (duplicates are merged by the guard, per map). */
  startOps(wanted: readonly Target[], now: number): Target[] {
    return wanted.filter((t) => isLive(t, now));
  }

  /** apply: adds then removes; an add that has already expired counts as a remove. */
  applyOps(add: readonly Target[], remove: readonly Target[], now: number): XdpOps {
    const live: Target[] = [];
    const gone: Target[] = [...remove];
    for (const t of dedupe(add)) (isLive(t, now) ? live : gone).push(t);
    return { add: live, remove: dedupe(gone) };
  }

  start(wanted: readonly Target[], now: number): Pending {
    return this.startPlan(this.startOps(wanted, now));
  }

  /** The text of a start that loads `live` (from startOps). */
  startPlan(live: readonly Target[]): Pending {
    const steps: Step[] = [];
    for (const ifc of this.interfaces) {
      steps.push(line(ifc, 'attach', 'xdp_guard', 'mode', this.mode));
      steps.push(line(ifc, 'set', 'blocks', 'to', String(live.length), live.length === 1 ? 'entry' : 'entries'));
      steps.push(...this.elementLines(ifc, 'add', live));
    }
    return done(steps);
  }

  apply(add: readonly Target[], remove: readonly Target[], now: number): Pending {
    return this.opsPlan(this.applyOps(add, remove, now));
  }

  /** Puts back `missing` and removes `extra` (map entries found by a drift check). */
  repair(_wanted: readonly Target[], missing: readonly Target[], extra: readonly KernelElement[], _now: number): Pending {
    const steps: Step[] = [];
    for (const ifc of this.interfaces) {
      steps.push(...this.elementLines(ifc, 'add', missing));
      steps.push(...shown(extra, (e) => e.text).map((text) => line(ifc, 'remove', ...text)));
    }
    return done(steps);
  }

  opsPlan(ops: XdpOps): Pending {
    const steps: Step[] = [];
    for (const ifc of this.interfaces) {
      steps.push(...this.elementLines(ifc, 'add', ops.add));
      steps.push(...this.elementLines(ifc, 'remove', ops.remove));
    }
    return done(steps);
  }

  stop(): Pending {
    return done(this.interfaces.map((ifc) => line(ifc, 'detach')));
  }

  private elementLines(ifc: string, verb: 'add' | 'remove', targets: readonly Target[]): Step[] {
    return shown(targets, (t) => t.text).map((text) => line(ifc, verb, ...text));
  }
}

/** At most SHOWN_ELEMENTS lines, then "+N more". */
function shown<T>(items: readonly T[], text: (t: T) => string): string[][] {
  const out = items.slice(0, SHOWN_ELEMENTS).map((t) => [text(t)]);
  if (items.length > SHOWN_ELEMENTS) out.push([`+${items.length - SHOWN_ELEMENTS}`, 'more']);
  return out;
}

/** A display line shaped as argv ("xdp", "veth0:", verb, ...) so showPlan renders it verbatim. */
function line(ifc: string, ...words: string[]): Step {
  return { argv: ['xdp', `${ifc}:`, ...words] };
}

function done(steps: Step[]): Pending {
  const plan: Plan = { steps };
  return { plan, commit() {} };
}
