// Applies, removes and reads the NFQUEUE rules of queue-rules.ts with the real tools (nft, iptables,
// ip6tables), argument arrays and stdin batches only. Enabling is idempotent and leaves exactly one
// backend's rules in place; disabling removes only Palisade's own table / chain and its jumps.

import { PalisadeError } from '../../errors.js';
import { describeFailure, runCommand, runPlan, type RunOptions } from '../../enforce/run.js';
import { showStep } from '../../enforce/plan.js';
import {
  IPT_TOOLS,
  iptDeleteJumpStep,
  iptEnableSteps,
  iptJumpCount,
  iptListArgv,
  iptRemoveChainSteps,
  isMissingNftQueue,
  nftCheckStep,
  nftDisableSteps,
  nftEnableSteps,
  parseIptChain,
  parseNftTable,
  iptChain,
  type QueueRuleBackend,
  type QueueRuleOptions,
  type QueueRuleState,
} from './queue-rules.js';

export type QueueBackendChoice = 'auto' | QueueRuleBackend;

export interface EnableResult {
  backend: QueueRuleBackend;
  /** Why auto chose iptables (null when nftables was used or asked for). */
  fallbackReason: string | null;
  /** The commands run, as a user would type them. */
  commands: string[];
}

function enforceError(msg: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_ENFORCE', msg);
}

/** Which backend to use: nftables when the kernel takes the `queue` expression (checked with nft -c). */
async function chooseBackend(o: QueueRuleOptions, choice: QueueBackendChoice, run: RunOptions): Promise<{ backend: QueueRuleBackend; why: string | null }> {
  if (choice === 'iptables') return { backend: 'iptables', why: null };
  const step = nftCheckStep(o);
  const out = await runCommand(step.argv, run, step.stdin);
  if (out.code === 0) return { backend: 'nftables', why: null };
  const missingNft = out.code === 127;
  const missingQueue = isMissingNftQueue(out.stderr);
  if (choice === 'auto' && (missingNft || missingQueue)) {
    return {
      backend: 'iptables',
      why: missingNft ? 'nft is not installed' : 'this kernel has no nftables queue expression (CONFIG_NFT_QUEUE); using the iptables NFQUEUE target',
    };
  }
  throw enforceError(describeFailure(step.argv, out, run.netns));
}

export async function enableQueueRules(o: QueueRuleOptions, choice: QueueBackendChoice = 'auto', run: RunOptions = {}): Promise<EnableResult> {
  const { backend, why } = await chooseBackend(o, choice, run);
  // One backend at a time: a switch removes the other one's rules first.
  if (backend === 'nftables') await disableIptables(o.table, run);
  else await disableNftables(o.table, run);
  const steps = backend === 'nftables' ? nftEnableSteps(o) : iptEnableSteps(o);
  const err = await runPlan({ steps }, run);
  if (err !== null) throw enforceError(err);
  return { backend, fallbackReason: why, commands: steps.map((s) => showStep(s, run.netns)) };
}

async function disableNftables(table: string, run: RunOptions): Promise<boolean> {
  const list = await runCommand(['nft', 'list', 'table', 'inet', table], run);
  if (list.code !== 0) return false; // absent (or nft missing: nothing of ours can be there)
  const err = await runPlan({ steps: nftDisableSteps(table) }, run);
  if (err !== null) throw enforceError(err);
  return true;
}

async function disableIptables(table: string, run: RunOptions): Promise<boolean> {
  let removed = false;
  for (const tool of IPT_TOOLS) {
    const chain = await runCommand(iptListArgv(tool, iptChain(table)), run);
    if (chain.code === 127) continue; // tool not installed: none of its rules exist
    for (const hook of ['INPUT', 'FORWARD']) {
      const listing = await runCommand(iptListArgv(tool, hook), run);
      if (listing.code !== 0) continue;
      for (let n = iptJumpCount(listing.stdout, table); n > 0; n--) {
        const err = await runPlan({ steps: [iptDeleteJumpStep(tool, hook, table)] }, run);
        if (err !== null) throw enforceError(err);
        removed = true;
      }
    }
    if (chain.code === 0) {
      const err = await runPlan({ steps: iptRemoveChainSteps(tool, table) }, run);
      if (err !== null) throw enforceError(err);
      removed = true;
    }
  }
  return removed;
}

/** Removes Palisade's queue rules of both kinds; true when something was there. */
export async function disableQueueRules(table: string, run: RunOptions = {}): Promise<boolean> {
  const a = await disableNftables(table, run);
  const b = await disableIptables(table, run);
  return a || b;
}

/** The queue rules in place, or null when none are. */
export async function queueRuleStatus(table: string, run: RunOptions = {}): Promise<QueueRuleState | null> {
  const nft = await runCommand(['nft', 'list', 'table', 'inet', table], run);
  if (nft.code === 0) {
    const s = parseNftTable(nft.stdout);
    if (s) return s;
  }
  let found: QueueRuleState | null = null;
  for (const tool of IPT_TOOLS) {
    const chain = await runCommand(iptListArgv(tool, iptChain(table)), run);
    if (chain.code !== 0) continue;
    const rule = parseIptChain(chain.stdout, table);
    if (!rule) continue;
    const hooks: string[] = [];
    for (const hook of ['INPUT', 'FORWARD']) {
      const listing = await runCommand(iptListArgv(tool, hook), run);
      if (listing.code === 0 && iptJumpCount(listing.stdout, table) > 0) hooks.push(hook.toLowerCase());
    }
    if (hooks.length === 0) continue; // a chain nothing jumps to queues nothing
    if (!found) found = { backend: 'iptables', queue: rule.queue, failOpen: rule.failOpen, hooks };
  }
  return found;
}

/** One status line, e.g. "enabled: queue 3, fail-open, input+forward (nftables table inet palisade_nfq)". */
export function statusLine(table: string, s: QueueRuleState | null): string {
  if (!s) return `not enabled (no table inet ${table}, no mangle chain ${iptChain(table)})`;
  const where = s.backend === 'nftables' ? `nftables table inet ${table}` : `iptables mangle chain ${iptChain(table)}, IPv4+IPv6`;
  return `enabled: queue ${s.queue}, ${s.failOpen ? 'fail-open (bypass)' : 'fail-closed'}, ${s.hooks.join('+')} (${where})`;
}
