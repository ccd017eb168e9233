// What the kernel data path can use on this host, probed without changing anything: root, the
// addon, BPF (the XDP guard object loads: verifier and map types work), the tracepoint program.
// The daemon turns the answers into DESIGN.md's fallback row and says why in `status`.

import { existsSync } from 'node:fs';
import { loadNative } from './native.js';
import { bpfObjectPath } from './paths.js';
import type { BpfAddon } from './bpf.js';

export interface Capability {
  ok: boolean;
  /** Why not (or what was checked), one line. */
  why: string;
}

export interface KernelCapabilities {
  root: boolean;
  addon: Capability;
  /** eBPF programs load (XDP guard). */
  bpf: Capability;
}

let cached: KernelCapabilities | null = null;

/** Probes once per process (loading and closing the guard object takes a few milliseconds). */
export function kernelCapabilities(): KernelCapabilities {
  if (cached) return cached;
  const root = typeof process.geteuid === 'function' && process.geteuid() === 0;
  const native = loadNative();
  const addon: Capability = native.ok ? { ok: true, why: 'the kernel addon loads' } : { ok: false, why: native.why };
  let bpf: Capability;
  if (!native.ok) bpf = { ok: false, why: native.why };
  else if (!root) bpf = { ok: false, why: 'not root: eBPF programs cannot be loaded' };
  else {
    const obj = bpfObjectPath('xdp_guard');
    if (!existsSync(obj)) bpf = { ok: false, why: `the XDP guard is not built (${obj} is missing; run make)` };
    else {
      const a = native.addon as unknown as BpfAddon;
      try {
        // Small maps: the probe only asks whether the verifier takes the program here.
        const h = a.bpfLoad(obj, { tab_v4: 64, blk_v4: 16, blk_v6: 16 });
        a.bpfClose(h);
        bpf = { ok: true, why: 'the XDP guard loads (BPF works here)' };
      } catch (err) {
        bpf = { ok: false, why: `eBPF does not work here: ${(err as Error).message}` };
      }
    }
  }
  cached = { root, addon, bpf };
  return cached;
}
