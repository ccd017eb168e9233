// The filters under test on the receiving side, each run the way Palisade (or the seeds) run it,
// inside DST (the driver runs there, so no command pays for `ip netns exec`):
//   none        no filter: the plain stack's cost per delivered packet
//   xdp-pass    an XDP program that passes everything (bench_gen.bpf.c): the fixed cost of XDP
//               on this veth, the floor under the guard's overhead on legitimate traffic
//   xdp-guard   Palisade's XDP guard (xdp-guard-receiver.ts)
//   nftables    Palisade's NftablesEnforcer: table inet palisade, plain hash set with timeouts,
//               input hook at priority filter - 10
//   ipset       Palisade's IpsetEnforcer: hash:ip sets + one iptables rule per set
//   iptables    the seeds' approach: one `iptables -A INPUT -s IP -j DROP` rule (and process) per address
//   nft-interval the reference figure for nftables: an interval set on the netdev ingress
//               hook (as ../shared/tools/kbench's nft-ingress), loaded with `nft -f`; not a
//               Palisade backend (Palisade's nftables backend is the plain hash set above)
// "load" times how the filter gets N entries from nothing; "add one" one more entry while N are in.

import { formatIPv4, parseAddress } from '../../src/decode/ip-addr.js';
import type { Enforcer } from '../../src/enforce/enforcer.js';
import { IpsetEnforcer } from '../../src/enforce/ipset/index.js';
import { NftablesEnforcer } from '../../src/enforce/nftables/index.js';
import { readFileSync } from 'node:fs';
import { bpfObjectPath } from '../../src/kernel/paths.js';
import { blockEntries, blockEntry } from './addresses.js';
import { benchNative } from './addon.js';
import { msSince, run, tryRun } from './exec.js';

export type ReceiverName = 'none' | 'xdp-pass' | 'xdp-guard' | 'nftables' | 'ipset' | 'iptables' | 'nft-interval';

export interface Receiver {
  readonly name: ReceiverName;
  /** What exactly "load" and "add one" time, for the report. */
  readonly how: { load: string; addOne: string };
  /** Makes the filter drop exactly `addrs` (host byte order); returns the milliseconds timed. */
  load(addrs: Uint32Array): Promise<number>;
  /** Adds one more address while the loaded ones are present; returns the milliseconds timed, or null when not timed at this N (`skipAddOne` says why). */
  addOne(addr: number, n: number): Promise<number | null>;
  readonly skipAddOne?: string;
  /** Packets the filter's own counter has dropped so far (a cross-check), or null when not read. */
  drops(n: number): Promise<number | null>;
  /** Removes the filter entirely. */
  clear(): Promise<void>;
  /** True when loading or clearing may have replaced the NAPI kthread (XDP attach/detach). */
  readonly touchesNapi: boolean;
  /**
   * Takes the filter out of the path and puts it back with its entries intact (XDP: detach and
   * re-attach). Where present, the no-filter baseline is measured between the filter's own runs,
   * so both see the same moment of a shared machine.
   */
  pause?(): void;
  resume?(): void;
  /** The filter program's own run-time totals, for filters that are a BPF program (kernel run-time stats must be on). */
  programRuns?(): { runTimeNs: number; runCount: number };
}

export class NoFilter implements Receiver {
  readonly name = 'none' as const;
  readonly how = { load: '-', addOne: '-' };
  readonly touchesNapi = false;
  async load(): Promise<number> {
    return 0;
  }
  async addOne(): Promise<number> {
    return 0;
  }
  async drops(): Promise<number | null> {
    return null;
  }
  async clear(): Promise<void> {}
}

/** XDP_PASS for every packet, attached natively to the receiving veth. */
export class XdpPass implements Receiver {
  readonly name = 'xdp-pass' as const;
  readonly how = { load: '-', addOne: '-' };
  readonly touchesNapi = true;
  private obj: number | null = null;
  private ifindex = 0;

  constructor(private readonly iface: string) {}

  /** As a baseline between the guard's runs: attached for its own run only. */
  resume(): void {
    this.attach();
  }

  pause(): void {
    void this.clear();
  }

  attach(): void {
    const nat = benchNative();
    this.obj = nat.bpfLoad(bpfObjectPath('bench_gen'), {});
    this.ifindex = Number(readFileSync(`/sys/class/net/${this.iface}/ifindex`, 'utf8').trim());
    const mode = nat.xdpAttach(nat.bpfProgFd(this.obj, 'bench_pass'), this.ifindex, 'native');
    if (mode !== 'native') throw new Error(`xdp-pass: attached ${mode}, native expected on veth`);
  }

  async load(): Promise<number> {
    return 0;
  }
  async addOne(): Promise<number | null> {
    return null;
  }
  async drops(): Promise<number | null> {
    return null;
  }
  async clear(): Promise<void> {
    this.detach();
  }

  private detach(): void {
    if (this.obj === null) return;
    const nat = benchNative();
    try {
      nat.xdpDetach(this.ifindex, 'native');
    } finally {
      nat.bpfClose(this.obj);
      this.obj = null;
    }
  }
}

function check(r: { error: string | null }, what: string): void {
  if (r.error !== null) throw new Error(`${what}: ${r.error}`);
}

/** Palisade's batched backends through their Enforcer: start() loads, apply() adds one. */
abstract class EnforcerReceiver implements Receiver {
  abstract readonly name: ReceiverName;
  abstract readonly how: { load: string; addOne: string };
  readonly touchesNapi = false;
  protected enforcer: Enforcer | null = null;

  protected abstract make(n: number): Enforcer;

  async load(addrs: Uint32Array): Promise<number> {
    await this.clear();
    const entries = blockEntries(addrs);
    this.enforcer = this.make(addrs.length);
    const t0 = process.hrtime.bigint();
    check(await this.enforcer.start(entries), `${this.name} start`);
    return msSince(t0);
  }

  async addOne(addr: number): Promise<number> {
    if (!this.enforcer) throw new Error(`${this.name}: add one before load`);
    const one = blockEntry(addr);
    const t0 = process.hrtime.bigint();
    check(await this.enforcer.apply([one], []), `${this.name} apply`);
    return msSince(t0);
  }

  async drops(_n: number): Promise<number | null> {
    if (!this.enforcer?.drops) return null;
    return (await this.enforcer.drops()).packets;
  }

  async clear(): Promise<void> {
    if (this.enforcer) await this.enforcer.stop(true);
    this.enforcer = null;
  }
}

export class NftablesReceiver extends EnforcerReceiver {
  readonly name = 'nftables' as const;
  readonly how = {
    load: 'NftablesEnforcer.start(N entries): one `nft -f -` transaction (process start included)',
    addOne: 'NftablesEnforcer.apply([one]): one `nft -f -` (process start included)',
  };
  /** `nft list` reads every element of a set (nft 1.0.6 builds its cache even for -t): only small ones. */
  static readonly COUNTER_MAX_N = 100_000;

  protected make(): Enforcer {
    return new NftablesEnforcer({ table: 'palisade', forward: false });
  }

  override async drops(n: number): Promise<number | null> {
    return n <= NftablesReceiver.COUNTER_MAX_N ? super.drops(n) : null;
  }
}

export class IpsetReceiver extends EnforcerReceiver {
  readonly name = 'ipset' as const;
  readonly how = {
    load: 'IpsetEnforcer.start(N entries): `ipset restore` into a new set, swap, iptables-restore of the chain',
    addOne: 'IpsetEnforcer.apply([one]): one `ipset restore -exist` (process start included)',
  };

  protected make(n: number): Enforcer {
    return new IpsetEnforcer({ table: 'palisade', forward: false, maxElements: Math.max(100_000, n + 1024) });
  }
}

/** The seeds' approach: a rule per blocked address, each added by its own iptables process. */
export class PerAddressIptables implements Receiver {
  readonly name = 'iptables' as const;
  readonly how = {
    load: 'one `iptables -w -A INPUT -s IP -j DROP` process per address (the seeds\' approach)',
    addOne: 'one more `iptables -w -A INPUT -s IP -j DROP` process',
  };
  readonly touchesNapi = false;

  private append(addr: number): void {
    const text = formatIPv4(addr);
    if (parseAddress(text) === null) throw new Error(`iptables: ${text} is not an address`);
    run(['iptables', '-w', '-A', 'INPUT', '-s', text, '-j', 'DROP']);
  }

  async load(addrs: Uint32Array): Promise<number> {
    await this.clear();
    const t0 = process.hrtime.bigint();
    for (const a of addrs) this.append(a);
    return msSince(t0);
  }

  async addOne(addr: number): Promise<number> {
    const t0 = process.hrtime.bigint();
    this.append(addr);
    return msSince(t0);
  }

  async drops(): Promise<number | null> {
    let sum = 0;
    for (const line of run(['iptables', '-w', '-L', 'INPUT', '-n', '-v', '-x']).split('\n').slice(2)) {
      const pkts = Number(line.trim().split(/\s+/)[0]);
      if (Number.isFinite(pkts)) sum += pkts;
    }
    return sum;
  }

  async clear(): Promise<void> {
    const r = tryRun(['iptables', '-w', '-F', 'INPUT']);
    if (r.code !== 0) throw new Error(`iptables -F INPUT: ${r.stderr.trim()}`);
  }
}

/**
 * nftables with an interval set on the netdev ingress hook: the structure the baseline
 * (~2,500 ns per dropped packet at 1 M entries) was measured with. Loaded in chunks of 4096
 * elements per `add element`, as the reference tool does.
 */
export class NftIntervalReceiver implements Receiver {
  readonly name = 'nft-interval' as const;
  readonly how = {
    load: '`nft -f -`: table netdev, interval set, ingress chain; 4096 elements per add element (process start included)',
    addOne: 'one `nft add element` (process start included); not timed above 10 k entries',
  };
  /** nft 1.0.6 reads the whole interval set back before adding to it: minutes at 1 M entries. */
  static readonly ADD_ONE_MAX_N = 10_000;
  readonly skipAddOne = `not timed above ${NftIntervalReceiver.ADD_ONE_MAX_N.toLocaleString('en-US')} entries: nft 1.0.6 reads the whole interval set back first (over 30 s at 1 M, see ../shared/tools/kbench)`;
  static readonly TABLE = 'palisade_ref';
  readonly touchesNapi = false;
  private loaded = false;

  constructor(private readonly iface: string) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(iface)) throw new Error(`nft-interval: bad interface name ${iface}`);
  }

  async load(addrs: Uint32Array): Promise<number> {
    await this.clear();
    const t = NftIntervalReceiver.TABLE;
    const lines = [
      `table netdev ${t} {`,
      `  set bl { type ipv4_addr; flags interval; }`,
      `  chain ingress { type filter hook ingress device "${this.iface}" priority -500; policy accept; ip saddr @bl counter drop; }`,
      `}`,
    ];
    for (let i = 0; i < addrs.length; i += 4096) {
      const chunk: string[] = [];
      for (let j = i; j < Math.min(addrs.length, i + 4096); j++) chunk.push(formatIPv4(addrs[j]));
      lines.push(`add element netdev ${t} bl { ${chunk.join(', ')} }`);
    }
    const t0 = process.hrtime.bigint();
    run(['nft', '-f', '-'], lines.join('\n') + '\n');
    this.loaded = true;
    return msSince(t0);
  }

  async addOne(addr: number, n: number): Promise<number | null> {
    if (n > NftIntervalReceiver.ADD_ONE_MAX_N) return null;
    const t0 = process.hrtime.bigint();
    run(['nft', 'add', 'element', 'netdev', NftIntervalReceiver.TABLE, 'bl', `{ ${formatIPv4(addr)} }`]);
    return msSince(t0);
  }

  async drops(): Promise<number | null> {
    return null; // `nft list` reads the whole set first (see NftablesReceiver.COUNTER_MAX_N)
  }

  async clear(): Promise<void> {
    const r = tryRun(['nft', 'delete', 'table', 'netdev', NftIntervalReceiver.TABLE]);
    if (r.code !== 0 && this.loaded) throw new Error(`nft delete table netdev ${NftIntervalReceiver.TABLE}: ${r.stderr.trim()}`);
    this.loaded = false;
  }
}
