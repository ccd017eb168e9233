// iptables + ipset command builder, the fallback where nftables is unusable.
//
// Layout: ipsets <table>-v4 / -v6 (hash:ip) and <table>-v4net / -v6net (hash:net), created with
// `timeout 0` (per-element timeouts, permanent by default) and maxelem from policy.max_blocks;
// an iptables and an ip6tables chain <TABLE> holding one `-m set --match-set <set> src -j DROP`
// rule per set, jumped to from the top of INPUT (and FORWARD). Never one rule per address.
//
// Choices worth knowing:
// - Elements change through `ipset restore -exist`: adding a present element resets its timeout,
//   deleting an absent one is not an error. ipset restore is not transactional: it applies lines
//   in order and stops at the first failure (only a missing set or a full one can fail here).
// - start() fills temporary sets and `swap`s them with the live ones, which is atomic: the live
//   sets never stand empty. The chain is rebuilt with `iptables-restore --noflush`, which
//   replaces the chain's rules in one commit. hash:net allows nested networks, so no network is
//   left out as with nft interval sets.
// - ipset timeouts stop at 2147483 s (24.8 days); a longer block is written with that and put
//   back by reconcile when the kernel drops it.

import { SHOWN_ELEMENTS, type Plan, type Step } from '../plan.js';
import type { KernelElement, Pending, Planner } from '../planner.js';
import { dedupe, remainingSeconds, type Target } from '../target.js';

export const IPSET_MAX_TIMEOUT = 2147483;

export interface IpsetLayout {
  /** Prefix of the sets and (upper-cased) name of the chain. */
  table: string;
  forward: boolean;
  /** maxelem of each set (policy.max_blocks). */
  maxElements: number;
}

type SetKey = 'v4' | 'v6' | 'v4net' | 'v6net';
const KEYS: readonly SetKey[] = ['v4', 'v6', 'v4net', 'v6net'];

/** What iptables-restore / ip6tables-restore, ipset stderr say when the thing is already gone. */
export const ALREADY_GONE = /does not exist|doesn't exist|No chain\/target\/match|Bad rule/;

function isLive(t: Target, now: number): boolean {
  return t.expiresAt === null || t.expiresAt > now;
}

export class IpsetCommands implements Planner {
  readonly format = 'iptables' as const;
  readonly chain: string;

  constructor(readonly layout: IpsetLayout) {
    this.chain = layout.table.toUpperCase();
  }

  name(key: SetKey): string {
    return `${this.layout.table}-${key}`;
  }

  /** All four set names. */
  names(): string[] {
    return KEYS.map((k) => this.name(k));
  }

  /** Temporary set a start() fills before swapping it in. */
  tempName(key: SetKey): string {
    return `${this.name(key)}-t`;
  }

  private keyOf(t: Target): SetKey {
    if (t.network) return t.family === 4 ? 'v4net' : 'v6net';
    return t.family === 4 ? 'v4' : 'v6';
  }

  setFor(t: Target): string {
    return this.name(this.keyOf(t));
  }

  /** "hash:ip family inet" etc. */
  typeOf(key: SetKey): { type: string; family: string } {
    return { type: key.endsWith('net') ? 'hash:net' : 'hash:ip', family: key.startsWith('v4') ? 'inet' : 'inet6' };
  }

  expected(wanted: readonly Target[], now: number): Target[] {
    return dedupe(wanted.filter((t) => isLive(t, now)));
  }

  private addLine(set: string, t: Target, now: number): string | undefined {
    const left = remainingSeconds(t.expiresAt, now, IPSET_MAX_TIMEOUT);
    if (left === undefined) return undefined;
    return `add ${set} ${t.text} timeout ${left ?? 0}`;
  }

  start(wanted: readonly Target[], now: number): Pending {
    const live = this.expected(wanted, now);
    const steps: Step[] = [];
    // The live sets must exist for swap and for the iptables rules; params do not matter, swap
    // brings the new ones.
    for (const key of KEYS) {
      const { type, family } = this.typeOf(key);
      steps.push({
        unless: ['ipset', 'list', '-n', this.name(key)],
        argv: ['ipset', 'create', this.name(key), type, 'family', family, 'timeout', '0', 'maxelem', String(this.layout.maxElements)],
      });
    }
    const lines: string[] = [];
    const elems: boolean[] = []; // which lines are elements, for the shortened display
    for (const key of KEYS) {
      const { type, family } = this.typeOf(key);
      const mine = live.filter((t) => this.keyOf(t) === key);
      const tmp = this.tempName(key);
      const maxelem = Math.max(this.layout.maxElements, mine.length);
      const hashsize = Math.max(1024, nextPow2(Math.ceil(mine.length / 2)));
      lines.push(`create ${tmp} ${type} family ${family} hashsize ${hashsize} timeout 0 maxelem ${maxelem}`, `flush ${tmp}`);
      elems.push(false, false);
      for (const t of mine) {
        const line = this.addLine(tmp, t, now);
        if (line !== undefined) {
          lines.push(line);
          elems.push(true);
        }
      }
      lines.push(`swap ${tmp} ${this.name(key)}`, `destroy ${tmp}`);
      elems.push(false, false);
    }
    steps.push(restoreStep(lines, elems));
    steps.push(...this.chainSteps());
    return { plan: { steps }, commit: () => undefined };
  }

  /** The chains with one rule per set, and the jumps to them. */
  private chainSteps(): Step[] {
    const steps: Step[] = [];
    for (const [tool, fam] of [
      ['iptables', 'v4'],
      ['ip6tables', 'v6'],
    ] as const) {
      const rules = [`-A ${this.chain} -m set --match-set ${this.name(fam)} src -j DROP`, `-A ${this.chain} -m set --match-set ${this.name(`${fam}net`)} src -j DROP`];
      // Declaring the chain in a --noflush restore empties it and refills it in one commit.
      steps.push({ argv: [`${tool}-restore`, '-w', '--noflush'], stdin: `*filter\n:${this.chain} - [0:0]\n${rules.join('\n')}\nCOMMIT\n` });
    }
    for (const tool of ['iptables', 'ip6tables']) {
      for (const hook of this.layout.forward ? ['INPUT', 'FORWARD'] : ['INPUT']) {
        steps.push({ unless: [tool, '-w', '-C', hook, '-j', this.chain], argv: [tool, '-w', '-I', hook, '1', '-j', this.chain] });
      }
      if (!this.layout.forward) steps.push({ argv: [tool, '-w', '-D', 'FORWARD', '-j', this.chain], tolerate: ALREADY_GONE });
    }
    return steps;
  }

  apply(add: readonly Target[], remove: readonly Target[], now: number): Pending {
    const lines: string[] = [];
    for (const t of dedupe(add)) {
      // A block that has already expired is over: it goes, as a removal does.
      lines.push(this.addLine(this.setFor(t), t, now) ?? `del ${this.setFor(t)} ${t.text}`);
    }
    for (const t of dedupe(remove)) lines.push(`del ${this.setFor(t)} ${t.text}`);
    return { plan: this.elementPlan(lines), commit: () => undefined };
  }

  repair(_wanted: readonly Target[], missing: readonly Target[], extra: readonly KernelElement[], now: number): Pending {
    const lines: string[] = [];
    for (const t of missing) {
      const line = this.addLine(this.setFor(t), t, now);
      if (line !== undefined) lines.push(line);
    }
    for (const e of extra) lines.push(`del ${e.set} ${e.text}`);
    return { plan: this.elementPlan(lines), commit: () => undefined };
  }

  stop(): Pending {
    const steps: Step[] = [];
    for (const tool of ['iptables', 'ip6tables']) {
      for (const hook of ['INPUT', 'FORWARD']) steps.push({ argv: [tool, '-w', '-D', hook, '-j', this.chain], tolerate: ALREADY_GONE });
      steps.push({ argv: [tool, '-w', '-F', this.chain], tolerate: ALREADY_GONE });
      steps.push({ argv: [tool, '-w', '-X', this.chain], tolerate: ALREADY_GONE });
    }
    // Sets can only go once no rule references them.
    for (const key of KEYS) {
      steps.push({ argv: ['ipset', 'destroy', this.name(key)], tolerate: ALREADY_GONE });
      steps.push({ argv: ['ipset', 'destroy', this.tempName(key)], tolerate: ALREADY_GONE });
    }
    return { plan: { steps }, commit: () => undefined };
  }

  private elementPlan(lines: string[]): Plan {
    if (lines.length === 0) return { steps: [] };
    return { steps: [restoreStep(lines, lines.map(() => true))] };
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** `ipset restore -exist` of the lines; the log shows the first SHOWN_ELEMENTS element lines. */
function restoreStep(lines: string[], isElem: boolean[]): Step {
  const step: Step = { argv: ['ipset', 'restore', '-exist'], stdin: lines.join('\n') + '\n' };
  const total = isElem.filter(Boolean).length;
  if (total > SHOWN_ELEMENTS) {
    const out: string[] = [];
    let shown = 0;
    let hidden = 0;
    for (let i = 0; i < lines.length; i++) {
      if (!isElem[i]) {
        if (hidden > 0) out.push(`# ... ${hidden} more elements`);
        hidden = 0;
        out.push(lines[i]);
      } else if (shown < SHOWN_ELEMENTS) {
        out.push(lines[i]);
        shown++;
      } else {
        hidden++;
      }
    }
    if (hidden > 0) out.push(`# ... ${hidden} more elements`);
    step.shownStdin = out.join('\n') + '\n';
  }
  return step;
}
