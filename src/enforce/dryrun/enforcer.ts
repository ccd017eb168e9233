// Dry-run: builds exactly the commands the selected backend would run (same command builder,
// same text), runs none of them, and keeps an in-memory picture of what the kernel would hold so
// list() and reconcile() behave as with a real backend. The recent commands are kept, bounded,
// for tests and `palisade status`.

import type { BackendName } from '../enforcer.js';
import { IpsetCommands } from '../ipset/commands.js';
import { NftablesCommands } from '../nftables/commands.js';
import { showPlan, type Plan } from '../plan.js';
import { PlanEnforcer, type KernelState } from '../plan-enforcer.js';
import type { CommandFormat } from '../planner.js';
import type { Target } from '../target.js';
import { XdpPlanner } from '../xdp/planner.js';
import type { XdpMode } from '../../kernel/xdp-guard.js';

export interface DryRunOptions {
  /** Whose commands to show: nftables (nft -f -), iptables (ipset restore + iptables) or xdp (map changes, one line each). */
  format: CommandFormat;
  table: string;
  forward: boolean;
  /** maxelem of the ipsets (iptables format). */
  maxElements?: number;
  /** xdp format: the interfaces and attach mode shown. */
  interfaces?: readonly string[];
  xdpMode?: XdpMode;
  /** Shown in the commands as `ip netns exec NS`, as the real backend would run them. */
  netns?: string;
  now?: () => number;
  /** Recent commands kept (default 200); older ones are dropped and counted. */
  keep?: number;
}

export class DryRunEnforcer extends PlanEnforcer {
  readonly name: BackendName = 'dry-run';
  readonly format: CommandFormat;
  protected readonly live = false;
  private readonly keep: number;
  private readonly commands: string[] = [];
  /** Commands dropped from `recent` because of the bound. */
  droppedCommands = 0;
  /** The blocks the kernel would hold, by canonical target. */
  private readonly held = new Map<string, Target>();
  private present = false;
  private sweepAt = 1024;

  constructor(opts: DryRunOptions) {
    super(
      opts.format === 'nftables'
        ? new NftablesCommands({ table: opts.table, forward: opts.forward })
        : opts.format === 'xdp'
          ? new XdpPlanner(opts.interfaces ?? [], opts.xdpMode ?? 'auto')
          : new IpsetCommands({ table: opts.table, forward: opts.forward, maxElements: opts.maxElements ?? 65536 }),
      opts,
    );
    this.format = opts.format;
    this.keep = Math.max(1, opts.keep ?? 200);
  }

  /** The most recent commands, oldest first. */
  recent(n = this.keep): string[] {
    return this.commands.slice(-n);
  }

  protected async execute(plan: Plan): Promise<string | null> {
    for (const cmd of showPlan(plan, this.netns)) {
      this.commands.push(cmd);
      if (this.commands.length > this.keep) {
        this.commands.shift();
        this.droppedCommands++;
      }
    }
    return null;
  }

  protected async readKernel(): Promise<KernelState> {
    if (!this.present) return { structure: 'missing', detail: 'dry-run: not started', elements: [] };
    const now = this.now();
    const elements = this.planner.expected([...this.held.values()], now).map((t) => ({ set: this.planner.setFor(t), text: t.text }));
    return { structure: 'ok', detail: '', elements };
  }

  protected override onStart(wanted: readonly Target[]): void {
    this.present = true;
    this.held.clear();
    for (const t of wanted) this.held.set(t.text, t);
  }

  protected override onApply(add: readonly Target[], remove: readonly Target[]): void {
    for (const t of add) this.held.set(t.text, t);
    for (const t of remove) this.held.delete(t.text);
    // Expired blocks leave the picture as the kernel's timeouts would take them out; swept once
    // the map doubled, so the cost stays amortised O(1).
    if (this.held.size > this.sweepAt) {
      const now = this.now();
      for (const [text, t] of this.held) if (t.expiresAt !== null && t.expiresAt <= now) this.held.delete(text);
      this.sweepAt = Math.max(1024, 2 * this.held.size);
    }
  }

  protected override onReconciled(wanted: readonly Target[]): void {
    this.onStart(wanted);
  }

  protected override onStop(): void {
    this.present = false;
    this.held.clear();
  }
}
