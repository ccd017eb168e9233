// Palisade's XDP guard (build/bpf/xdp_guard.bpf.o, layouts in bpf/xdp_guard.h) as a filter under
// test. Until the xdp enforcer backend is on main this drives the guard's maps the way that
// backend does: single addresses in the blk_v4 hash (key = the address, network byte order,
// value 0), the entry counts in the program's .bss (struct xg_cfg), drops counted per CPU in
// `stats`. The lead swaps load/addOne for the enforcer's start()/apply() once it lands.
//
// "load" times filling blk_v4 with one batch call plus the .bss write (the object is loaded and
// attached before the clock starts: the daemon does that once at start); "add one" times one
// map update plus the count update: two bpf() syscalls, no process start.

import { bpfObjectPath } from '../../src/kernel/paths.js';
import { benchNative, type BenchNative } from './addon.js';
import { msSince } from './exec.js';
import type { Receiver } from './receivers.js';

/** struct xg_cfg (bpf/xdp_guard.h): eight u32, n_blk_v4 first. */
const CFG_BYTES = 32;
const CFG_N_BLK_V4 = 0;
/** enum xg_stat index of drops by a single IPv4 address; values are struct xg_stat_val { u64 packets; u64 bytes }. */
const XG_STAT_DROP_ADDR_V4 = 1;
const STAT_VAL_BYTES = 16;

export class XdpGuardReceiver implements Receiver {
  readonly name = 'xdp-guard' as const;
  readonly how = {
    load: 'blk_v4 filled by one mapUpdateBatch call + the entry count in .bss (object loaded and attached before)',
    addOne: 'one mapUpdate into blk_v4 + the entry count: two bpf() syscalls in the process',
  };
  readonly touchesNapi = true;
  private readonly nat: BenchNative;
  private obj: number | null = null;
  private progFd = -1;
  private blkFd = -1;
  private bssFd = -1;
  private statsFd = -1;
  private count = 0;
  /** The whole .bss value (struct xg_cfg first), written at once. */
  private bss = Buffer.alloc(CFG_BYTES);

  constructor(private readonly ifindex: number) {
    this.nat = benchNative();
  }

  /** Loads a fresh object with blk_v4 sized for n plus the "add one" entries, and attaches it. */
  private attach(n: number): void {
    this.detach();
    const obj = this.nat.bpfLoad(bpfObjectPath('xdp_guard'), { blk_v4: n + 1024 });
    try {
      this.blkFd = this.nat.bpfMapFd(obj, 'blk_v4');
      this.bssFd = this.nat.bpfMapFd(obj, '.bss');
      this.statsFd = this.nat.bpfMapFd(obj, 'stats');
      const bss = this.nat.bpfMapInfo(this.bssFd);
      if (bss.valueSize < CFG_BYTES) throw new Error(`xdp_guard .bss is ${bss.valueSize} bytes, struct xg_cfg needs ${CFG_BYTES}`);
      this.bss = Buffer.alloc(bss.valueSize); // all zero: every count 0, no sampling
      this.progFd = this.nat.bpfProgFd(obj, 'xdp_guard');
      this.attachProg();
    } catch (err) {
      this.nat.bpfClose(obj);
      throw err;
    }
    this.obj = obj;
    this.count = 0;
  }

  private attachProg(): void {
    const mode = this.nat.xdpAttach(this.progFd, this.ifindex, 'native');
    if (mode !== 'native') throw new Error(`xdp_guard attached in ${mode} mode, native expected on veth`);
  }

  pause(): void {
    if (this.obj !== null) this.nat.xdpDetach(this.ifindex, 'native');
  }

  resume(): void {
    if (this.obj !== null) this.attachProg();
  }

  private detach(): void {
    if (this.obj === null) return;
    this.nat.xdpDetach(this.ifindex, 'native');
    this.nat.bpfClose(this.obj);
    this.obj = null;
  }

  private writeCount(): void {
    this.bss.writeUInt32LE(this.count, CFG_N_BLK_V4);
    this.nat.mapUpdate(this.bssFd, Buffer.alloc(4), this.bss, 0);
  }

  async load(addrs: Uint32Array): Promise<number> {
    this.attach(addrs.length);
    const keys = Buffer.alloc(4 * addrs.length);
    for (let i = 0; i < addrs.length; i++) keys.writeUInt32BE(addrs[i], 4 * i);
    const values = Buffer.alloc(4 * addrs.length);
    const t0 = process.hrtime.bigint();
    const written = this.nat.mapUpdateBatch(this.blkFd, keys, values, addrs.length);
    this.count = written;
    this.writeCount();
    const ms = msSince(t0);
    if (written !== addrs.length) throw new Error(`xdp-guard: blk_v4 took ${written} of ${addrs.length} entries`);
    return ms;
  }

  async addOne(addr: number): Promise<number> {
    const key = Buffer.alloc(4);
    key.writeUInt32BE(addr, 0);
    const t0 = process.hrtime.bigint();
    this.nat.mapUpdate(this.blkFd, key, Buffer.alloc(4), 0);
    this.count++;
    this.writeCount();
    return msSince(t0);
  }

  async drops(): Promise<number | null> {
    if (this.obj === null) return null;
    const cpus = this.nat.numPossibleCpus();
    const value = Buffer.alloc(STAT_VAL_BYTES * cpus);
    const key = Buffer.alloc(4);
    key.writeUInt32LE(XG_STAT_DROP_ADDR_V4, 0);
    if (!this.nat.mapLookup(this.statsFd, key, value)) return null;
    let sum = 0;
    for (let c = 0; c < cpus; c++) sum += Number(value.readBigUInt64LE(c * STAT_VAL_BYTES));
    return sum;
  }

  async clear(): Promise<void> {
    this.detach();
  }
}
