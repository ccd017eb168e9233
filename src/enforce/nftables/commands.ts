// nftables command builder: every change is one `nft -f -` batch, which nft commits as one
// kernel transaction (all of it or nothing).
//
// Layout: table `inet <table>` with plain hash sets v4/v6 for single addresses (no interval flag:
// adding one element to an interval set of 100k takes over a second), small interval sets
// v4net/v6net for networks, chains input (and forward) at priority filter - 10 dropping sources
// in any set, with counters.
//
// Choices worth knowing:
// - Removing: nft 1.0.6 has no `destroy element`, and `delete element` of an absent element fails
//   the whole batch. So a removal is `add` then `delete` of the same element in the batch: the add
//   makes it present whatever the kernel held, the delete removes it, and the batch cannot fail on
//   an element that expired or was deleted behind our back.
// - Re-adding a present single address with another expiry: kernels before 6.10 keep the old
//   timeout on `add`, so such an element is added, deleted and added again with its new timeout.
//   The builder remembers what it wrote (bounded by the blocks it was given, swept of expired
//   ones) to know when that is needed.
// - Networks: an interval set refuses overlapping elements (10.0.0.0/8 and 10.1.0.0/16), and nft
//   checks overlaps against the kernel's content without regard to deletes earlier in the batch.
//   A network covered by a wider blocked one is therefore not written (the wider one drops its
//   traffic), and any change to a family's networks rewrites that small set whole (flush + add in
//   the same transaction, so there is no moment without the networks). If the wider network
//   expires first, the narrower one returns at the next apply or reconcile.

import { SHOWN_ELEMENTS, type Plan, type Step } from '../plan.js';
import type { KernelElement, Pending, Planner } from '../planner.js';
import { dedupe, outermostNetworks, remainingSeconds, type Target } from '../target.js';

/** Longest timeout written (10 years); a longer block is put back by reconcile. */
export const NFT_MAX_TIMEOUT = 3650 * 86400;
/** Elements per `add element` statement; all statements still form one transaction. */
export const NFT_CHUNK = 4096;

export interface NftablesLayout {
  /** Table name (config enforce.table). */
  table: string;
  /** Also a forward chain. */
  forward: boolean;
}

export const NFT_SETS = { v4: 'v4', v6: 'v6', v4net: 'v4net', v6net: 'v6net' } as const;

/** One nft statement; with `elems` it is `head { e1, e2, ... }`, split into chunks. */
interface Statement {
  head: string;
  elems?: string[];
}

/** "3600s", or days-hours-minutes-seconds above what nft parses as plain seconds. */
export function nftDuration(seconds: number): string {
  if (seconds < 4_000_000) return `${seconds}s`;
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${d}d${h}h${m}m${s}s`;
}

function element(t: Target, now: number): string | undefined {
  const left = remainingSeconds(t.expiresAt, now, NFT_MAX_TIMEOUT);
  if (left === undefined) return undefined;
  return left === null ? t.text : `${t.text} timeout ${nftDuration(left)}`;
}

function isLive(t: Target, now: number): boolean {
  return t.expiresAt === null || t.expiresAt > now;
}

export class NftablesCommands implements Planner {
  readonly format = 'nftables' as const;
  /** Single addresses written and their expiry (to know when a re-add must change a timeout). */
  private singles = new Map<string, number | null>();
  /** Networks blocked, including ones covered by a wider network and so not in the kernel. */
  private nets = new Map<string, Target>();
  private sweepAt = 1024;

  constructor(readonly layout: NftablesLayout) {}

  private get family(): string {
    return `inet ${this.layout.table}`;
  }

  setFor(t: Target): string {
    if (t.network) return t.family === 4 ? NFT_SETS.v4net : NFT_SETS.v6net;
    return t.family === 4 ? NFT_SETS.v4 : NFT_SETS.v6;
  }

  expected(wanted: readonly Target[], now: number): Target[] {
    const live = dedupe(wanted.filter((t) => isLive(t, now)));
    return [...live.filter((t) => !t.network), ...outermostNetworks(live.filter((t) => t.network))];
  }

  /** The table with its sets and chains, empty. */
  definition(): string {
    const { table, forward } = this.layout;
    const sets = [
      `\tset ${NFT_SETS.v4} {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t}`,
      `\tset ${NFT_SETS.v6} {\n\t\ttype ipv6_addr\n\t\tflags timeout\n\t}`,
      `\tset ${NFT_SETS.v4net} {\n\t\ttype ipv4_addr\n\t\tflags interval,timeout\n\t}`,
      `\tset ${NFT_SETS.v6net} {\n\t\ttype ipv6_addr\n\t\tflags interval,timeout\n\t}`,
    ];
    const rules =
      `\t\tip saddr @${NFT_SETS.v4} counter drop\n` +
      `\t\tip saddr @${NFT_SETS.v4net} counter drop\n` +
      `\t\tip6 saddr @${NFT_SETS.v6} counter drop\n` +
      `\t\tip6 saddr @${NFT_SETS.v6net} counter drop\n`;
    const chain = (name: string) => `\tchain ${name} {\n\t\ttype filter hook ${name} priority filter - 10; policy accept;\n${rules}\t}`;
    const chains = forward ? [chain('input'), chain('forward')] : [chain('input')];
    return `table inet ${table} {\n${[...sets, ...chains].join('\n')}\n}`;
  }

  private addStmt(set: string, elems: string[]): Statement {
    return { head: `add element ${this.family} ${set}`, elems };
  }

  private delStmt(set: string, elems: string[]): Statement {
    return { head: `delete element ${this.family} ${set}`, elems };
  }

  /** flush + add of a family's networks: the whole small set, in the same transaction. */
  private rewriteNets(family: 4 | 6, nets: Iterable<Target>, now: number): Statement[] {
    const set = family === 4 ? NFT_SETS.v4net : NFT_SETS.v6net;
    const mine = [...nets].filter((t) => t.family === family && isLive(t, now));
    const elems = outermostNetworks(mine)
      .map((t) => element(t, now))
      .filter((e): e is string => e !== undefined);
    return [{ head: `flush set ${this.family} ${set}` }, this.addStmt(set, elems)];
  }

  start(wanted: readonly Target[], now: number): Pending {
    const live = dedupe(wanted.filter((t) => isLive(t, now)));
    const singles = live.filter((t) => !t.network);
    const nets = live.filter((t) => t.network);
    const stmts: Statement[] = [
      // add + delete + define in one transaction: replaces an existing table without a moment
      // unprotected, and works whether or not it existed.
      { head: `add table ${this.family}` },
      { head: `delete table ${this.family}` },
      { head: this.definition() },
    ];
    for (const fam of [4, 6] as const) {
      const elems = singles
        .filter((t) => t.family === fam)
        .map((t) => element(t, now))
        .filter((e): e is string => e !== undefined);
      stmts.push(this.addStmt(fam === 4 ? NFT_SETS.v4 : NFT_SETS.v6, elems));
    }
    for (const fam of [4, 6] as const) {
      const elems = outermostNetworks(nets.filter((t) => t.family === fam))
        .map((t) => element(t, now))
        .filter((e): e is string => e !== undefined);
      stmts.push(this.addStmt(fam === 4 ? NFT_SETS.v4net : NFT_SETS.v6net, elems));
    }
    return {
      plan: this.plan(stmts),
      commit: () => {
        this.singles = new Map(singles.map((t) => [t.text, t.expiresAt]));
        this.nets = new Map(nets.map((t) => [t.text, t]));
        this.sweepAt = Math.max(1024, 2 * this.singles.size);
      },
    };
  }

  apply(add: readonly Target[], remove: readonly Target[], now: number): Pending {
    // Per single-address set: plain adds, re-adds with a new timeout, removals.
    const plain = { v4: [] as string[], v6: [] as string[] };
    const readd = { v4: [] as Target[], v6: [] as Target[] };
    const gone = { v4: [] as string[], v6: [] as string[] };
    const singleChanges = new Map<string, number | null | undefined>(); // undefined = removed
    const netChanges = new Map<string, Target | undefined>();
    const netFamilies = new Set<4 | 6>();
    const known = (text: string): number | null | undefined =>
      singleChanges.has(text) ? singleChanges.get(text) : this.singles.get(text);
    const removeSingle = (t: Target): void => {
      gone[t.family === 4 ? 'v4' : 'v6'].push(t.text);
      singleChanges.set(t.text, undefined);
    };

    for (const t of dedupe(add)) {
      if (t.network) {
        netFamilies.add(t.family);
        netChanges.set(t.text, isLive(t, now) ? t : undefined);
        continue;
      }
      // A block that has already expired is over: it goes, as a removal does.
      if (!isLive(t, now)) {
        removeSingle(t);
        continue;
      }
      const key = t.family === 4 ? 'v4' : 'v6';
      const prev = known(t.text);
      if (prev !== undefined && prev !== t.expiresAt) readd[key].push(t);
      else plain[key].push(element(t, now)!);
      singleChanges.set(t.text, t.expiresAt);
    }
    for (const t of dedupe(remove)) {
      if (t.network) {
        netFamilies.add(t.family);
        netChanges.set(t.text, undefined);
      } else {
        removeSingle(t);
      }
    }

    const stmts: Statement[] = [];
    for (const key of ['v4', 'v6'] as const) {
      const set = NFT_SETS[key];
      stmts.push(this.addStmt(set, plain[key]));
      const re = readd[key];
      if (re.length > 0) {
        stmts.push(this.addStmt(set, re.map((t) => t.text)));
        stmts.push(this.delStmt(set, re.map((t) => t.text)));
        stmts.push(this.addStmt(set, re.map((t) => element(t, now)!)));
      }
      if (gone[key].length > 0) {
        stmts.push(this.addStmt(set, gone[key]));
        stmts.push(this.delStmt(set, gone[key]));
      }
    }
    let nextNets: Map<string, Target> | null = null;
    if (netFamilies.size > 0) {
      nextNets = new Map(this.nets);
      for (const [text, t] of netChanges) {
        if (t === undefined) nextNets.delete(text);
        else nextNets.set(text, t);
      }
      for (const fam of [4, 6] as const) if (netFamilies.has(fam)) stmts.push(...this.rewriteNets(fam, nextNets.values(), now));
    }
    return {
      plan: this.plan(stmts),
      commit: () => {
        for (const [text, exp] of singleChanges) {
          if (exp === undefined) this.singles.delete(text);
          else this.singles.set(text, exp);
        }
        if (nextNets) this.nets = nextNets;
        this.sweep(now);
      },
    };
  }

  repair(wanted: readonly Target[], missing: readonly Target[], extra: readonly KernelElement[], now: number): Pending {
    const stmts: Statement[] = [];
    const netFamilies = new Set<4 | 6>();
    for (const key of ['v4', 'v6'] as const) {
      const set = NFT_SETS[key];
      const fam = key === 'v4' ? 4 : 6;
      const add = missing
        .filter((t) => !t.network && t.family === fam)
        .map((t) => element(t, now))
        .filter((e): e is string => e !== undefined);
      stmts.push(this.addStmt(set, add));
      const del = extra.filter((e) => e.set === set).map((e) => e.text);
      if (del.length > 0) {
        stmts.push(this.addStmt(set, del));
        stmts.push(this.delStmt(set, del));
      }
    }
    for (const t of missing) if (t.network) netFamilies.add(t.family);
    for (const e of extra) {
      if (e.set === NFT_SETS.v4net) netFamilies.add(4);
      if (e.set === NFT_SETS.v6net) netFamilies.add(6);
    }
    const live = dedupe(wanted.filter((t) => isLive(t, now)));
    for (const fam of [4, 6] as const) {
      if (netFamilies.has(fam)) stmts.push(...this.rewriteNets(fam, live.filter((t) => t.network), now));
    }
    return {
      plan: this.plan(stmts),
      commit: () => {
        this.singles = new Map(live.filter((t) => !t.network).map((t) => [t.text, t.expiresAt]));
        this.nets = new Map(live.filter((t) => t.network).map((t) => [t.text, t]));
        this.sweepAt = Math.max(1024, 2 * this.singles.size);
      },
    };
  }

  stop(): Pending {
    return {
      plan: this.plan([{ head: `add table ${this.family}` }, { head: `delete table ${this.family}` }]),
      commit: () => {
        this.singles.clear();
        this.nets.clear();
      },
    };
  }

  /** `nft --check` of the empty table: proves nft and the kernel accept it, changes nothing. */
  checkPlan(): Plan {
    const script = `add table ${this.family}\ndelete table ${this.family}\n${this.definition()}\n`;
    return { steps: [{ argv: ['nft', '--check', '-f', '-'], stdin: script }] };
  }

  /** Reads the whole table, elements included, as JSON. */
  listArgv(terse = false): string[] {
    return terse ? ['nft', '-j', '-t', 'list', 'table', 'inet', this.layout.table] : ['nft', '-j', 'list', 'table', 'inet', this.layout.table];
  }

  /** Drops single addresses whose expiry has passed once the map doubled: amortised O(1). */
  private sweep(now: number): void {
    if (this.singles.size <= this.sweepAt) return;
    for (const [text, exp] of this.singles) if (exp !== null && exp <= now) this.singles.delete(text);
    this.sweepAt = Math.max(1024, 2 * this.singles.size);
  }

  private plan(stmts: Statement[]): Plan {
    const used = stmts.filter((s) => s.elems === undefined || s.elems.length > 0);
    // Nothing but empty element lists: nothing to run.
    if (used.length === 0) return { steps: [] };
    const step: Step = { argv: ['nft', '-f', '-'], stdin: render(used) };
    const total = used.reduce((n, s) => n + (s.elems?.length ?? 0), 0);
    if (total > SHOWN_ELEMENTS) step.shownStdin = renderShort(used, SHOWN_ELEMENTS);
    return { steps: [step] };
  }
}

function render(stmts: Statement[]): string {
  let out = '';
  for (const s of stmts) {
    if (s.elems === undefined) {
      out += s.head + '\n';
      continue;
    }
    for (let i = 0; i < s.elems.length; i += NFT_CHUNK) {
      out += `${s.head} { ${s.elems.slice(i, i + NFT_CHUNK).join(', ')} }\n`;
    }
  }
  return out;
}

/** The batch for the action log: the first `budget` elements, then a count of the rest. */
function renderShort(stmts: Statement[], budget: number): string {
  let out = '';
  let left = budget;
  for (const s of stmts) {
    if (s.elems === undefined) {
      out += s.head + '\n';
      continue;
    }
    const n = s.elems.length;
    if (left === 0) {
      out += `# ${s.head} { ... ${n} elements }\n`;
      continue;
    }
    const shown = s.elems.slice(0, left);
    left -= shown.length;
    out += `${s.head} { ${shown.join(', ')} }\n`;
    if (n > shown.length) out += `# ... ${n - shown.length} more elements\n`;
  }
  return out;
}
