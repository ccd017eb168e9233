// What every backend does the same way around its command builder: validate, build a plan,
// execute it (run it, or for dry-run only show it), remember the result, and reconcile by
// reading the kernel back. A backend supplies how to execute and how to read the kernel.

import type { BlockEntry } from '../decide/decision.js';
import { PalisadeError } from '../errors.js';
import { diffKernel } from './drift.js';
import type { BackendName, DriftReport, EnforceResult, Enforcer } from './enforcer.js';
import { showPlan, type Plan } from './plan.js';
import type { KernelElement, Pending, Planner } from './planner.js';
import { Serial } from './serial.js';
import { toTargets, type Target } from './target.js';

/** What a backend found in the kernel. */
export interface KernelState {
  /** 'missing': Palisade's table/sets are gone; 'damaged': some chain, rule or set is. */
  structure: 'ok' | 'missing' | 'damaged';
  /** Why the structure is not ok, for logs. */
  detail: string;
  elements: KernelElement[];
}

export interface PlanEnforcerOptions {
  netns?: string;
  /** Wall clock in seconds since the epoch (tests pin it to compare dry-run and real text). */
  now?: () => number;
}

export abstract class PlanEnforcer implements Enforcer {
  abstract readonly name: BackendName;
  protected readonly serial = new Serial();
  protected readonly now: () => number;
  protected readonly netns: string | undefined;
  /** Commands of the last reconcile's repair (or re-creation), for the action log. */
  lastRepair: EnforceResult | null = null;

  protected constructor(
    readonly planner: Planner,
    opts: PlanEnforcerOptions,
  ) {
    this.now = opts.now ?? (() => Date.now() / 1000);
    this.netns = opts.netns;
  }

  /** Runs (or, for dry-run, records) a plan; returns the one-line error or null. */
  protected abstract execute(plan: Plan): Promise<string | null>;
  protected abstract readKernel(): Promise<KernelState>;
  /** True when commands really reach the kernel. */
  protected abstract readonly live: boolean;

  /** Hooks for a backend that keeps its own picture of the kernel (dry-run). */
  protected onStart(_wanted: readonly Target[]): void {}
  protected onApply(_add: readonly Target[], _remove: readonly Target[]): void {}
  /** After a reconcile the kernel holds exactly `wanted`. */
  protected onReconciled(_wanted: readonly Target[]): void {}
  protected onStop(): void {}

  private async runPending(pending: Pending, after: () => void): Promise<EnforceResult> {
    const commands = showPlan(pending.plan, this.netns);
    if (pending.plan.steps.length === 0) {
      pending.commit();
      after();
      return { commands, executed: false, error: null };
    }
    const error = await this.execute(pending.plan);
    if (error === null) {
      pending.commit();
      after();
    }
    return { commands, executed: this.live && error === null, error };
  }

  async start(entries: readonly BlockEntry[]): Promise<EnforceResult> {
    const wanted = toTargets(entries, `${this.name} start`);
    return this.serial.run(() => this.runPending(this.planner.start(wanted, this.now()), () => this.onStart(wanted)));
  }

  async apply(add: readonly BlockEntry[], remove: readonly BlockEntry[]): Promise<EnforceResult> {
    const a = toTargets(add, `${this.name} apply (add)`);
    const r = toTargets(remove, `${this.name} apply (remove)`);
    return this.serial.run(() => this.runPending(this.planner.apply(a, r, this.now()), () => this.onApply(a, r)));
  }

  async reconcile(entries: readonly BlockEntry[]): Promise<DriftReport> {
    const wanted = toTargets(entries, `${this.name} reconcile`);
    return this.serial.run(async () => {
      const state = await this.readKernel();
      const now = this.now();
      const drift = diffKernel(this.planner, wanted, state.elements, now);
      const report: DriftReport = {
        missing: drift.missing.map((t) => t.text),
        extra: drift.extra.map((e) => e.text),
        recreated: state.structure !== 'ok',
      };
      const result =
        state.structure === 'ok'
          ? await this.runPending(this.planner.repair(wanted, drift.missing, drift.extra, now), () => this.onReconciled(wanted))
          : await this.runPending(this.planner.start(wanted, now), () => this.onStart(wanted));
      this.lastRepair = result;
      if (result.error !== null) throw new PalisadeError('PALISADE_ERR_ENFORCE', `${this.name} reconcile: ${result.error}`);
      return report;
    });
  }

  async list(): Promise<string[]> {
    return this.serial.run(async () => {
      const state = await this.readKernel();
      return [...new Set(state.elements.map((e) => e.text))];
    });
  }

  async stop(remove: boolean): Promise<void> {
    return this.serial.run(async () => {
      if (!remove) return;
      const result = await this.runPending(this.planner.stop(), () => this.onStop());
      if (result.error !== null) throw new PalisadeError('PALISADE_ERR_ENFORCE', `${this.name} stop: ${result.error}`);
    });
  }
}
