// Where the built kernel parts live: eBPF objects in build/bpf/, the addon in native/build/.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The package root (the directory holding package.json), from src/kernel or dist/src/kernel. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native'))) return (root = dir);
    dir = dirname(dir);
  }
  throw new Error('cannot find the Palisade package root (package.json next to native/)');
}

/** Path of a compiled eBPF object, e.g. bpfObjectPath('xdp_guard') -> build/bpf/xdp_guard.bpf.o. */
export function bpfObjectPath(name: string): string {
  return join(packageRoot(), 'build', 'bpf', `${name}.bpf.o`);
}
