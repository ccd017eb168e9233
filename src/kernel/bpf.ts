// Typed view of the addon's libbpf and ring buffer functions (native/README.md is the contract).
// Keys and values are raw bytes laid out as the eBPF program's C structs; errors from the kernel
// arrive as Error with .code = errno name ('EPERM', 'ENOENT', ...).

import { loadNative, requireNative } from './native.js';

export type XdpAttachMode = 'native' | 'generic';

export interface MapInfo {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Kernel map id (as `bpftool map` shows it). */
  id: number;
}

export interface BpfAddon {
  bpfLoad(path: string, mapSizes: Record<string, number>): number;
  bpfClose(obj: number): void;
  bpfMapFd(obj: number, mapName: string): number;
  bpfProgFd(obj: number, progName: string): number;
  objMapNames(obj: number): string[];
  bpfMapInfo(fd: number): MapInfo;
  numPossibleCpus(): number;
  xdpAttach(progFd: number, ifindex: number, mode: XdpAttachMode | 'auto'): XdpAttachMode;
  xdpDetach(ifindex: number, mode: XdpAttachMode): void;
  xdpQuery(ifindex: number): { native: number; generic: number };
  mapLookup(fd: number, key: Buffer, value: Buffer): boolean;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags?: number): void;
  mapDelete(fd: number, key: Buffer): boolean;
  mapUpdateBatch(fd: number, keys: Buffer, values: Buffer, count: number, flags?: number): number;
  mapDeleteBatch(fd: number, keys: Buffer, count: number): number;
  mapKeys(fd: number, keySize: number, max: number): { keys: Buffer; count: number };
  mapLookupBatch(fd: number, keySize: number, valueSize: number, max: number): { keys: Buffer; values: Buffer; count: number };
  tcAttach(progFd: number, ifindex: number, direction: 'ingress' | 'egress'): void;
  tcDetach(ifindex: number, direction: 'ingress' | 'egress'): void;
  tracepointAttach(obj: number, progName: string, category: string, name: string): number;
  linkDestroy(link: number): void;
  mapFdById(id: number): number;
  progMapIds(progId: number): number[];
  /** Turns on the kernel's per-program run-time counting until runTimeStatsOff (or the process ends). */
  runTimeStatsOn(): number;
  runTimeStatsOff(fd: number): void;
  progRunStats(progFd: number): { runTimeNs: number; runCount: number };
  ringbufOpen(mapFd: number, onBatch: (batch: Buffer, count: number) => void, maxBatch?: number): number;
  ringbufClose(handle: number): void;
  ringbufStats(handle: number): { records: number; batches: number };
}

/** Kernel map type numbers (enum bpf_map_type) the guard uses. */
export const BPF_MAP_TYPE = { HASH: 1, ARRAY: 2, PERCPU_ARRAY: 6, LRU_HASH: 9, LPM_TRIE: 11, RINGBUF: 27 } as const;

/** mapUpdate flags. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

/** The addon's bpf functions, or throws with the reason they are unavailable (not built, not Linux). */
export function bpfAddon(): BpfAddon {
  return requireNative<BpfAddon>();
}

/** Null when the addon with its bpf part loads here, else why not. */
export function bpfUnavailable(): string | null {
  const n = loadNative();
  if (!n.ok) return n.why;
  if (typeof n.addon.bpfLoad !== 'function' || typeof n.addon.ringbufOpen !== 'function') return 'the kernel addon was built without its bpf part';
  return null;
}

/** Per-CPU values are the value size rounded up to 8 bytes, once per possible CPU. */
export function perCpuStride(valueSize: number): number {
  return (valueSize + 7) & ~7;
}

/** The kernel's errno name of an addon error ('EPERM', 'ENOENT', ...), or null. */
export function errnoName(err: unknown): string | null {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : null;
}
