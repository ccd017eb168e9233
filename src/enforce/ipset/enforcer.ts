// The fallback backend: iptables/ip6tables chains matching ipsets, changed through
// `ipset restore -exist` batches built by IpsetCommands.

import { PalisadeError } from '../../errors.js';
import type { BackendName } from '../enforcer.js';
import type { Plan } from '../plan.js';
import { PlanEnforcer, type KernelState } from '../plan-enforcer.js';
import type { KernelElement } from '../planner.js';
import { describeFailure, firstLine, runCommand, runPlan, type RunOptions } from '../run.js';
import { ALREADY_GONE, IpsetCommands } from './commands.js';
import { parseChainCounters, parseSave } from './listing.js';

export interface IpsetOptions {
  /** Prefix of the sets, chain name upper-cased (config enforce.table). */
  table: string;
  forward: boolean;
  /** maxelem of each set: policy.max_blocks. */
  maxElements: number;
  netns?: string;
  path?: string;
  now?: () => number;
  dryRun?: never;
}

export class IpsetEnforcer extends PlanEnforcer {
  readonly name: BackendName = 'iptables';
  protected readonly live = true;
  private readonly tools: RunOptions;
  declare readonly planner: IpsetCommands;

  constructor(readonly options: IpsetOptions) {
    super(new IpsetCommands({ table: options.table, forward: options.forward, maxElements: options.maxElements }), options);
    this.tools = { netns: options.netns, path: options.path };
  }

  protected execute(plan: Plan): Promise<string | null> {
    return runPlan(plan, this.tools);
  }

  /** Output of a read-only command; null when what it reads does not exist. */
  private async read(argv: string[]): Promise<string | null> {
    const out = await runCommand(argv, this.tools);
    if (out.code === 0) return out.stdout;
    if (ALREADY_GONE.test(out.stderr)) return null;
    throw new PalisadeError('PALISADE_ERR_ENFORCE', describeFailure(argv, out, this.tools.netns));
  }

  protected async readKernel(): Promise<KernelState> {
    const p = this.planner;
    const problems: string[] = [];
    const elements: KernelElement[] = [];
    let present = 0;
    for (const key of ['v4', 'v6', 'v4net', 'v6net'] as const) {
      const name = p.name(key);
      const text = await this.read(['ipset', 'save', name]);
      if (text === null) {
        problems.push(`ipset ${name} is missing`);
        continue;
      }
      present++;
      const saved = parseSave(text, name);
      const want = p.typeOf(key);
      if (saved.type !== want.type || saved.family !== want.family) problems.push(`ipset ${name} is ${saved.type} ${saved.family}`);
      elements.push(...saved.elements);
    }
    for (const [tool, fam] of [
      ['iptables', 'v4'],
      ['ip6tables', 'v6'],
    ] as const) {
      // The whole filter table in one read: `iptables -S CHAIN` on a missing chain gives
      // misleading errors with iptables-nft.
      const listing = (await this.read([tool, '-w', '-S'])) ?? '';
      const lines = new Set(listing.split('\n').map((l) => l.trim()));
      if (!lines.has(`-N ${p.chain}`)) {
        problems.push(`${tool} chain ${p.chain} is missing`);
      } else {
        present++;
        for (const set of [p.name(fam), p.name(`${fam}net`)]) {
          if (!lines.has(`-A ${p.chain} -m set --match-set ${set} src -j DROP`)) problems.push(`${tool} chain ${p.chain} no longer drops ${set}`);
        }
      }
      for (const hook of ['INPUT', 'FORWARD']) {
        const jumps = lines.has(`-A ${hook} -j ${p.chain}`);
        const wanted = hook === 'INPUT' || p.layout.forward;
        if (jumps !== wanted) problems.push(`${tool} ${hook} ${wanted ? 'no longer jumps' : 'still jumps'} to ${p.chain}`);
      }
    }
    const structure = problems.length === 0 ? 'ok' : present === 0 ? 'missing' : 'damaged';
    return { structure, detail: problems.join('; '), elements };
  }

  /** Packets and bytes dropped by Palisade's rules (iptables and ip6tables). */
  drops(): Promise<{ packets: number; bytes: number }> {
    return this.serial.run(async () => {
      const total = { packets: 0, bytes: 0 };
      for (const tool of ['iptables', 'ip6tables']) {
        const text = await this.read([tool, '-w', '-L', this.planner.chain, '-n', '-v', '-x']);
        if (text === null) continue;
        const c = parseChainCounters(text);
        total.packets += c.packets;
        total.bytes += c.bytes;
      }
      return total;
    });
  }

  /** Null when ipset, iptables and ip6tables work here (read-only commands), else why not. */
  static async probe(opts: { netns?: string; path?: string }): Promise<string | null> {
    const checks = [
      ['ipset', 'list', '-n'],
      ['iptables', '-w', '-S', 'INPUT'],
      ['ip6tables', '-w', '-S', 'INPUT'],
      ['iptables-restore', '--version'],
      ['ip6tables-restore', '--version'],
    ];
    for (const argv of checks) {
      const out = await runCommand(argv, opts);
      if (out.code !== 0) return describeFailure(argv, out, opts.netns) || firstLine(out.stderr);
    }
    return null;
  }
}
