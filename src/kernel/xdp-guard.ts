// The XDP guard of one interface (bpf/xdp_guard.bpf.c): loads the object with the map sizes from
// the config, attaches it, and keeps its maps — blocked addresses (hash maps), blocked networks and
// the whitelist (LPM tries) — plus its sampling settings, counters and ring buffer. One guard per
// interface, shared by the xdp enforcer and the XDP packet source through acquireXdpGuard().
// Offsets below mirror bpf/xdp_guard.h (test/xdp-layout.test.ts checks them against the BTF).

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { formatIPv4, formatIPv6, parseCidr } from '../decode/ip-addr.js';
import { PalisadeError } from '../errors.js';
import { BPF_NOEXIST, bpfAddon, errnoName, perCpuStride, type BpfAddon, type XdpAttachMode } from './bpf.js';
import { bpfObjectPath } from './paths.js';
import { bloomWords, BUCKET_SIZE, rawOf, tabBuckets, V4Table } from './xdp-table.js';

export type XdpMode = 'auto' | 'native' | 'generic';

/** One blocked or whitelisted prefix (an enforce Target has this shape). */
export interface XdpPrefix {
  /** Canonical text: "203.0.113.7", "2001:db8::/48". */
  text: string;
  family: 4 | 6;
  bits: number;
  /** Network-order bytes (4 or 16), host bits cleared. */
  bytes: Uint8Array;
}

export type BlockMapName = 'blk_v4' | 'blk_v6' | 'net_v4' | 'net_v6';
export type AllowMapName = 'allow_v4' | 'allow_v6';
type KeyedMap = BlockMapName | AllowMapName;

export const BLOCK_MAPS: readonly BlockMapName[] = ['blk_v4', 'blk_v6', 'net_v4', 'net_v6'];
export const ALLOW_MAPS: readonly AllowMapName[] = ['allow_v4', 'allow_v6'];

/** Key sizes of bpf/xdp_guard.h: __u32, struct in6_key, struct lpm_v4_key, struct lpm_v6_key. */
export const KEY_SIZE: Record<KeyedMap, number> = { blk_v4: 4, blk_v6: 16, net_v4: 8, net_v6: 20, allow_v4: 8, allow_v6: 20 };
/** Every keyed map's value is a __u32 (0, unused). */
export const VALUE_SIZE = 4;

/** enum xg_stat, in index order. */
export const XDP_STAT_NAMES = [
  'passed',
  'drop_addr_v4',
  'drop_addr_v6',
  'drop_net_v4',
  'drop_net_v6',
  'allowed',
  'sampled',
  'ringbuf_full',
  'not_ip',
  'malformed',
] as const;
export type XdpStatName = (typeof XDP_STAT_NAMES)[number];
export interface XdpCounter {
  packets: number;
  bytes: number;
}
export type XdpStats = Record<XdpStatName, XdpCounter> & { dropped: XdpCounter };

/** struct xg_stat_val */
export const STAT_VALUE_SIZE = 16;

/** struct xg_cfg (the program's .bss): u32 fields in this order. */
export const CFG_FIELDS = ['n_blk_v4', 'n_blk_v6', 'n_net_v4', 'n_net_v6', 'n_allow_v4', 'n_allow_v6', 'sample_rate', 'snaplen', 'tab_mask', 'tab_seed', 'bloom_shift', 'pad'] as const;
export const CFG_SIZE = 48;

/** struct src_key / struct src_rate_val */
export const SRC_KEY_SIZE = 20;
export const SRC_VALUE_SIZE = 32;

/** struct xg_event_hdr: offsets of its fields, then the frame bytes. */
export const EVENT = { ktime_ns: 0, ifindex: 8, wirelen: 12, caplen: 16, verdict: 18, flags: 19, rx_queue: 20, size: 24 } as const;
/** xg_event_hdr.flags bits. */
export const EVENT_FLAGS = { ipv4: 0x01, ipv6: 0x02, vlan: 0x04, qinq: 0x08, allowed: 0x10, notIp: 0x20, malformed: 0x40 } as const;
/** XG_MAX_SNAP: bytes of a frame a record can carry. */
export const MAX_SNAPLEN = 512;

export const DEFAULT_MAX_BLOCKS = 100_000;
export const DEFAULT_MAX_ALLOW = 16_384;

export interface SourceRate {
  /** Canonical address text. */
  addr: string;
  family: 4 | 6;
  /** TCP SYNs without ACK, and ICMP/ICMPv6 packets, passed by the guard since first seen. */
  syn: number;
  icmp: number;
  /** Wall clock, seconds since the epoch. */
  firstSeen: number;
  lastSeen: number;
}

export interface XdpGuardOptions {
  /** Interface name (as in /sys/class/net). */
  iface: string;
  /** Attach mode: auto = native, falling back to generic (config enforce.xdp_mode). */
  mode?: XdpMode;
  /** max_entries of each block map (config policy.max_blocks). */
  maxBlocks?: number;
  /** max_entries of each whitelist trie. */
  maxAllow?: number;
  /**
   * bloom_v4 bits per address of maxBlocks (default BLOOM_BITS_PER_ADDR, 8: about 1 legitimate
   * packet in 20 reads the table at maxBlocks). Only the benchmark changes it, to measure the
   * filter's size against its false positives (docs/benchmarks.md).
   */
  filterBitsPerAddr?: number;
  /** Ring buffer bytes (a power of two, at least a page). */
  ringBytes?: number;
  /** Compiled object (default build/bpf/xdp_guard.bpf.o). */
  objectPath?: string;
}

const IFACE_RE = /^[A-Za-z0-9_.@-]{1,15}$/;
const LE = endianness() === 'LE';

/** ifindex of a network interface of this network namespace, or throws naming the interface. */
export function ifindexOf(iface: string): number {
  if (!IFACE_RE.test(iface)) throw new PalisadeError('PALISADE_ERR_XDP', `xdp: '${iface}' is not a network interface name`);
  const path = `/sys/class/net/${iface}/ifindex`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new PalisadeError('PALISADE_ERR_XDP', `xdp: interface ${iface} does not exist here (${path} is missing)`);
  }
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n <= 0) throw new PalisadeError('PALISADE_ERR_XDP', `xdp: ${path} holds '${text.trim()}', not an ifindex`);
  return n;
}

/** Wall-clock seconds of a CLOCK_MONOTONIC time in ns (bpf_ktime_get_ns); Node's hrtime is the same clock. */
export class MonoClock {
  private offset = 0;
  private refreshedAt = -Infinity;

  /** Seconds since the epoch for `ns` (a double: exact to well under a microsecond). */
  wall(ns: number): number {
    return this.offsetSeconds() + ns / 1e9;
  }

  private offsetSeconds(): number {
    const mono = Number(process.hrtime.bigint());
    // Re-anchored every second so a wall-clock step (NTP) shows up within a second.
    if (mono - this.refreshedAt > 1e9) {
      this.offset = Date.now() / 1000 - mono / 1e9;
      this.refreshedAt = mono;
    }
    return this.offset;
  }
}

function mapFor(p: XdpPrefix): BlockMapName {
  const max = p.family === 4 ? 32 : 128;
  if (p.bits === max) return p.family === 4 ? 'blk_v4' : 'blk_v6';
  return p.family === 4 ? 'net_v4' : 'net_v6';
}

function allowMapFor(p: XdpPrefix): AllowMapName {
  return p.family === 4 ? 'allow_v4' : 'allow_v6';
}

/** Writes the map key of `p` for map `m` at `off`. */
function writeKey(buf: Buffer, off: number, m: KeyedMap, p: XdpPrefix): void {
  if (m === 'blk_v4' || m === 'blk_v6') {
    buf.set(p.bytes, off);
    return;
  }
  writeU32(buf, p.bits, off);
  buf.set(p.bytes, off + 4);
}

/** Canonical text of the key at `off` of map `m`. */
function keyText(buf: Buffer, off: number, m: KeyedMap): string {
  switch (m) {
    case 'blk_v4':
      return formatIPv4(buf.readUInt32BE(off));
    case 'blk_v6':
      return formatIPv6(buf, off);
    default: {
      const bits = readU32(buf, off);
      const v4 = m === 'net_v4' || m === 'allow_v4';
      const addr = v4 ? formatIPv4(buf.readUInt32BE(off + 4)) : formatIPv6(buf, off + 4);
      return bits === (v4 ? 32 : 128) ? addr : `${addr}/${bits}`;
    }
  }
}

/** Identity of a key for set membership: IPv4 addresses as numbers, other keys as byte strings. */
function keyId(m: KeyedMap, buf: Buffer, off: number): number | string {
  return m === 'blk_v4' ? buf.readUInt32BE(off) : buf.toString('latin1', off, off + KEY_SIZE[m]);
}

/** keyId of the key `p` would have in map `m` (scratch: room for one key). */
function prefixId(m: KeyedMap, p: XdpPrefix, scratch: Buffer): number | string {
  if (m === 'blk_v4') {
    const b = p.bytes;
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  }
  writeKey(scratch, 0, m, p);
  return keyId(m, scratch, 0);
}

interface KeySet {
  add(k: number | string): void;
  has(k: number | string): boolean;
}

/** IPv4 keys in an open-addressing table (a JS Set of a million numbers is ten times slower). */
class U32Set implements KeySet {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private hasZero = false;

  constructor(n: number) {
    let cap = 16;
    while (cap < 2 * n) cap *= 2;
    this.slots = new Uint32Array(cap);
    this.mask = cap - 1;
  }

  private slot(k: number): number {
    let i = (Math.imul(k, 0x9e3779b1) >>> 0) & this.mask;
    while (this.slots[i] !== 0 && this.slots[i] !== k) i = (i + 1) & this.mask;
    return i;
  }

  add(k: number | string): void {
    const v = (k as number) >>> 0;
    if (v === 0) this.hasZero = true;
    else this.slots[this.slot(v)] = v;
  }

  has(k: number | string): boolean {
    const v = (k as number) >>> 0;
    return v === 0 ? this.hasZero : this.slots[this.slot(v)] === v;
  }
}

function keySet(m: KeyedMap, n: number): KeySet {
  return m === 'blk_v4' ? new U32Set(n) : new Set<number | string>();
}

/** Validates CIDR text (parseCidr) into prefixes; throws PALISADE_ERR_ENFORCE_TARGET naming the bad one. */
export function toPrefixes(cidrs: readonly string[], where: string): XdpPrefix[] {
  return cidrs.map((text) => {
    const c = typeof text === 'string' ? parseCidr(text.trim()) : null;
    if (!c) throw new PalisadeError('PALISADE_ERR_ENFORCE_TARGET', `${where}: '${String(text)}' is not an IPv4/IPv6 address or CIDR; nothing was changed`);
    return { text: c.text, family: c.version, bits: c.bits, bytes: c.bytes };
  });
}

interface Registered {
  guard: XdpGuard;
  refs: number;
  keepAttached: boolean;
}
const registry = new Map<string, Registered>();

/**
 * The shared guard of `opts.iface`: loaded and attached by the first caller, counted per caller.
 * Every caller must pass the same sizes (from the config); a later caller asking for larger block
 * maps than the loaded ones is refused. Give it back with releaseXdpGuard().
 */
export function acquireXdpGuard(opts: XdpGuardOptions): XdpGuard {
  const r = registry.get(opts.iface);
  if (r) {
    const want = opts.maxBlocks ?? DEFAULT_MAX_BLOCKS;
    if (want > r.guard.maxBlocks) {
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${opts.iface}: the loaded guard holds ${r.guard.maxBlocks} blocks per map, ${want} asked (restart to resize)`);
    }
    r.refs++;
    return r.guard;
  }
  const guard = XdpGuard.load(opts);
  try {
    guard.attach();
  } catch (err) {
    guard.close();
    throw err;
  }
  registry.set(opts.iface, { guard, refs: 1, keepAttached: false });
  return guard;
}

/** Gives back a guard from acquireXdpGuard(); the last release detaches it, unless a releaser asked to keep it attached. */
export function releaseXdpGuard(guard: XdpGuard, opts: { keepAttached?: boolean } = {}): void {
  const r = registry.get(guard.iface);
  if (!r || r.guard !== guard) {
    guard.close({ keepAttached: opts.keepAttached });
    return;
  }
  if (opts.keepAttached) r.keepAttached = true;
  if (--r.refs > 0) return;
  registry.delete(guard.iface);
  guard.close({ keepAttached: r.keepAttached });
}

export class XdpGuard {
  readonly iface: string;
  readonly mode: XdpMode;
  readonly maxBlocks: number;
  readonly maxAllow: number;
  readonly objectPath: string;
  private readonly bpf: BpfAddon;
  private obj: number | null;
  private readonly progFd: number;
  private readonly fds: Record<KeyedMap | 'tab_v4' | 'bloom_v4' | 'stats' | 'src_rate' | 'events' | 'cfg', number>;
  /** Single IPv4 blocks: the table's copy, and what sits in the blk_v4 hash map (raw u32s). */
  private readonly table: V4Table;
  private hashV4 = new Set<number>();
  private readonly cpus: number;
  /** Entries per keyed map as far as this process knows (the program skips maps at 0). */
  private readonly counts: Record<KeyedMap, number> = { blk_v4: 0, blk_v6: 0, net_v4: 0, net_v6: 0, allow_v4: 0, allow_v6: 0 };
  private sampleRate = 0;
  private snaplen = 0;
  private ifindex = 0;
  private attachedMode: XdpAttachMode | null = null;
  private progId = 0;
  private ring: number | null = null;
  private readonly listeners = new Set<(batch: Buffer, count: number) => void>();
  private readonly zeroValues = Buffer.alloc(VALUE_SIZE);

  private constructor(opts: XdpGuardOptions, bpf: BpfAddon) {
    this.iface = opts.iface;
    this.mode = opts.mode ?? 'auto';
    this.maxBlocks = opts.maxBlocks ?? DEFAULT_MAX_BLOCKS;
    this.maxAllow = opts.maxAllow ?? DEFAULT_MAX_ALLOW;
    this.objectPath = opts.objectPath ?? bpfObjectPath('xdp_guard');
    this.bpf = bpf;
    const buckets = tabBuckets(this.maxBlocks);
    const words = bloomWords(this.maxBlocks, opts.filterBitsPerAddr);
    this.table = new V4Table(buckets, words, randomBytes(4).readUInt32LE(0));
    const sizes: Record<string, number> = { tab_v4: buckets, bloom_v4: words, blk_v4: this.maxBlocks, blk_v6: this.maxBlocks, net_v4: this.maxBlocks, net_v6: this.maxBlocks, allow_v4: this.maxAllow, allow_v6: this.maxAllow };
    if (opts.ringBytes !== undefined) sizes.events = opts.ringBytes;
    this.obj = this.call('load', () => bpf.bpfLoad(this.objectPath, sizes));
    try {
      this.progFd = bpf.bpfProgFd(this.obj, 'xdp_guard');
      const fd = (name: string) => bpf.bpfMapFd(this.obj!, name);
      this.fds = {
        tab_v4: fd('tab_v4'),
        bloom_v4: fd('bloom_v4'),
        blk_v4: fd('blk_v4'),
        blk_v6: fd('blk_v6'),
        net_v4: fd('net_v4'),
        net_v6: fd('net_v6'),
        allow_v4: fd('allow_v4'),
        allow_v6: fd('allow_v6'),
        stats: fd('stats'),
        src_rate: fd('src_rate'),
        events: fd('events'),
        cfg: fd('.bss'),
      };
      this.cpus = bpf.numPossibleCpus();
      const cfg = bpf.bpfMapInfo(this.fds.cfg);
      if (cfg.valueSize !== CFG_SIZE) throw new Error(`.bss is ${cfg.valueSize} bytes, struct xg_cfg is ${CFG_SIZE}: object and Palisade do not match`);
      const tab = bpf.bpfMapInfo(this.fds.tab_v4);
      if (tab.valueSize !== BUCKET_SIZE || tab.maxEntries !== buckets) throw new Error(`tab_v4 has ${tab.maxEntries} buckets of ${tab.valueSize} bytes, ${buckets} of ${BUCKET_SIZE} expected`);
    } catch (err) {
      bpf.bpfClose(this.obj);
      this.obj = null;
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: ${this.objectPath} is not Palisade's XDP guard: ${(err as Error).message}`);
    }
  }

  /** Loads (verifies) the object; nothing is attached yet. Throws PalisadeError with the reason. */
  static load(opts: XdpGuardOptions): XdpGuard {
    const path = opts.objectPath ?? bpfObjectPath('xdp_guard');
    if (!existsSync(path)) throw new PalisadeError('PALISADE_ERR_XDP', `xdp: the guard's object ${path} is missing (run make)`);
    let bpf: BpfAddon;
    try {
      bpf = bpfAddon();
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp: ${(err as Error).message}`);
    }
    if (opts.maxBlocks !== undefined && !(Number.isInteger(opts.maxBlocks) && opts.maxBlocks > 0)) {
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp: maxBlocks must be a positive integer, got ${opts.maxBlocks}`);
    }
    const fb = opts.filterBitsPerAddr;
    if (fb !== undefined && !(Number.isInteger(fb) && fb >= 1 && fb <= 64)) {
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp: filterBitsPerAddr must be an integer from 1 to 64, got ${fb}`);
    }
    return new XdpGuard(opts, bpf);
  }

  /** Runs an addon call, turning its errno error into one PalisadeError line naming the guard. */
  private call<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PalisadeError) throw err;
      const code = errnoName(err);
      const hint = code === 'EPERM' || code === 'EACCES' ? ' (not root, or the kernel verifier refused the program: libbpf printed why)' : '';
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: ${what}: ${(err as Error).message}${hint}`);
    }
  }

  private objHandle(): number {
    if (this.obj === null) throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: the guard is closed`);
    return this.obj;
  }

  // ---- attachment

  /** Attaches to the interface (replacing any XDP program there); returns the mode that worked. */
  attach(): XdpAttachMode {
    this.objHandle();
    this.ifindex = ifindexOf(this.iface);
    const used = this.call(`attach (${this.mode})`, () => this.bpf.xdpAttach(this.progFd, this.ifindex, this.mode));
    this.attachedMode = used;
    const q = this.call('query', () => this.bpf.xdpQuery(this.ifindex));
    this.progId = used === 'native' ? q.native : q.generic;
    return used;
  }

  /** The mode this guard is attached in, or null (as last attached: see isAttached for the kernel's view). */
  attachedAs(): XdpAttachMode | null {
    return this.attachedMode;
  }

  /** True when the kernel still runs this guard's program on the interface (same ifindex, same program). */
  isAttached(): boolean {
    if (this.attachedMode === null || this.obj === null) return false;
    let idx: number;
    try {
      idx = ifindexOf(this.iface);
    } catch {
      return false;
    }
    if (idx !== this.ifindex) return false;
    const q = this.call('query', () => this.bpf.xdpQuery(idx));
    return (this.attachedMode === 'native' ? q.native : q.generic) === this.progId;
  }

  /** Attaches again when the program was taken off (or the interface recreated); true when it had to. */
  ensureAttached(): boolean {
    if (this.isAttached()) return false;
    this.attach();
    return true;
  }

  /** Takes the program off the interface, unless another program replaced it since. */
  detach(): void {
    if (this.attachedMode === null) return;
    const mode = this.attachedMode;
    this.attachedMode = null;
    let idx: number;
    try {
      idx = ifindexOf(this.iface);
    } catch {
      return; // the interface is gone, and the program with it
    }
    if (idx !== this.ifindex) return;
    const q = this.call('query', () => this.bpf.xdpQuery(idx));
    if ((mode === 'native' ? q.native : q.generic) !== this.progId) return;
    this.call('detach', () => this.bpf.xdpDetach(idx, mode));
  }

  /** Stops the ring buffer, detaches (unless keepAttached: the program and its maps then stay in force) and frees the object. */
  close(opts: { keepAttached?: boolean } = {}): void {
    if (this.obj === null) return;
    this.closeRing();
    try {
      if (!opts.keepAttached) this.detach();
    } finally {
      this.bpf.bpfClose(this.obj);
      this.obj = null;
    }
  }

  get closed(): boolean {
    return this.obj === null;
  }

  // ---- settings (.bss)

  /** Every `rate`th passed packet (per CPU) goes to the ring buffer, `snaplen` bytes of it; rate 0 = none. */
  setSampling(rate: number, snaplen: number): void {
    if (!Number.isInteger(rate) || rate < 0) throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: sample rate must be an integer >= 0, got ${rate}`);
    if (!Number.isInteger(snaplen) || snaplen < 0) throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: snaplen must be an integer >= 0, got ${snaplen}`);
    this.sampleRate = rate;
    this.snaplen = Math.min(snaplen, MAX_SNAPLEN);
    this.writeCfg();
  }

  sampling(): { rate: number; snaplen: number } {
    return { rate: this.sampleRate, snaplen: this.snaplen };
  }

  private writeCfg(): void {
    const v = Buffer.alloc(CFG_SIZE);
    const values: Record<(typeof CFG_FIELDS)[number], number> = {
      n_blk_v4: this.counts.blk_v4,
      n_blk_v6: this.counts.blk_v6,
      n_net_v4: this.counts.net_v4,
      n_net_v6: this.counts.net_v6,
      n_allow_v4: this.counts.allow_v4,
      n_allow_v6: this.counts.allow_v6,
      sample_rate: this.sampleRate,
      snaplen: this.snaplen,
      tab_mask: this.table.mask,
      tab_seed: this.table.seed,
      bloom_shift: this.table.bloomShift,
      pad: 0,
    };
    CFG_FIELDS.forEach((f, i) => writeU32(v, values[f], 4 * i));
    const fd = this.fds.cfg;
    this.call('write settings', () => this.bpf.mapUpdate(fd, Buffer.alloc(4), v, 0));
  }

  /** Entry counts as the program sees them (guard_cfg). */
  entryCounts(): Record<KeyedMap, number> {
    return { ...this.counts };
  }

  // ---- blocks

  /** Blocks addresses and networks (CIDR text, validated); /32 and /128 go to the hash maps, shorter prefixes to the tries. */
  block(cidrs: readonly string[]): void {
    this.addPrefixes(toPrefixes(cidrs, `xdp ${this.iface} block`));
  }

  /** Unblocks; returns how many entries were in the maps. */
  unblock(cidrs: readonly string[]): number {
    return this.removePrefixes(toPrefixes(cidrs, `xdp ${this.iface} unblock`));
  }

  /** Adds validated prefixes to the block maps (one batch per map). */
  addPrefixes(prefixes: readonly XdpPrefix[]): void {
    this.objHandle();
    for (const [m, list] of group(prefixes, mapFor)) this.addTo(m, list);
    this.writeCfg();
  }

  /** Removes validated prefixes from the block maps; returns how many were there. */
  removePrefixes(prefixes: readonly XdpPrefix[]): number {
    this.objHandle();
    let n = 0;
    for (const [m, list] of group(prefixes, mapFor)) n += this.removeFrom(m, list);
    this.writeCfg();
    return n;
  }

  /** Makes the block maps hold exactly `prefixes` (batch load); returns what changed. */
  replaceBlocks(prefixes: readonly XdpPrefix[]): { added: number; removed: number } {
    return this.replaceIn(BLOCK_MAPS, prefixes, mapFor);
  }

  /** Every blocked entry, as canonical text. */
  listBlocks(): string[] {
    return this.listMaps(BLOCK_MAPS);
  }

  /**
   * Compares the block maps with `want` (must be there) and `ignore` (may be there or not: about to
   * expire); returns what is missing and what is extra, without adding or removing any block (it
   * may rewrite the IPv4 filter and bucket flags so that whatever blk_v4 holds drops). Keys are
   * compared as bytes (numbers for IPv4): a million entries take a fraction of a second.
   */
  drift(want: readonly XdpPrefix[], ignore: readonly XdpPrefix[] = []): { missing: XdpPrefix[]; extra: XdpPrefix[] } {
    this.objHandle();
    const missing: XdpPrefix[] = [];
    const extra: XdpPrefix[] = [];
    const wantBy = group(want, mapFor);
    const ignoreBy = group(ignore, mapFor);
    const scratch = Buffer.alloc(32);
    try {
      for (const m of BLOCK_MAPS) {
        const ks = KEY_SIZE[m];
        const r = this.dump(m);
        const have = keySet(m, r.count);
        for (let i = 0; i < r.count; i++) have.add(keyId(m, r.keys, i * ks));
        const known = keySet(m, (wantBy.get(m)?.length ?? 0) + (ignoreBy.get(m)?.length ?? 0));
        for (const p of wantBy.get(m) ?? []) {
          const id = prefixId(m, p, scratch);
          if (known.has(id)) continue;
          known.add(id);
          if (!have.has(id)) missing.push(p);
        }
        for (const p of ignoreBy.get(m) ?? []) known.add(prefixId(m, p, scratch));
        for (let i = 0; i < r.count; i++) {
          if (known.has(keyId(m, r.keys, i * ks))) continue;
          extra.push(toPrefixes([keyText(r.keys, i * ks, m)], `xdp ${this.iface}`)[0]);
        }
      }
    } finally {
      this.writeCfg();
    }
    return { missing, extra };
  }

  // ---- whitelist

  /** Replaces the whitelist (CIDR text, validated): a listed source passes even when blocked. */
  setWhitelist(cidrs: readonly string[]): void {
    const p = toPrefixes(cidrs, `xdp ${this.iface} whitelist`);
    this.replaceIn(ALLOW_MAPS, p, allowMapFor);
  }

  whitelist(): string[] {
    return this.listMaps(ALLOW_MAPS);
  }

  // ---- map plumbing

  private encode(m: KeyedMap, list: readonly XdpPrefix[]): Buffer {
    const ks = KEY_SIZE[m];
    const keys = Buffer.alloc(ks * list.length);
    for (let i = 0; i < list.length; i++) writeKey(keys, i * ks, m, list[i]);
    return keys;
  }

  // No de-duplication up front (a Set of a million strings costs more than the kernel's batch):
  // a repeated key is simply written twice, skipped as EEXIST, or found missing on delete.
  private addTo(m: KeyedMap, list: readonly XdpPrefix[]): void {
    if (list.length === 0) return;
    if (m === 'blk_v4') return this.addV4(list);
    const fd = this.fds[m];
    const keys = this.encode(m, list);
    const ks = KEY_SIZE[m];
    const hash = m === 'blk_v6';
    if (hash && (this.counts[m] === 0 || list.length > 256)) {
      // Batch load. Into a map known empty every key is new (a repeated one makes the count an
      // upper bound, which only costs a lookup); otherwise count afterwards.
      const wasEmpty = this.counts[m] === 0;
      const values = Buffer.alloc(VALUE_SIZE * list.length);
      try {
        this.bpf.mapUpdateBatch(fd, keys, values, list.length);
      } catch (err) {
        this.recount(m);
        throw this.addError(m, err, `${list.length} entries did not all fit (${this.counts[m]} are in)`);
      }
      if (wasEmpty) this.counts[m] = list.length;
      else this.recount(m);
      return;
    }
    // One update each with BPF_NOEXIST: exact counts, and an existing entry is left alone.
    for (let i = 0; i < list.length; i++) {
      const key = keys.subarray(i * ks, (i + 1) * ks);
      try {
        this.bpf.mapUpdate(fd, key, this.zeroValues, BPF_NOEXIST);
        this.counts[m]++;
      } catch (err) {
        if (errnoName(err) === 'EEXIST') continue;
        this.writeCfg();
        throw this.addError(m, err, `${list[i].text} not added`);
      }
    }
  }

  /** One line for a failed add: a full map names the setting that sizes it. */
  private addError(m: KeyedMap, err: unknown, detail: string): PalisadeError {
    const code = errnoName(err);
    if (code === 'E2BIG' || code === 'ENOSPC') {
      const size = m.startsWith('allow') ? `${this.maxAllow} entries` : `${this.maxBlocks} entries, policy.max_blocks`;
      return new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: ${m} is full (${size}): ${detail}`);
    }
    return new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: ${m}: ${(err as Error).message}: ${detail}`);
  }

  private removeFrom(m: KeyedMap, list: readonly XdpPrefix[]): number {
    if (list.length === 0) return 0;
    if (m === 'blk_v4') return this.removeV4(list);
    const fd = this.fds[m];
    const keys = this.encode(m, list);
    const n = this.call(`remove ${list.length} from ${m}`, () => this.bpf.mapDeleteBatch(fd, keys, list.length));
    this.counts[m] = Math.max(0, this.counts[m] - n);
    return n;
  }

  /** The raw keys of map `m`; sets the entry count from what the kernel holds. */
  private dump(m: KeyedMap): { keys: Buffer; count: number } {
    if (m === 'blk_v4') return this.dumpV4();
    const fd = this.fds[m];
    const ks = KEY_SIZE[m];
    const max = m.startsWith('allow') ? this.maxAllow : this.maxBlocks;
    // Hash maps dump in batches (fast at a million entries); tries walk their keys.
    const r =
      m === 'blk_v6'
        ? this.call(`read ${m}`, () => this.bpf.mapLookupBatch(fd, ks, VALUE_SIZE, max))
        : this.call(`read ${m}`, () => this.bpf.mapKeys(fd, ks, max));
    this.counts[m] = r.count;
    return r;
  }

  // ---- single IPv4 blocks: tab_v4, spilling into blk_v4

  /**
   * Places each address in its tab_v4 bucket; an address whose bucket is full (and 0.0.0.0, which
   * marks a free slot) goes to blk_v4 and flags the bucket. blk_v4 is written before the buckets
   * that point at it. At policy.max_blocks single IPv4 blocks the rest is refused.
   */
  private addV4(list: readonly XdpPrefix[]): void {
    const t = this.table;
    const toHash: number[] = [];
    let refused = 0;
    for (let i = 0; i < list.length; i++) {
      const raw = rawOf(list[i].bytes);
      if (this.hashV4.has(raw) || (raw !== 0 && t.has(raw))) continue;
      if (t.count + this.hashV4.size >= this.maxBlocks) {
        refused = list.length - i;
        break;
      }
      if (raw !== 0 && t.place(raw) === 'placed') continue;
      this.hashV4.add(raw);
      toHash.push(raw);
    }
    try {
      if (toHash.length > 0) {
        try {
          this.bpf.mapUpdateBatch(this.fds.blk_v4, rawKeys(toHash), Buffer.alloc(VALUE_SIZE * toHash.length), toHash.length);
        } catch (err) {
          this.recount('blk_v4');
          throw this.addError('blk_v4', err, `${toHash.length} addresses of full buckets not added`);
        }
        for (const raw of toHash) t.spill(raw, 1);
      }
      this.flushTable();
    } finally {
      this.counts.blk_v4 = t.count + this.hashV4.size;
    }
    if (refused > 0) {
      throw new PalisadeError('PALISADE_ERR_XDP', `xdp ${this.iface}: blk_v4 is full (${this.maxBlocks} entries, policy.max_blocks): ${refused} not added (${this.counts.blk_v4} are in)`);
    }
  }

  /** Frees slots, deletes the rest from blk_v4 (clearing a bucket's flag with its last spilled address); returns how many were blocked. */
  private removeV4(list: readonly XdpPrefix[]): number {
    const t = this.table;
    let n = 0;
    const fromHash: number[] = [];
    for (const p of list) {
      const raw = rawOf(p.bytes);
      if (!t.remove(raw)) fromHash.push(raw);
      else {
        n++;
        // Also in blk_v4 (written there by another tool): gone from both, counted once.
        if (this.hashV4.has(raw)) {
          this.call('remove from blk_v4', () => this.bpf.mapDelete(this.fds.blk_v4, rawKeys([raw])));
          this.hashV4.delete(raw);
          t.spill(raw, -1);
        }
      }
    }
    try {
      if (fromHash.length > 0) {
        n += this.call(`remove ${fromHash.length} from blk_v4`, () => this.bpf.mapDeleteBatch(this.fds.blk_v4, rawKeys(fromHash), fromHash.length));
        for (const raw of fromHash) {
          if (!this.hashV4.delete(raw)) continue;
          t.spill(raw, -1);
        }
      }
      this.flushTable();
    } finally {
      this.counts.blk_v4 = t.count + this.hashV4.size;
    }
    return n;
  }

  /** Writes the buckets, then the filter words, changed since the last write (one batch each): a new block takes effect with its filter bit. */
  private flushTable(): void {
    const d = this.table.takeDirty();
    if (d.count > 0) this.call(`write ${d.count} tab_v4 buckets`, () => this.bpf.mapUpdateBatch(this.fds.tab_v4, d.keys, d.values, d.count));
    const b = this.table.takeDirtyBloom();
    if (b.count > 0) this.call(`write ${b.count} bloom_v4 words`, () => this.bpf.mapUpdateBatch(this.fds.bloom_v4, b.keys, b.values, b.count));
  }

  /** Reads tab_v4 and blk_v4 back as the truth (another tool may have changed them); keys as blk_v4's. */
  private dumpV4(): { keys: Buffer; count: number } {
    const t = this.table;
    const tab = this.call('read tab_v4', () => this.bpf.mapLookupBatch(this.fds.tab_v4, 4, BUCKET_SIZE, t.buckets));
    const hash = this.call('read blk_v4', () => this.bpf.mapLookupBatch(this.fds.blk_v4, 4, VALUE_SIZE, this.maxBlocks));
    this.hashV4 = new Set<number>();
    for (let i = 0; i < hash.count; i++) this.hashV4.add(readU32(hash.keys, 4 * i));
    const bloom = this.call('read bloom_v4', () => this.bpf.mapLookupBatch(this.fds.bloom_v4, 4, 8, t.bloomWords));
    t.loadFrom(tab.keys, tab.values, tab.count, this.hashV4, bloom);
    // A blk_v4 entry always counts as a block: a bucket it hashes to gets its flag if it lacked it.
    this.flushTable();
    const all: number[] = [];
    t.forEach((raw) => all.push(raw));
    for (const raw of this.hashV4) all.push(raw);
    this.counts.blk_v4 = all.length;
    return { keys: rawKeys(all), count: all.length };
  }

  /** Keys of map `m` as text; sets the entry count from what the kernel holds. */
  private readMap(m: KeyedMap): string[] {
    const ks = KEY_SIZE[m];
    const r = this.dump(m);
    const out = new Array<string>(r.count);
    for (let i = 0; i < r.count; i++) out[i] = keyText(r.keys, i * ks, m);
    return out;
  }

  private recount(m: KeyedMap): void {
    try {
      this.readMap(m);
    } finally {
      this.writeCfg();
    }
  }

  private listMaps(maps: readonly KeyedMap[]): string[] {
    this.objHandle();
    const out: string[] = [];
    for (const m of maps) for (const t of this.readMap(m)) out.push(t);
    this.writeCfg();
    return out;
  }

  private replaceIn<M extends KeyedMap>(maps: readonly M[], prefixes: readonly XdpPrefix[], which: (p: XdpPrefix) => M): { added: number; removed: number } {
    this.objHandle();
    const grouped = group(prefixes, which);
    let added = 0;
    let removed = 0;
    try {
      for (const m of maps) {
        const have = this.readMap(m);
        if (have.length === 0) {
          // Loading into an empty map (the usual start): no diff to build.
          const all = grouped.get(m) ?? [];
          this.addTo(m, all);
          added += this.counts[m];
          continue;
        }
        const want = new Map<string, XdpPrefix>();
        for (const p of grouped.get(m) ?? []) want.set(p.text, p);
        const extra: XdpPrefix[] = [];
        const haveSet = new Set<string>();
        for (const text of have) {
          haveSet.add(text);
          if (!want.has(text)) extra.push(toPrefixes([text], `xdp ${this.iface}`)[0]);
        }
        const missing: XdpPrefix[] = [];
        for (const [text, p] of want) if (!haveSet.has(text)) missing.push(p);
        removed += this.removeFrom(m, extra);
        this.addTo(m, missing);
        added += missing.length;
      }
    } finally {
      this.writeCfg();
    }
    return { added, removed };
  }


  // ---- counters

  /** Per-CPU counters summed over the CPUs. */
  stats(): XdpStats {
    const fd = this.fds.stats;
    const stride = perCpuStride(STAT_VALUE_SIZE);
    const r = this.call('read stats', () => this.bpf.mapLookupBatch(fd, 4, STAT_VALUE_SIZE, XDP_STAT_NAMES.length));
    const per = stride * this.cpus;
    const out = { dropped: { packets: 0, bytes: 0 } } as XdpStats;
    for (const name of XDP_STAT_NAMES) out[name] = { packets: 0, bytes: 0 };
    for (let i = 0; i < r.count; i++) {
      const idx = readU32(r.keys, i * 4);
      const name = XDP_STAT_NAMES[idx];
      if (name === undefined) continue;
      let packets = 0;
      let bytes = 0;
      for (let c = 0; c < this.cpus; c++) {
        const off = i * per + c * stride;
        packets += u64(r.values, off);
        bytes += u64(r.values, off + 8);
      }
      out[name] = { packets, bytes };
    }
    for (const n of ['drop_addr_v4', 'drop_addr_v6', 'drop_net_v4', 'drop_net_v6'] as const) {
      out.dropped.packets += out[n].packets;
      out.dropped.bytes += out[n].bytes;
    }
    return out;
  }

  /** The `n` sources with the most SYNs + ICMP packets in src_rate (the LRU keeps the 65536 most recent). */
  topSources(n: number, clock: MonoClock = new MonoClock()): SourceRate[] {
    const fd = this.fds.src_rate;
    const r = this.call('read src_rate', () => this.bpf.mapLookupBatch(fd, SRC_KEY_SIZE, SRC_VALUE_SIZE, 1 << 20));
    const out: SourceRate[] = [];
    for (let i = 0; i < r.count; i++) {
      const k = i * SRC_KEY_SIZE;
      const v = i * SRC_VALUE_SIZE;
      const family = r.keys[k] === 6 ? 6 : 4;
      out.push({
        addr: family === 4 ? formatIPv4(r.keys.readUInt32BE(k + 4)) : formatIPv6(r.keys, k + 4),
        family,
        syn: u64(r.values, v),
        icmp: u64(r.values, v + 8),
        firstSeen: clock.wall(u64(r.values, v + 16)),
        lastSeen: clock.wall(u64(r.values, v + 24)),
      });
    }
    out.sort((a, b) => b.syn + b.icmp - (a.syn + a.icmp));
    return out.slice(0, Math.max(0, n));
  }

  // ---- ring buffer

  /**
   * Delivers the ring buffer's record batches to `onBatch` (records: [u32 len][xg_event_hdr][frame
   * bytes], each padded to 8; the Buffer is reused: copy what you keep). Returns the unsubscribe.
   */
  subscribe(onBatch: (batch: Buffer, count: number) => void): () => void {
    this.objHandle();
    this.listeners.add(onBatch);
    if (this.ring === null) {
      const fd = this.fds.events;
      this.ring = this.call('open ring buffer', () =>
        this.bpf.ringbufOpen(fd, (batch, count) => {
          for (const l of this.listeners) l(batch, count);
        }),
      );
    }
    return () => {
      this.listeners.delete(onBatch);
      if (this.listeners.size === 0) this.closeRing();
    };
  }

  /** Records and batches handed out since the ring was opened. */
  ringStats(): { records: number; batches: number } {
    return this.ring === null ? { records: 0, batches: 0 } : this.bpf.ringbufStats(this.ring);
  }

  private closeRing(): void {
    if (this.ring === null) return;
    const h = this.ring;
    this.ring = null;
    this.listeners.clear();
    this.bpf.ringbufClose(h);
  }

  /** The program's run-time totals (BPF_ENABLE_STATS: zero unless counting is on, see BpfAddon.runTimeStatsOn). */
  runStats(): { runTimeNs: number; runCount: number } {
    this.objHandle();
    return this.call('read run-time stats', () => this.bpf.progRunStats(this.progFd));
  }

  /** Kernel ids of the guard's maps (for `bpftool map ... id N`). */
  mapIds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, fd] of Object.entries(this.fds)) out[name === 'cfg' ? '.bss' : name] = this.bpf.bpfMapInfo(fd).id;
    return out;
  }

  /** For status: "veth0 (native)" or "veth0 (detached)". */
  describe(): string {
    return `${this.iface} (${this.attachedMode ?? 'detached'})`;
  }
}

/** blk_v4 keys for raw addresses (xdp-table.ts): each u32 in host order, i.e. the packet's bytes. */
/** A u32 in the host's byte order (how map keys and values of __u32 are laid out). */
function readU32(b: Buffer, off: number): number {
  return LE ? b.readUInt32LE(off) : b.readUInt32BE(off);
}

function writeU32(b: Buffer, v: number, off: number): void {
  if (LE) b.writeUInt32LE(v >>> 0, off);
  else b.writeUInt32BE(v >>> 0, off);
}

function rawKeys(raws: readonly number[]): Buffer {
  const keys = Buffer.alloc(4 * raws.length);
  raws.forEach((raw, i) => writeU32(keys, raw, 4 * i));
  return keys;
}

/** Host-order u64 as a double (exact below 2^53). */
function u64(b: Buffer, off: number): number {
  return LE ? b.readUInt32LE(off) + b.readUInt32LE(off + 4) * 4294967296 : b.readUInt32BE(off + 4) + b.readUInt32BE(off) * 4294967296;
}

function group<M>(prefixes: readonly XdpPrefix[], which: (p: XdpPrefix) => M): Map<M, XdpPrefix[]> {
  const out = new Map<M, XdpPrefix[]>();
  for (const p of prefixes) {
    const m = which(p);
    let l = out.get(m);
    if (!l) out.set(m, (l = []));
    l.push(p);
  }
  return out;
}
