// The addon functions the kernel benchmark uses (native/README.md), as one interface: bpf.c for
// loading objects and filling maps, testrun.c for the generator.

import { requireNative } from '../../src/kernel/native.js';

export interface BenchNative {
  bpfLoad(path: string, mapSizes: Record<string, number>): number;
  bpfClose(obj: number): void;
  bpfProgFd(obj: number, progName: string): number;
  bpfMapFd(obj: number, mapName: string): number;
  numPossibleCpus(): number;
  xdpAttach(progFd: number, ifindex: number, mode: 'native' | 'generic' | 'auto'): 'native' | 'generic';
  xdpDetach(ifindex: number, mode: 'native' | 'generic'): void;
  mapLookup(fd: number, key: Buffer, value: Buffer): boolean;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags?: number): void;
  mapUpdateBatch(fd: number, keys: Buffer, values: Buffer, count: number): number;
  progTestRunLive(progFd: number, frame: Buffer, ifindex: number, repeat: number, batchSize: number): number;
  setAffinity(cpu: number): void;
  threadCpuTime(): number;
}

export function benchNative(): BenchNative {
  return requireNative<BenchNative>();
}
