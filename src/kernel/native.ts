// Loads Palisade's Node-API addon (native/, built by `make`). Each kernel part (bpf, ringbuf, nfq,
// pcap) declares the functions it uses as its own interface and casts the loaded module to it; a
// missing build is a reason the caller reports (status, fallback row), never a crash.

import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

export type NativeLoad = { ok: true; addon: Record<string, unknown> } | { ok: false; why: string };

let cached: NativeLoad | null = null;

/** The addon's path: native/build/Release/palisade_native.node under the package root. */
export function nativePath(): string {
  return join(packageRoot(), 'native', 'build', 'Release', 'palisade_native.node');
}

/** The addon, or why it cannot be used here (not built, not Linux, wrong Node ABI). */
export function loadNative(): NativeLoad {
  if (cached) return cached;
  const path = nativePath();
  if (process.platform !== 'linux') cached = { ok: false, why: `the kernel addon is Linux-only (this is ${process.platform})` };
  else if (!existsSync(path)) cached = { ok: false, why: `the kernel addon is not built (${path} is missing; run make)` };
  else {
    try {
      cached = { ok: true, addon: createRequire(import.meta.url)(path) as Record<string, unknown> };
    } catch (err) {
      cached = { ok: false, why: `the kernel addon does not load: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  return cached;
}

/** The addon cast to a part's interface, or throws with the reason it is unavailable. */
export function requireNative<T>(): T {
  const n = loadNative();
  if (!n.ok) throw new Error(n.why);
  return n.addon as T;
}
