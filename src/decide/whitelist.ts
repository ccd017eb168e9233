// Addresses and networks Palisade never blocks, each with the reason it is there: the config's
// policy.whitelist, loopback, the host's own addresses, the SSH client that started the daemon,
// and entries added at run time. A network to be blocked is refused when it merely OVERLAPS an
// entry: blocking 203.0.113.0/24 would cut off a whitelisted 203.0.113.9 as surely as blocking it.

import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { parseAddress, parseCidr, type Cidr } from '../decode/ip-addr.js';
import { PalisadeError } from '../errors.js';
import { ALWAYS_WHITELISTED } from './offline-policy.js';

export type WhitelistWhy = 'config' | 'loopback' | 'host-address' | 'ssh-client' | 'runtime';

export interface WhitelistEntry {
  /** Canonical text: an address without /32 or /128, or a network. */
  target: string;
  why: WhitelistWhy;
  /** Detail for `palisade whitelist list`: the interface, the environment variable, ... */
  note: string;
}

/** True when the two networks share at least one address (one contains the other). */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  return prefixEqual(a.bytes, b.bytes, Math.min(a.bits, b.bits));
}

/** True when `outer` contains every address of `inner`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.version === inner.version && outer.bits <= inner.bits && prefixEqual(outer.bytes, inner.bytes, outer.bits);
}

function prefixEqual(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const m = (0xff << (8 - rest)) & 0xff;
  return (a[full] & m) === (b[full] & m);
}

/** The client address of the SSH session in `env` (SSH_CONNECTION, else SSH_CLIENT), validated. */
export function sshClientAddress(env: NodeJS.ProcessEnv): { address: string; variable: string } | null {
  for (const variable of ['SSH_CONNECTION', 'SSH_CLIENT']) {
    const v = env[variable];
    if (typeof v !== 'string') continue;
    const first = v.trim().split(/\s+/)[0] ?? '';
    const c = parseCidr(first.replace(/%.*$/, '')); // a link-local client may carry %iface
    if (c !== null && first.indexOf('/') === -1) return { address: c.text, variable };
  }
  return null;
}

/** Canonical IPv4 of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else null. */
function unmapped(c: Cidr): string | null {
  if (c.version !== 6 || c.bits !== 128) return null;
  for (let i = 0; i < 10; i++) if (c.bytes[i] !== 0) return null;
  if (c.bytes[10] !== 0xff || c.bytes[11] !== 0xff) return null;
  return `${c.bytes[12]}.${c.bytes[13]}.${c.bytes[14]}.${c.bytes[15]}`;
}

interface Entry extends WhitelistEntry {
  cidr: Cidr;
}

export interface WhitelistOptions {
  /** policy.whitelist (already validated by the config schema; checked again here). */
  config: readonly string[];
  /** Entries added at run time and kept in the store's meta table. */
  runtime?: readonly string[];
  /** Where SSH_CONNECTION / SSH_CLIENT are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Source of the host's addresses (default os.networkInterfaces). */
  interfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
}

export class Whitelist {
  private entries: Entry[] = [];
  private readonly interfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;

  constructor(opts: WhitelistOptions) {
    this.interfaces = opts.interfaces ?? networkInterfaces;
    for (const t of ALWAYS_WHITELISTED) this.push(t, 'loopback', 'always');
    for (const t of opts.config) {
      const c = parseCidr(t.trim());
      if (c === null) throw new PalisadeError('PALISADE_ERR_CONFIG', `policy.whitelist: '${t}' is not an IPv4/IPv6 address or CIDR`);
      this.push(c.text, 'config', 'policy.whitelist');
    }
    const ssh = sshClientAddress(opts.env ?? process.env);
    if (ssh !== null) this.push(ssh.address, 'ssh-client', ssh.variable);
    this.refreshHostAddresses();
    for (const t of opts.runtime ?? []) {
      const c = parseCidr(t);
      if (c !== null) this.push(c.text, 'runtime', 'added at run time');
    }
  }

  private push(text: string, why: WhitelistWhy, note: string): Entry | null {
    const cidr = parseCidr(text)!;
    if (this.entries.some((e) => e.target === cidr.text && e.why === why)) return null;
    const e: Entry = { target: cidr.text, why, note, cidr };
    this.entries.push(e);
    // A client that reached an IPv6 socket over IPv4 shows as ::ffff:a.b.c.d; packets and log
    // lines from it carry a.b.c.d.
    const v4 = why === 'ssh-client' ? unmapped(cidr) : null;
    if (v4 !== null) this.push(v4, why, note);
    return e;
  }

  /** Re-reads the host's own addresses (interfaces come and go); returns what changed. */
  refreshHostAddresses(): { added: string[]; removed: string[] } {
    const now = new Map<string, string>();
    for (const [name, list] of Object.entries(this.interfaces())) {
      for (const info of list ?? []) {
        const c = parseCidr(info.address.replace(/%.*$/, ''));
        if (c !== null && !now.has(c.text)) now.set(c.text, name);
      }
    }
    const before = new Set(this.entries.filter((e) => e.why === 'host-address').map((e) => e.target));
    const removed = [...before].filter((t) => !now.has(t));
    this.entries = this.entries.filter((e) => e.why !== 'host-address' || now.has(e.target));
    const added: string[] = [];
    for (const [t, iface] of now) {
      if (before.has(t)) continue;
      this.push(t, 'host-address', `interface ${iface}`);
      added.push(t);
    }
    return { added, removed };
  }

  /** Adds a run-time entry; PalisadeError for text that is not an address or CIDR. */
  add(target: string): WhitelistEntry {
    const c = parseCidr(target.trim());
    if (c === null) throw new PalisadeError('PALISADE_ERR_REFUSED', `whitelist add: '${target}' is not an IPv4/IPv6 address or CIDR`);
    const existing = this.entries.find((e) => e.target === c.text && e.why === 'runtime');
    if (existing) return strip(existing);
    return strip(this.push(c.text, 'runtime', 'added at run time')!);
  }

  /** Removes a run-time entry. Built-in ones (config, loopback, host, SSH client) are refused. */
  remove(target: string): WhitelistEntry {
    const c = parseCidr(target.trim());
    if (c === null) throw new PalisadeError('PALISADE_ERR_REFUSED', `whitelist remove: '${target}' is not an IPv4/IPv6 address or CIDR`);
    const same = this.entries.filter((e) => e.target === c.text);
    const runtime = same.find((e) => e.why === 'runtime');
    if (runtime === undefined) {
      if (same.length > 0) {
        const e = same[0];
        const how =
          e.why === 'config' ? 'remove it from policy.whitelist in the config file and restart' : 'it is always whitelisted so that the owner cannot be locked out';
        throw new PalisadeError('PALISADE_ERR_REFUSED', `whitelist remove: ${c.text} is a built-in entry (${e.why}: ${e.note}); ${how}`);
      }
      throw new PalisadeError('PALISADE_ERR_REFUSED', `whitelist remove: ${c.text} is not in the whitelist`);
    }
    this.entries = this.entries.filter((e) => e !== runtime);
    return strip(runtime);
  }

  /** The entry that covers an address or overlaps a network, or null. Invalid text: null. */
  covers(target: string | Cidr): WhitelistEntry | null {
    const c = typeof target === 'string' ? parseCidr(target) : target;
    if (c === null) return null;
    for (const e of this.entries) if (cidrOverlaps(e.cidr, c)) return strip(e);
    return null;
  }

  /** Quick test for one address (detection sources). */
  has(ip: string): boolean {
    const a = parseAddress(ip);
    if (a === null) return false;
    return this.covers(ip) !== null;
  }

  list(): WhitelistEntry[] {
    return this.entries.map(strip);
  }

  /** Run-time entries, for the store's meta table. */
  runtimeEntries(): string[] {
    return this.entries.filter((e) => e.why === 'runtime').map((e) => e.target);
  }
}

function strip(e: Entry): WhitelistEntry {
  return { target: e.target, why: e.why, note: e.note };
}

