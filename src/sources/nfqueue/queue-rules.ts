// The firewall rules that send packets to Palisade's NFQUEUE queue, scoped to a table (or chain) of
// Palisade's own so that enabling and disabling never touches anyone else's rules.
//
// nftables (preferred): table `inet <table>` with base chains input (and forward) at priority
// filter - 5 holding one rule, `queue num N bypass`. `bypass` is fail-open: with no program bound
// to the queue the kernel accepts the packet; without it (fail-closed) the packet is dropped. The
// chains run after Palisade's blocking table (priority filter - 10), so blocked sources never reach
// userspace, and before the host's own filter chains (priority filter), which still see every
// packet Palisade accepts: an accept verdict only ends this table's chain.
//
// iptables (fallback, for kernels built without the nft `queue` expression, CONFIG_NFT_QUEUE, while
// the xt NFQUEUE target exists): chain <TABLE> in the mangle table, jumped to from the end of mangle
// INPUT (and FORWARD), for IPv4 and IPv6. mangle and not filter: an accept verdict ends the whole
// iptables chain it came from, so in filter INPUT it would skip the host's own filter rules after it.
// In mangle it runs before Palisade's blocking table (priority -150 < -10): blocked sources are
// inspected before they are dropped.

import type { Step } from '../../enforce/plan.js';

export type QueueRuleBackend = 'nftables' | 'iptables';

export interface QueueRuleOptions {
  /** Table name (nftables) and, upper-cased, chain name (iptables). */
  table: string;
  queue: number;
  /** bypass: accept when no program listens on the queue. */
  failOpen: boolean;
  /** Also queue forwarded traffic. */
  forward: boolean;
}

export const DEFAULT_QUEUE_TABLE = 'palisade_nfq';
/** nftables base chain priority: after the blocking table (filter - 10), before the host's filters. */
export const NFT_QUEUE_PRIORITY = 'filter - 5';

const TABLE_RE = /^[A-Za-z][A-Za-z0-9_]{0,27}$/;

/** Null when `name` is usable as an nftables table and iptables chain name, else why not. */
export function checkTableName(name: string): string | null {
  return TABLE_RE.test(name) ? null : `'${name}' must be a letter followed by up to 27 letters, digits or underscores`;
}

export function checkQueue(queue: number): string | null {
  return Number.isInteger(queue) && queue >= 0 && queue <= 65535 ? null : `'${queue}' must be a whole number 0-65535`;
}

function check(o: QueueRuleOptions): void {
  const bad = checkTableName(o.table) ?? checkQueue(o.queue);
  if (bad !== null) throw new Error(`queue rules: ${bad}`);
}

// ---------------------------------------------------------------- nftables

/** The table with its chains. */
export function nftDefinition(o: QueueRuleOptions): string {
  check(o);
  const stmt = `queue num ${o.queue}${o.failOpen ? ' bypass' : ''}`;
  const chain = (hook: string) =>
    `\tchain ${hook} {\n\t\ttype filter hook ${hook} priority ${NFT_QUEUE_PRIORITY}; policy accept;\n\t\tcounter ${stmt}\n\t}`;
  const chains = o.forward ? [chain('input'), chain('forward')] : [chain('input')];
  return `table inet ${o.table} {\n${chains.join('\n')}\n}\n`;
}

/** One `nft -f -` transaction that (re)creates the table whatever was there: idempotent. */
export function nftEnableScript(o: QueueRuleOptions): string {
  // add (no-op when present) + delete makes the delete never fail; then the fresh definition.
  return `add table inet ${o.table}\ndelete table inet ${o.table}\n${nftDefinition(o)}`;
}

/** One transaction removing the table if present (nft 1.0.6 has no `destroy`). */
export function nftDisableScript(table: string): string {
  const bad = checkTableName(table);
  if (bad !== null) throw new Error(`queue rules: ${bad}`);
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}

export function nftEnableSteps(o: QueueRuleOptions): Step[] {
  return [{ argv: ['nft', '-f', '-'], stdin: nftEnableScript(o) }];
}

/** `nft -c`: checks the batch in the kernel without applying it (tells whether `queue` exists). */
export function nftCheckStep(o: QueueRuleOptions): Step {
  return { argv: ['nft', '-c', '-f', '-'], stdin: nftEnableScript(o) };
}

export function nftDisableSteps(table: string): Step[] {
  return [{ argv: ['nft', '-f', '-'], stdin: nftDisableScript(table) }];
}

/** An nft error that means the kernel lacks the queue expression (CONFIG_NFT_QUEUE). */
export function isMissingNftQueue(stderr: string): boolean {
  return /Could not process rule: (No such file or directory|Operation not supported)/.test(stderr) && /queue/.test(stderr);
}

// ---------------------------------------------------------------- iptables (mangle)

export const IPT_TOOLS = ['iptables', 'ip6tables'] as const;

export function iptChain(table: string): string {
  return table.toUpperCase();
}

function hooks(forward: boolean): string[] {
  return forward ? ['INPUT', 'FORWARD'] : ['INPUT'];
}

/** Commands that (re)create the chain and its jumps: idempotent (existing chain and jumps are reused). */
export function iptEnableSteps(o: QueueRuleOptions): Step[] {
  check(o);
  const chain = iptChain(o.table);
  const target = ['-j', 'NFQUEUE', '--queue-num', String(o.queue), ...(o.failOpen ? ['--queue-bypass'] : [])];
  const steps: Step[] = [];
  for (const tool of IPT_TOOLS) {
    const t = [tool, '-w', '-t', 'mangle'];
    steps.push({ argv: [...t, '-N', chain], tolerate: /already exists/i });
    steps.push({ argv: [...t, '-F', chain] });
    steps.push({ argv: [...t, '-A', chain, ...target] });
    for (const hook of hooks(o.forward)) {
      steps.push({ argv: [...t, '-A', hook, '-j', chain], unless: [...t, '-C', hook, '-j', chain] });
    }
  }
  return steps;
}

/**
 * Jumps to remove: `count` copies of `-D HOOK -j CHAIN` per hook (the caller counts them with
 * iptJumpCount, as a rule may have been added twice by hand).
 */
export function iptDeleteJumpStep(tool: string, hook: string, table: string): Step {
  return { argv: [tool, '-w', '-t', 'mangle', '-D', hook, '-j', iptChain(table)] };
}

/** Flush and delete the chain (after its jumps are gone); absent chains are not errors. */
export function iptRemoveChainSteps(tool: string, table: string): Step[] {
  const chain = iptChain(table);
  const t = [tool, '-w', '-t', 'mangle'];
  return [
    { argv: [...t, '-F', chain], tolerate: /No chain|does not exist|doesn't exist/i },
    { argv: [...t, '-X', chain], tolerate: /No chain|does not exist|doesn't exist/i },
  ];
}

/** Listing commands (`-S`) whose output iptJumpCount and parseIptChain read. */
export function iptListArgv(tool: string, chainOrHook: string): string[] {
  return [tool, '-w', '-t', 'mangle', '-S', chainOrHook];
}

/** How many `-j CHAIN` jumps a `-S HOOK` listing holds. */
export function iptJumpCount(listing: string, table: string): number {
  const chain = iptChain(table);
  return listing.split('\n').filter((l) => new RegExp(`^-A \\S+ -j ${chain}$`).test(l.trim())).length;
}

// ---------------------------------------------------------------- status

export interface QueueRuleState {
  backend: QueueRuleBackend;
  queue: number;
  failOpen: boolean;
  hooks: string[];
}

/** Reads `nft list table inet <table>` output: the queue and hooks, or null when none is there. */
export function parseNftTable(listing: string): QueueRuleState | null {
  let queue = -1;
  let failOpen = false;
  const hooksSeen: string[] = [];
  for (const line of listing.split('\n')) {
    const hook = /type filter hook (\w+)/.exec(line);
    if (hook) hooksSeen.push(hook[1]);
    // nft prints `queue num 3 bypass` as `queue flags bypass to 3` (newer) or as written (older).
    const q = /\bqueue\b(.*)$/.exec(line);
    if (q) {
      const num = /\b(?:num|to)\s+(\d+)/.exec(q[1]);
      if (num) queue = Number(num[1]);
      failOpen = /\bbypass\b/.test(q[1]);
    }
  }
  return queue < 0 ? null : { backend: 'nftables', queue, failOpen, hooks: hooksSeen };
}

/** Reads `iptables -t mangle -S <CHAIN>`: the NFQUEUE rule's queue and bypass flag. */
export function parseIptChain(listing: string, table: string): { queue: number; failOpen: boolean } | null {
  const chain = iptChain(table);
  for (const line of listing.split('\n')) {
    const m = new RegExp(`^-A ${chain} .*-j NFQUEUE(.*)$`).exec(line.trim());
    if (!m) continue;
    const num = /--queue-num (\d+)/.exec(m[1]);
    return { queue: num ? Number(num[1]) : 0, failOpen: /--queue-bypass/.test(m[1]) };
  }
  return null;
}
