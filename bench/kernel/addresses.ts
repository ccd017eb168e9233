// Deterministic address lists of the kernel benchmark: the blocklist of N entries, the traffic
// sources that hit it and the ones that miss it, and fresh addresses for "add one more".
//
// Entry i of the list is a bijective mix of i placed in 32.0.0.0/5 (27 bits): the list looks
// like a spoofed flood's sources (no two neighbours in the same /24) and any index beyond N is
// guaranteed not to be in it, so "miss" traffic uses indices N.. and "add one" uses indices past
// the miss sources. These addresses only ever appear inside the benchmark's namespaces.

import type { BlockEntry } from '../../src/decide/decision.js';
import { formatIPv4 } from '../../src/decode/ip-addr.js';

const BITS = 27;
const MASK = (1 << BITS) - 1;
const BASE = 32 << 24; // 32.0.0.0/5
/** Distinct traffic sources at most (the generator's source table). */
export const MAX_SOURCES = 65_536;
/** Largest list index this scheme can address. */
export const MAX_INDEX = MASK;

/** Entry `i` of the list, host byte order. Multiply-by-odd and xor-shift are bijections mod 2^27. */
export function listAddress(i: number): number {
  if (!Number.isInteger(i) || i < 0 || i > MASK) throw new RangeError(`list index ${i} is outside 0..${MASK}`);
  let x = i;
  x = Math.imul(x, 0x2c9277b5) & MASK;
  x ^= x >>> 14;
  x = Math.imul(x, 0x1b873593) & MASK;
  x ^= x >>> 13;
  return (BASE | x) >>> 0;
}

/** Distinct sources of "miss-1k" traffic: a server's recurring clients rather than a cold sweep. */
export const RECURRING_SOURCES = 1024;

export type Traffic = 'hit' | 'miss' | 'miss-1k';
export const TRAFFICS: readonly Traffic[] = ['hit', 'miss', 'miss-1k'];

/** Legitimate traffic: sources not in the list (what a filter must pass). */
export function isLegit(t: Traffic): boolean {
  return t !== 'hit';
}

/**
 * Source addresses the generator cycles through. hit: min(N, 65536) entries spread evenly over
 * the list (so a per-address rule chain is walked halfway on average); miss: 65536 addresses that
 * are not in the list (each comes back only after 65,535 others: the filter's lines for it are
 * cold, as with the reference tool's legitimate traffic); miss-1k: the first 1,024 of those
 * (each comes back every 1,024 packets, as a server's active clients do).
 */
export function trafficSources(traffic: Traffic, n: number): Uint32Array {
  if (isLegit(traffic)) {
    const s = traffic === 'miss' ? MAX_SOURCES : RECURRING_SOURCES;
    const out = new Uint32Array(s);
    for (let j = 0; j < s; j++) out[j] = listAddress(n + j);
    return out;
  }
  if (n < 1) throw new RangeError('hit traffic needs a list of at least one entry');
  const s = Math.min(n, MAX_SOURCES);
  const out = new Uint32Array(s);
  for (let j = 0; j < s; j++) out[j] = listAddress(Math.floor((j * n) / s));
  return out;
}

/** The k-th address for "add one more entry while N are present": in neither list nor traffic. */
export function freshAddress(n: number, k: number): number {
  return listAddress(n + MAX_SOURCES + k);
}

/** The first N list entries, host byte order. */
export function listAddresses(n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = listAddress(i);
  return out;
}

/** A permanent single-address block, as the decide stage hands it to enforce. */
export function blockEntry(addr: number): BlockEntry {
  return { target: formatIPv4(addr), family: 4, network: false, expiresAt: null };
}

export function blockEntries(addrs: Uint32Array): BlockEntry[] {
  const out: BlockEntry[] = new Array(addrs.length);
  for (let i = 0; i < addrs.length; i++) out[i] = blockEntry(addrs[i]);
  return out;
}
