// The addon functions the kernel benchmark uses (native/README.md), as one interface: bpf.c for
// loading objects and filling maps, testrun.c for the generator.

import { requireNative } from '../../src/kernel/native.js';
import type { BpfAddon } from '../../src/kernel/bpf.js';

export type BenchNative = BpfAddon & {
  progTestRunLive(progFd: number, frame: Buffer, ifindex: number, repeat: number, batchSize: number): number;
  setAffinity(cpu: number): void;
  threadCpuTime(): number;
};

export function benchNative(): BenchNative {
  return requireNative<BenchNative>();
}
