// The default backend: Palisade's own nftables table, changed only through atomic `nft -f -`
// batches built by NftablesCommands.

import { PalisadeError } from '../../errors.js';
import type { BackendName } from '../enforcer.js';
import type { Plan } from '../plan.js';
import { PlanEnforcer, type KernelState } from '../plan-enforcer.js';
import { describeFailure, runCommand, runPlan, type RunOptions } from '../run.js';
import { NftablesCommands } from './commands.js';
import { parseDrops, parseTable, type DropCounters } from './listing.js';

export interface NftablesOptions {
  /** Table name (config enforce.table, default 'palisade'). */
  table: string;
  /** Also drop forwarded traffic (config enforce.forward). */
  forward: boolean;
  /** Run every command as `ip netns exec NS ...` (tests, benchmarks). */
  netns?: string;
  /** PATH for the tools (default: the process's). */
  path?: string;
  /** Wall clock, seconds since the epoch. */
  now?: () => number;
  /** Dry-run is a backend of its own (DryRunEnforcer). */
  dryRun?: never;
}

export class NftablesEnforcer extends PlanEnforcer {
  readonly name: BackendName = 'nftables';
  protected readonly live = true;
  private readonly tools: RunOptions;
  declare readonly planner: NftablesCommands;

  constructor(readonly options: NftablesOptions) {
    super(new NftablesCommands({ table: options.table, forward: options.forward }), options);
    this.tools = { netns: options.netns, path: options.path };
  }

  protected execute(plan: Plan): Promise<string | null> {
    return runPlan(plan, this.tools);
  }

  private async listTable(terse: boolean): Promise<string | null> {
    const argv = this.planner.listArgv(terse);
    const out = await runCommand(argv, this.tools);
    if (out.code === 0) return out.stdout;
    if (/No such file or directory/.test(out.stderr)) return null;
    throw new PalisadeError('PALISADE_ERR_ENFORCE', describeFailure(argv, out, this.tools.netns));
  }

  protected async readKernel(): Promise<KernelState> {
    const json = await this.listTable(false);
    if (json === null) return { structure: 'missing', detail: `table inet ${this.options.table} does not exist`, elements: [] };
    return parseTable(json, this.planner.layout);
  }

  /** Packets and bytes dropped by Palisade's rules since the table was (re)created. */
  drops(): Promise<DropCounters> {
    return this.serial.run(async () => {
      const json = await this.listTable(true);
      return json === null ? { packets: 0, bytes: 0 } : parseDrops(json, this.planner.layout);
    });
  }

  /** Null when nft accepts Palisade's table here (`nft --check`, nothing applied), else why not. */
  static async probe(opts: { table: string; forward: boolean; netns?: string; path?: string }): Promise<string | null> {
    const cmds = new NftablesCommands({ table: opts.table, forward: opts.forward });
    return runPlan(cmds.checkPlan(), { netns: opts.netns, path: opts.path });
  }
}
