// Palisade's XDP guard (bpf/xdp_guard.bpf.c) as a filter under test, driven through the daemon's
// own xdp backend (XdpEnforcer): start() loads N entries, apply() adds one, drops() reads the
// guard's per-CPU drop counters.
//
// "load" times XdpEnforcer.start(N entries) (validation, the guard's map diff, batch updates);
// the guard is opened and attached before the clock starts, as the daemon does once at start.
// "add one" times XdpEnforcer.apply([one]): map updates from the process, no tool started.

import { XdpEnforcer } from '../../src/enforce/xdp/index.js';
import { BLOOM_BITS_PER_ADDR } from '../../src/kernel/xdp-table.js';
import { blockEntries, blockEntry } from './addresses.js';
import { msSince } from './exec.js';
import type { Receiver } from './receivers.js';

export class XdpGuardReceiver implements Receiver {
  readonly name = 'xdp-guard' as const;
  readonly how = {
    load: 'XdpEnforcer.start(N entries): blk_v4 filled through the addon (guard loaded and attached before the clock starts)',
    addOne: 'XdpEnforcer.apply([one]): map updates from the process, no tool started',
  };
  readonly touchesNapi = true;
  private enforcer: XdpEnforcer | null = null;

  /** filterBits: bloom_v4 bits per blocked address (the daemon's by default). */
  constructor(
    private readonly iface: string,
    private readonly filterBits = BLOOM_BITS_PER_ADDR,
  ) {}

  private live(): XdpEnforcer {
    if (!this.enforcer) throw new Error('xdp-guard: used before load');
    return this.enforcer;
  }

  async load(addrs: Uint32Array): Promise<number> {
    await this.clear();
    // Block maps sized as policy.max_blocks would be for N (at least the default 100 k).
    this.enforcer = XdpEnforcer.open({ interfaces: [this.iface], mode: 'native', maxBlocks: Math.max(100_000, addrs.length + 1024), filterBitsPerAddr: this.filterBits });
    if (this.enforcer.modes()[this.iface] !== 'native') throw new Error(`xdp-guard: attached ${this.enforcer.modes()[this.iface]}, native expected on veth`);
    const entries = blockEntries(addrs);
    const t0 = process.hrtime.bigint();
    const r = await this.enforcer.start(entries);
    const ms = msSince(t0);
    if (r.error !== null) throw new Error(`xdp-guard start: ${r.error}`);
    return ms;
  }

  async addOne(addr: number): Promise<number> {
    const one = blockEntry(addr);
    const t0 = process.hrtime.bigint();
    const r = await this.live().apply([one], []);
    const ms = msSince(t0);
    if (r.error !== null) throw new Error(`xdp-guard apply: ${r.error}`);
    return ms;
  }

  async drops(): Promise<number | null> {
    return this.enforcer ? (await this.enforcer.drops()).packets : null;
  }

  /** The guard program's run-time totals (counting must be on: BpfAddon.runTimeStatsOn). */
  programRuns(): { runTimeNs: number; runCount: number } {
    const g = this.live().guardList()[0];
    return g.runStats();
  }

  /** Detaches the guard, keeping its maps (the no-filter baseline runs in between). */
  pause(): void {
    for (const g of this.live().guardList()) g.detach();
  }

  resume(): void {
    for (const g of this.live().guardList()) g.attach();
  }

  async clear(): Promise<void> {
    if (this.enforcer) await this.enforcer.stop(true);
    this.enforcer = null;
  }
}
