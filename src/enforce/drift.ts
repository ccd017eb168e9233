// Compares what the kernel holds with what it should hold. Set membership only: timeouts are the
// kernel's business, and an entry about to expire (within GRACE seconds) counts neither way, so a
// drift check racing the kernel's own expiry reports nothing.

import type { KernelElement, Planner } from './planner.js';
import type { Target } from './target.js';

export const GRACE_SECONDS = 2;

export interface Drift {
  missing: Target[];
  extra: KernelElement[];
}

export function diffKernel(planner: Planner, wanted: readonly Target[], kernel: readonly KernelElement[], now: number): Drift {
  const expected = planner.expected(wanted, now);
  const want = new Map<string, Target>();
  const soon = new Set<string>();
  for (const t of expected) {
    const key = `${planner.setFor(t)} ${t.text}`;
    if (t.expiresAt !== null && t.expiresAt - now < GRACE_SECONDS) soon.add(key);
    else want.set(key, t);
  }
  const have = new Set<string>();
  const extra: KernelElement[] = [];
  for (const e of kernel) {
    const key = `${e.set} ${e.text}`;
    if (have.has(key)) continue;
    have.add(key);
    if (!want.has(key) && !soon.has(key)) extra.push(e);
  }
  const missing: Target[] = [];
  for (const [key, t] of want) if (!have.has(key)) missing.push(t);
  return { missing, extra };
}
