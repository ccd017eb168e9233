// The xdp backend: blocks drop in the XDP guard of each interface (enforce.xdp_interfaces, else
// sources.packets.interfaces) before the network stack sees them. Single addresses go to hash
// maps, networks to LPM tries (bpf/xdp_guard.h). The maps hold no timeouts: the daemon's expiry
// timer lifts an entry through apply(remove) (within a second of its expiry), and start() and
// apply() never load an entry that has already expired. Changes go through the addon (no
// commands); the action log gets one readable line per change from XdpPlanner, the same text
// dry-run shows.

import type { BlockEntry } from '../../decide/decision.js';
import { PalisadeError } from '../../errors.js';
import type { XdpAttachMode } from '../../kernel/bpf.js';
import { acquireXdpGuard, releaseXdpGuard, type XdpGuard, type XdpMode, type XdpPrefix, type XdpStats } from '../../kernel/xdp-guard.js';
import { GRACE_SECONDS } from '../drift.js';
import type { BackendName, DriftReport, EnforceResult, Enforcer } from '../enforcer.js';
import { showPlan } from '../plan.js';
import { Serial } from '../serial.js';
import { toTargets, type Target } from '../target.js';
import { XdpPlanner, type XdpOps } from './planner.js';

export interface XdpEnforcerOptions {
  /** Interfaces to guard (at least one). */
  interfaces: readonly string[];
  /** Attach mode (enforce.xdp_mode). */
  mode: XdpMode;
  /** max_entries of each block map (policy.max_blocks). */
  maxBlocks: number;
  /** The compiled guard (default build/bpf/xdp_guard.bpf.o; tests point elsewhere). */
  objectPath?: string;
  /** The guard's filter size (XdpGuardOptions.filterBitsPerAddr; the benchmark's knob). */
  filterBitsPerAddr?: number;
  /** Wall clock, seconds since the epoch. */
  now?: () => number;
}

export class XdpEnforcer implements Enforcer {
  readonly name: BackendName = 'xdp';
  readonly planner: XdpPlanner;
  /** Text of the last reconcile's repair, for the action log. */
  lastRepair: EnforceResult | null = null;
  private readonly serial = new Serial();
  private readonly now: () => number;
  private guards: XdpGuard[];
  private stopped = false;

  private constructor(
    readonly options: XdpEnforcerOptions,
    guards: XdpGuard[],
  ) {
    this.planner = new XdpPlanner(guards.map((g) => g.iface), options.mode);
    this.now = options.now ?? (() => Date.now() / 1000);
    this.guards = guards;
  }

  /**
   * Loads and attaches the guard of every interface (shared with the XDP packet source through
   * acquireXdpGuard). An attached guard with empty maps passes everything. Throws one
   * PalisadeError naming the interface that failed; guards already taken are given back.
   */
  static open(opts: XdpEnforcerOptions): XdpEnforcer {
    if (opts.interfaces.length === 0) {
      throw new PalisadeError('PALISADE_ERR_XDP', 'xdp: no interface to guard (enforce.xdp_interfaces and sources.packets.interfaces are empty; --iface sets one)');
    }
    const guards: XdpGuard[] = [];
    try {
      for (const iface of new Set(opts.interfaces)) {
        guards.push(acquireXdpGuard({ iface, mode: opts.mode, maxBlocks: opts.maxBlocks, objectPath: opts.objectPath, filterBitsPerAddr: opts.filterBitsPerAddr }));
      }
    } catch (err) {
      for (const g of guards) releaseXdpGuard(g);
      throw err;
    }
    return new XdpEnforcer(opts, guards);
  }

  /** The guards in use (the daemon hands them to the XDP packet source and `status`). */
  guardList(): readonly XdpGuard[] {
    return this.guards;
  }

  /** Attach mode per interface ("native" | "generic"; null when detached). */
  modes(): Record<string, XdpAttachMode | null> {
    return Object.fromEntries(this.guards.map((g) => [g.iface, g.attachedAs()]));
  }

  private live(): XdpGuard[] {
    if (this.stopped) throw new PalisadeError('PALISADE_ERR_XDP', 'xdp: the enforcer was stopped');
    return this.guards;
  }

  /** Runs map changes on every guard; a failure becomes the result's error (the drift check repairs what is half done). */
  private change(fn: (g: XdpGuard) => void): string | null {
    try {
      for (const g of this.live()) fn(g);
      return null;
    } catch (err) {
      if (err instanceof PalisadeError) return err.message;
      throw err;
    }
  }

  async start(entries: readonly BlockEntry[]): Promise<EnforceResult> {
    const wanted = toTargets(entries, 'xdp start');
    return this.serial.run(async () => {
      const now = this.now();
      const live = this.planner.startOps(wanted, now);
      const commands = showPlan(this.planner.startPlan(live).plan, undefined);
      const error = this.change((g) => {
        g.ensureAttached();
        g.replaceBlocks(live);
      });
      return { commands, executed: error === null, error };
    });
  }

  async apply(add: readonly BlockEntry[], remove: readonly BlockEntry[]): Promise<EnforceResult> {
    const a = toTargets(add, 'xdp apply (add)');
    const r = toTargets(remove, 'xdp apply (remove)');
    return this.serial.run(async () => {
      const ops = this.planner.applyOps(a, r, this.now());
      return this.run(ops);
    });
  }

  private run(ops: XdpOps): EnforceResult {
    const commands = showPlan(this.planner.opsPlan(ops).plan, undefined);
    if (ops.add.length === 0 && ops.remove.length === 0) return { commands, executed: false, error: null };
    const error = this.change((g) => {
      // Adds then removes, as every backend's batch: a target in both ends up removed.
      if (ops.add.length > 0) g.addPrefixes(ops.add);
      if (ops.remove.length > 0) g.removePrefixes(ops.remove);
    });
    return { commands, executed: error === null, error };
  }

  async reconcile(entries: readonly BlockEntry[]): Promise<DriftReport> {
    const wanted = toTargets(entries, 'xdp reconcile');
    return this.serial.run(async () => {
      const missing = new Set<string>();
      const extra = new Set<string>();
      let recreated = false;
      const commands: string[] = [];
      let error: string | null = null;
      for (const g of this.live()) {
        try {
          // Taken off the interface (ip link set dev X xdp off, another loader, the interface
          // recreated): attach again; the maps are the guard's own and kept their content.
          if (g.ensureAttached()) {
            recreated = true;
            commands.push(`xdp ${g.iface}: attach xdp_guard mode ${this.options.mode}`);
          }
          // As diffKernel does for the other backends, on map keys: an entry expiring within the
          // grace period (or expired, not lifted yet) counts neither way.
          const now = this.now();
          const want: Target[] = [];
          const soon: Target[] = [];
          for (const t of wanted) (t.expiresAt !== null && t.expiresAt - now < GRACE_SECONDS ? soon : want).push(t);
          const drift = g.drift(want, soon);
          for (const p of drift.missing) missing.add(p.text);
          for (const p of drift.extra) extra.add(p.text);
          const ops: XdpOps = { add: drift.missing as Target[], remove: drift.extra.map(extraTarget) };
          commands.push(...showPlan(new XdpPlanner([g.iface], this.options.mode).opsPlan(ops).plan, undefined));
          if (ops.add.length > 0) g.addPrefixes(ops.add);
          if (ops.remove.length > 0) g.removePrefixes(ops.remove);
        } catch (err) {
          error = (err as Error).message;
          break;
        }
      }
      this.lastRepair = { commands, executed: error === null, error };
      if (error !== null) throw new PalisadeError('PALISADE_ERR_ENFORCE', `xdp reconcile: ${error}`);
      return { missing: [...missing], extra: [...extra], recreated };
    });
  }

  async list(): Promise<string[]> {
    return this.serial.run(async () => {
      const out = new Set<string>();
      for (const g of this.live()) for (const t of g.listBlocks()) out.add(t);
      return [...out];
    });
  }

  /**
   * remove: empties the block maps and gives the guards back (the last holder detaches them);
   * otherwise the guards stay attached with their blocks in force until the next start replaces
   * them.
   */
  async stop(remove: boolean): Promise<void> {
    return this.serial.run(async () => {
      if (this.stopped) return;
      this.stopped = true;
      const errors: string[] = [];
      for (const g of this.guards) {
        try {
          if (remove && !g.closed) g.replaceBlocks([]);
        } catch (err) {
          errors.push((err as Error).message);
        }
        try {
          releaseXdpGuard(g, { keepAttached: !remove });
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      this.guards = [];
      if (errors.length > 0) throw new PalisadeError('PALISADE_ERR_XDP', `xdp stop: ${errors.join('; ')}`);
    });
  }

  /** Packets and bytes the guards dropped (all four block maps, every interface). */
  async drops(): Promise<{ packets: number; bytes: number }> {
    const s = await this.stats();
    let packets = 0;
    let bytes = 0;
    for (const v of Object.values(s)) {
      packets += v.dropped.packets;
      bytes += v.dropped.bytes;
    }
    return { packets, bytes };
  }

  /** Every guard's counters, by interface. */
  /** Per interface: the guard's counters by reason and its busiest SYN/ICMP sources. */
  async kernelStats(top: number): Promise<Record<string, unknown>> {
    return Object.fromEntries(
      this.live().map((g) => {
        return [g.iface, { counters: g.stats(), top_syn_icmp_sources: g.topSources(top) }];
      }),
    );
  }

  async stats(): Promise<Record<string, XdpStats>> {
    return Object.fromEntries(this.live().map((g) => [g.iface, g.stats()]));
  }

  /** Replaces the whitelist of every guard: listed sources pass even inside a blocked network. */
  async setWhitelist(cidrs: readonly string[]): Promise<void> {
    return this.serial.run(async () => {
      for (const g of this.live()) g.setWhitelist(cidrs);
    });
  }
}

/** A map entry the store does not hold, as a target to delete. */
function extraTarget(p: XdpPrefix): Target {
  return { ...p, network: p.bits < (p.family === 4 ? 32 : 128), expiresAt: null };
}
