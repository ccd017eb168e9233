// Block entries as the enforce backends use them: validated, canonical, with the kernel timeout
// derived from the wall-clock expiry. Every entry goes through toTargets before a command is
// built, so an invalid one refuses the whole batch and nothing runs.

import type { BlockEntry } from '../decide/decision.js';
import { parseCidr } from '../decode/ip-addr.js';
import { PalisadeError } from '../errors.js';

export interface Target {
  /** Canonical text: "203.0.113.7", "2001:db8::1", "198.51.100.0/24". */
  text: string;
  family: 4 | 6;
  /** Wider than one address: goes to the network sets. */
  network: boolean;
  /** Prefix length (32/128 for a single address). */
  bits: number;
  /** Network bytes (4 or 16), host bits cleared. */
  bytes: Uint8Array;
  /** Wall-clock expiry in seconds since the epoch; null = permanent. */
  expiresAt: number | null;
}

/** Validates and canonicalises entries; throws PALISADE_ERR_ENFORCE_TARGET naming the bad one. */
export function toTargets(entries: readonly BlockEntry[], where: string): Target[] {
  const out: Target[] = new Array(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = toTarget(entries[i], where);
  return out;
}

/**
 * A plain dotted-quad IPv4 address in canonical form (no leading zeros), parsed without regex or
 * allocation: most targets are single IPv4 addresses and a start() may carry 100k of them.
 * Returns -1 for anything else, which then goes through parseCidr.
 */
function canonicalV4(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

export function toTarget(entry: BlockEntry, where: string): Target {
  const raw = typeof entry?.target === 'string' ? entry.target : '';
  const v4 = canonicalV4(raw);
  if (v4 >= 0 && (entry.family === 4 || entry.family === undefined)) {
    const expiresAt = entry.expiresAt ?? null;
    if (expiresAt === null || Number.isFinite(expiresAt)) {
      const bytes = new Uint8Array([v4 >>> 24, (v4 >>> 16) & 255, (v4 >>> 8) & 255, v4 & 255]);
      return { text: raw, family: 4, network: false, bits: 32, bytes, expiresAt };
    }
  }
  const text = raw.trim();
  const c = text === '' ? null : parseCidr(text);
  if (!c) {
    throw new PalisadeError('PALISADE_ERR_ENFORCE_TARGET', `${where}: '${String(entry?.target)}' is not an IPv4/IPv6 address or CIDR; nothing was run`);
  }
  if (entry.family !== undefined && entry.family !== c.version) {
    throw new PalisadeError('PALISADE_ERR_ENFORCE_TARGET', `${where}: '${text}' is IPv${c.version}, the entry says family ${entry.family}; nothing was run`);
  }
  const expiresAt = entry.expiresAt ?? null;
  if (expiresAt !== null && !Number.isFinite(expiresAt)) {
    throw new PalisadeError('PALISADE_ERR_ENFORCE_TARGET', `${where}: '${text}' has expiry ${String(expiresAt)}, not a number of seconds; nothing was run`);
  }
  const max = c.version === 4 ? 32 : 128;
  return { text: c.text, family: c.version, network: c.bits < max, bits: c.bits, bytes: c.bytes, expiresAt };
}

/**
 * Remaining kernel timeout in whole seconds (rounded up, at least 1), null for a permanent entry,
 * undefined when the entry has already expired. `max` clamps what the tool accepts; a clamped
 * entry leaves the kernel early and the next reconcile puts it back.
 */
export function remainingSeconds(expiresAt: number | null, now: number, max: number): number | null | undefined {
  if (expiresAt === null) return null;
  const left = expiresAt - now;
  if (left <= 0) return undefined;
  return Math.min(max, Math.max(1, Math.ceil(left)));
}

/** Removes duplicate targets, keeping the last occurrence's expiry (a later decision wins). */
export function dedupe(targets: readonly Target[]): Target[] {
  const seen = new Map<string, Target>();
  for (const t of targets) {
    seen.delete(t.text);
    seen.set(t.text, t);
  }
  return [...seen.values()];
}

/**
 * Networks not covered by another network of the list (nft interval sets refuse overlapping
 * elements). Only prefix lengths that occur are probed, so this stays near O(n) for the usual
 * /24 and /48 injections.
 */
export function outermostNetworks(nets: readonly Target[]): Target[] {
  const sorted = [...nets].sort((a, b) => a.bits - b.bits);
  const kept: Target[] = [];
  const keys = new Set<string>();
  const lengths: number[] = [];
  for (const t of sorted) {
    let covered = false;
    for (const len of lengths) {
      if (len > t.bits) break;
      if (keys.has(prefixKey(t.family, t.bytes, len))) {
        covered = true;
        break;
      }
    }
    if (covered) continue;
    kept.push(t);
    keys.add(prefixKey(t.family, t.bytes, t.bits));
    if (!lengths.includes(t.bits)) lengths.push(t.bits);
  }
  return kept;
}

function prefixKey(family: 4 | 6, bytes: Uint8Array, bits: number): string {
  let s = `${family}/${bits}:`;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    if (keep === 0) break;
    s += (bytes[i] & ((0xff << (8 - keep)) & 0xff)).toString(16) + '.';
  }
  return s;
}
