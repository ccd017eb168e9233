// The daemon's decide stage: turns detections into block decisions and keeps the active block set.
// A source is blocked when a block-mode rule fired for it or when it reached its detection
// threshold (per country via GeoIP, else auto_blacklist_threshold) -- never when the whitelist
// covers it. Sources of listed countries also get their /24 or /48 blocked (subnet injection,
// seed 002). Every block has a TTL (0 = permanent) that grows with repeat offenses.
// Pure logic: the wall clock comes in as `now` (seconds since the epoch), so tests are exact.

import { parseCidr, type Cidr } from '../decode/ip-addr.js';
import type { Detection } from '../detect/detection.js';
import type { PolicySettings } from '../config/defaults.js';
import { PalisadeError } from '../errors.js';
import type { BlockEntry, Decision, DecisionOrigin } from './decision.js';
import type { GeoIp } from './geoip.js';
import type { Whitelist, WhitelistEntry } from './whitelist.js';

/** How a block came about (an unblock's origin may also be 'expiry'). */
export type BlockOrigin = Exclude<DecisionOrigin, 'expiry'>;

export interface ActiveBlock extends BlockEntry {
  /** Seconds the block was given, 0 = permanent. */
  ttl: number;
  rule: string;
  reason: string;
  origin: BlockOrigin;
  /** For a subnet injection: the blocked address (or /64) that brought it in. */
  parent: string | null;
  country: string | null;
  detections: number;
  /** When it was blocked (seconds since the epoch). */
  since: number;
}

/** Something the policy declined to do that the operator should hear about (log it at warn). */
export interface PolicyNotice {
  event: 'capacity-refused' | 'subnet-skipped' | 'aggregate-narrowed';
  target: string;
  reason: string;
  rule: string;
  country: string | null;
  detections: number;
  at: number;
}

export interface PolicyCounters {
  /** Source-scope detections evaluated. */
  detections: number;
  /** Destination/global-scope detections and ones without a usable source address. */
  detections_ignored: number;
  whitelisted_skips: number;
  /** Detections of a source already covered by an active block. */
  already_blocked: number;
  blocks_auto: number;
  blocks_manual: number;
  blocks_subnet: number;
  /** Subnet injections not done because the network overlaps the whitelist. */
  subnet_skipped_whitelist: number;
  /** IPv6 /64 aggregations narrowed to the single address because the /64 overlaps the whitelist. */
  aggregate_narrowed: number;
  /** Blocks (auto and subnet) refused because max_blocks entries are active. */
  blocks_refused_capacity: number;
  unblocks_manual: number;
  unblocks_expiry: number;
  /** Blocks lifted because a whitelist entry now covers them. */
  unblocks_whitelisted: number;
  tracked_sources: number;
  /** Per-source tallies dropped (least recently seen first) because the tally map was full. */
  tracked_evictions: number;
  active_blocks: number;
}

export interface PolicyDeps {
  whitelist: Whitelist;
  /** Null when no country is needed (country_thresholds empty) or GeoIP is unavailable. */
  geo: GeoIp | null;
  /** Earlier blocks of this target (from the store), for repeat_multiplier. */
  offenses: (target: string) => number;
  /** Cap of the per-source tally map (default MAX_TRACKED_SOURCES). */
  maxTracked?: number;
  notify?: (n: PolicyNotice) => void;
}

/** Sources whose detections are counted at once; each new one beyond evicts the least recent. */
export const MAX_TRACKED_SOURCES = 100_000;
/** A source quiet this long starts counting from zero again (else rare alerts add up to a block). */
export const TALLY_IDLE_SECONDS = 86_400;
/** Longest finite TTL (about 68 years): a multiplied TTL stays a sane integer. */
export const MAX_FINITE_TTL = 0x7fffffff;

interface Tally {
  count: number;
  /** undefined until looked up. */
  country: string | null | undefined;
  last: number;
}

export class Policy {
  private readonly tallies = new Map<string, Tally>();
  private readonly blocks = new Map<string, ActiveBlock>();
  /** Network blocks per "family/bits", to find a block covering an address without a scan. */
  private readonly netPrefixes = new Map<string, number>();
  /** parent target -> injected subnets. */
  private readonly children = new Map<string, Set<string>>();
  /** Earliest expiry among active blocks (Infinity when none): expire() is free until then. */
  private nextExpiry = Infinity;
  private readonly maxTracked: number;
  private readonly c: Omit<PolicyCounters, 'tracked_sources' | 'active_blocks'> = {
    detections: 0,
    detections_ignored: 0,
    whitelisted_skips: 0,
    already_blocked: 0,
    blocks_auto: 0,
    blocks_manual: 0,
    blocks_subnet: 0,
    subnet_skipped_whitelist: 0,
    aggregate_narrowed: 0,
    blocks_refused_capacity: 0,
    unblocks_manual: 0,
    unblocks_expiry: 0,
    unblocks_whitelisted: 0,
    tracked_evictions: 0,
  };

  constructor(
    private readonly settings: PolicySettings,
    private readonly deps: PolicyDeps,
  ) {
    this.maxTracked = deps.maxTracked ?? MAX_TRACKED_SOURCES;
  }

  get whitelist(): Whitelist {
    return this.deps.whitelist;
  }

  /** Decisions for one detection: [] or the block of its source, plus its subnet when injected. */
  onDetection(d: Detection, now: number): Decision[] {
    if (d.scope !== 'source' || d.src === null) {
      this.c.detections_ignored++;
      return [];
    }
    const addr = unmapV4(parseCidr(d.src));
    if (addr === null || addr.text.includes('/')) {
      this.c.detections_ignored++;
      return [];
    }
    this.c.detections++;
    if (this.deps.whitelist.covers(addr) !== null) {
      this.c.whitelisted_skips++;
      return [];
    }
    let target = addr;
    let narrowed = false;
    if (this.settings.ipv6_aggregate && addr.version === 6) {
      const net = widen(addr, 64);
      // Never lock out the owner: a /64 shared with a whitelisted address is blocked one address at a time.
      if (this.deps.whitelist.covers(net) === null) target = net;
      else narrowed = true;
    }
    if (this.covering(target) !== null) {
      this.c.already_blocked++;
      return [];
    }

    const t = this.touch(target.text, now);
    t.count++;
    if (t.country === undefined) t.country = this.countryOf(addr.text);
    const countryThreshold = t.country !== null ? this.settings.country_thresholds[t.country] : undefined;
    const threshold = countryThreshold ?? this.settings.auto_blacklist_threshold;
    const blockMode = d.action === 'would-block';
    if (!blockMode && t.count < threshold) return [];

    const country = t.country;
    const detections = t.count;
    const reason = blockMode
      ? d.reason
      : `${detections} detections reached the threshold of ${threshold}${countryThreshold !== undefined ? ` for ${country}` : ''}; last: ${d.reason}`;
    if (narrowed) {
      this.c.aggregate_narrowed++;
      this.notice('aggregate-narrowed', addr.text, `blocked as a single address: its /64 overlaps the whitelist`, d.ruleId, country, detections, now);
    }
    if (this.blocks.size >= this.settings.max_blocks) {
      this.c.blocks_refused_capacity++;
      this.notice('capacity-refused', target.text, `not blocked: ${this.blocks.size} blocks active (policy.max_blocks); ${reason}`, d.ruleId, country, detections, now);
      return []; // the tally stays: the source is blocked once room frees up and it offends again
    }
    this.tallies.delete(target.text);
    const ttl = this.ttlFor(this.deps.offenses(target.text));
    const block = this.admit(target, { ttl, rule: d.ruleId, reason, origin: 'auto', parent: null, country, detections }, now);
    this.c.blocks_auto++;
    const out = [toDecision(block, 'block', 'auto', block.reason, now)];

    if (countryThreshold !== undefined && this.settings.subnet_injection) {
      const sub = this.injectSubnet(addr, block, now);
      if (sub !== null) out.push(sub);
    }
    return out;
  }

  /** The /24 or /48 of a source from a listed country, blocked with its parent's expiry. */
  private injectSubnet(addr: Cidr, parent: ActiveBlock, now: number): Decision | null {
    const net = widen(addr, addr.version === 4 ? 24 : 48);
    const wl = this.deps.whitelist.covers(net);
    if (wl !== null) {
      this.c.subnet_skipped_whitelist++;
      this.notice('subnet-skipped', net.text, `subnet not injected: it overlaps whitelisted ${wl.target} (${wl.why})`, parent.rule, parent.country, parent.detections, now);
      return null;
    }
    if (this.covering(net) !== null) return null; // an earlier parent's injection (or a manual block) holds it
    if (this.blocks.size >= this.settings.max_blocks) {
      this.c.blocks_refused_capacity++;
      this.notice('capacity-refused', net.text, `subnet not injected: ${this.blocks.size} blocks active (policy.max_blocks)`, parent.rule, parent.country, parent.detections, now);
      return null;
    }
    const reason = `${net.text} of ${parent.target} (${parent.country}, listed in country_thresholds)`;
    const block = this.admit(net, { ttl: parent.ttl, rule: 'subnet-injection', reason, origin: 'subnet', parent: parent.target, country: parent.country, detections: parent.detections }, now, parent.expiresAt);
    this.c.blocks_subnet++;
    return toDecision(block, 'block', 'subnet', reason, now);
  }

  /**
   * Manual block (CLI/API). `ttl` undefined = blacklist_ttl, 0 = permanent. PalisadeError when the
   * target is invalid, overlaps the whitelist, is already blocked, or the block list is full.
   */
  block(target: string, ttl: number | undefined, reason: string, now: number): Decision[] {
    const c = parseCidr(target.trim());
    if (c === null) throw new PalisadeError('PALISADE_ERR_REFUSED', `block: '${target}' is not an IPv4/IPv6 address or CIDR`);
    if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0)) {
      throw new PalisadeError('PALISADE_ERR_REFUSED', `block ${c.text}: ttl must be a whole number of seconds >= 0 (0 = permanent), got ${ttl}`);
    }
    const wl = this.deps.whitelist.covers(c);
    if (wl !== null) {
      const how = wl.target === c.text ? 'is whitelisted' : c.text.includes('/') ? `contains whitelisted ${wl.target}` : `is inside whitelisted ${wl.target}`;
      throw new PalisadeError('PALISADE_ERR_REFUSED', `block ${c.text}: refused, it ${how} (${wl.why}: ${wl.note})`);
    }
    const existing = this.blocks.get(c.text);
    if (existing !== undefined) {
      const until = existing.expiresAt === null ? 'permanently' : `until ${new Date(existing.expiresAt * 1000).toISOString()}`;
      throw new PalisadeError('PALISADE_ERR_REFUSED', `block ${c.text}: already blocked ${until} (${existing.rule}); unblock it first to change it`);
    }
    if (this.blocks.size >= this.settings.max_blocks) {
      this.c.blocks_refused_capacity++;
      throw new PalisadeError('PALISADE_ERR_REFUSED', `block ${c.text}: refused, ${this.blocks.size} blocks are active (policy.max_blocks ${this.settings.max_blocks})`);
    }
    const t = Math.min(ttl ?? this.settings.blacklist_ttl, MAX_FINITE_TTL);
    const why = reason.trim() !== '' ? reason.trim() : 'manual block';
    const country = c.text.includes('/') ? null : this.countryOf(c.text);
    this.tallies.delete(c.text);
    const b = this.admit(c, { ttl: t, rule: 'manual', reason: why, origin: 'manual', parent: null, country, detections: 0 }, now);
    this.c.blocks_manual++;
    return [toDecision(b, 'block', 'manual', why, now)];
  }

  /** Manual unblock of an active target (and of the subnets it brought in). */
  unblock(target: string, now: number, reason = 'manual unblock'): Decision[] {
    const c = parseCidr(target.trim());
    if (c === null) throw new PalisadeError('PALISADE_ERR_REFUSED', `unblock: '${target}' is not an IPv4/IPv6 address or CIDR`);
    const b = this.blocks.get(c.text);
    if (b === undefined) {
      const cover = this.covering(c);
      const hint = cover !== null ? `; it is inside blocked ${cover.target}` : '';
      throw new PalisadeError('PALISADE_ERR_REFUSED', `unblock: ${c.text} is not blocked${hint}`);
    }
    this.tallies.delete(c.text);
    const out = this.lift(b, 'manual', reason, now);
    this.c.unblocks_manual += out.length;
    return out;
  }

  /** Unblocks every block whose TTL has run out (their subnets with them). */
  expire(now: number): Decision[] {
    if (now < this.nextExpiry) return [];
    const due: ActiveBlock[] = [];
    for (const b of this.blocks.values()) if (b.expiresAt !== null && b.expiresAt <= now) due.push(b);
    const out: Decision[] = [];
    for (const b of due) {
      if (!this.blocks.has(b.target)) continue; // a parent already took it along
      out.push(...this.lift(b, 'expiry', `expired after ${b.ttl} s`, now));
    }
    this.nextExpiry = Infinity;
    for (const b of this.blocks.values()) if (b.expiresAt !== null && b.expiresAt < this.nextExpiry) this.nextExpiry = b.expiresAt;
    this.c.unblocks_expiry += out.length;
    return out;
  }

  /**
   * Loads the active set at daemon start (from the store). Returns unblock decisions for records
   * that expired while the daemon was down or that the whitelist now covers; record them, and do
   * not hand their targets to the enforcer.
   */
  restore(records: readonly ActiveBlock[], now: number): Decision[] {
    const out: Decision[] = [];
    const kept: ActiveBlock[] = [];
    for (const r of records) {
      const c = parseCidr(r.target);
      if (c === null) continue;
      const b: ActiveBlock = { ...r, target: c.text, family: c.version, network: c.text.includes('/') };
      if (b.expiresAt !== null && b.expiresAt <= now) {
        out.push(toDecision(b, 'unblock', 'expiry', `expired after ${b.ttl} s (while the daemon was stopped)`, now));
        this.c.unblocks_expiry++;
        continue;
      }
      const wl = this.deps.whitelist.covers(c);
      if (wl !== null) {
        out.push(toDecision(b, 'unblock', 'manual', `whitelisted: overlaps ${wl.target} (${wl.why})`, now));
        this.c.unblocks_whitelisted++;
        continue;
      }
      kept.push(b);
    }
    const liftedParents = new Set(out.map((d) => d.target));
    for (const b of kept) {
      if (b.parent !== null && liftedParents.has(b.parent)) {
        out.push(toDecision(b, 'unblock', 'manual', `subnet of ${b.parent}, which is no longer blocked`, now));
        continue;
      }
      this.insert(b);
    }
    return out;
  }

  /** Adds a run-time whitelist entry and unblocks what it covers. */
  whitelistAdd(target: string, now: number): { entry: WhitelistEntry; decisions: Decision[] } {
    const entry = this.deps.whitelist.add(target);
    return { entry, decisions: this.syncWhitelist(now) };
  }

  /** Removes a run-time whitelist entry (built-in entries: PalisadeError). */
  whitelistRemove(target: string): WhitelistEntry {
    return this.deps.whitelist.remove(target);
  }

  /** Unblocks every active block the whitelist now covers (after an add or a host address refresh). */
  syncWhitelist(now: number): Decision[] {
    const out: Decision[] = [];
    for (const b of [...this.blocks.values()]) {
      if (!this.blocks.has(b.target)) continue;
      const c = parseCidr(b.target)!;
      const wl = this.deps.whitelist.covers(c);
      if (wl === null) continue;
      const lifted = this.lift(b, 'manual', `whitelisted: overlaps ${wl.target} (${wl.why})`, now);
      this.c.unblocks_whitelisted += lifted.length;
      out.push(...lifted);
    }
    return out;
  }

  /** The active block covering a target (itself, or a network containing it), or null. */
  blockFor(target: string): ActiveBlock | null {
    const c = parseCidr(target);
    return c === null ? null : this.covering(c);
  }

  active(): ActiveBlock[] {
    return [...this.blocks.values()].map((b) => ({ ...b }));
  }

  /** Entries for Enforcer.start()/reconcile(). */
  entries(): BlockEntry[] {
    return [...this.blocks.values()].map((b) => ({ target: b.target, family: b.family, network: b.network, expiresAt: b.expiresAt }));
  }

  counters(): PolicyCounters {
    return { ...this.c, tracked_sources: this.tallies.size, active_blocks: this.blocks.size };
  }

  /** Repeat offenders stay out longer: blacklist_ttl x repeat_multiplier^offenses, capped. */
  ttlFor(offenses: number): number {
    const base = this.settings.blacklist_ttl;
    if (base === 0) return 0;
    let ttl = base * Math.pow(this.settings.repeat_multiplier, Math.max(0, offenses));
    if (this.settings.max_ttl > 0) ttl = Math.min(ttl, this.settings.max_ttl);
    return Math.max(1, Math.min(Math.round(ttl), MAX_FINITE_TTL));
  }

  private countryOf(ip: string): string | null {
    return this.deps.geo === null ? null : this.deps.geo.lookup(ip);
  }

  /** The source's tally, created or reset when idle; least recently seen evicted when full. */
  private touch(key: string, now: number): Tally {
    let t = this.tallies.get(key);
    if (t !== undefined) {
      this.tallies.delete(key); // re-inserted below: Map order is recency order
      if (now - t.last > TALLY_IDLE_SECONDS) t.count = 0;
    } else {
      if (this.tallies.size >= this.maxTracked) {
        const oldest = this.tallies.keys().next().value as string;
        this.tallies.delete(oldest);
        this.c.tracked_evictions++;
      }
      t = { count: 0, country: undefined, last: now };
    }
    t.last = now;
    this.tallies.set(key, t);
    return t;
  }

  private admit(
    c: Cidr,
    f: { ttl: number; rule: string; reason: string; origin: BlockOrigin; parent: string | null; country: string | null; detections: number },
    now: number,
    expiresAt: number | null = f.ttl === 0 ? null : now + f.ttl,
  ): ActiveBlock {
    const b: ActiveBlock = { target: c.text, family: c.version, network: c.text.includes('/'), expiresAt, since: now, ...f };
    this.insert(b);
    return b;
  }

  private insert(b: ActiveBlock): void {
    this.blocks.set(b.target, b);
    if (b.network) {
      const k = prefixKey(parseCidr(b.target)!);
      this.netPrefixes.set(k, (this.netPrefixes.get(k) ?? 0) + 1);
    }
    if (b.parent !== null) {
      let set = this.children.get(b.parent);
      if (set === undefined) this.children.set(b.parent, (set = new Set()));
      set.add(b.target);
    }
    if (b.expiresAt !== null && b.expiresAt < this.nextExpiry) this.nextExpiry = b.expiresAt;
  }

  /** Removes a block and the subnets it brought in; their unblock decisions, parent first. */
  private lift(b: ActiveBlock, origin: 'manual' | 'expiry', reason: string, now: number): Decision[] {
    this.remove(b);
    const out = [toDecision(b, 'unblock', origin, reason, now)];
    const kids = this.children.get(b.target);
    if (kids !== undefined) {
      this.children.delete(b.target);
      for (const k of kids) {
        const child = this.blocks.get(k);
        if (child === undefined || child.parent !== b.target) continue;
        this.remove(child);
        out.push(toDecision(child, 'unblock', origin, `subnet of ${b.target}: ${reason}`, now));
      }
    }
    return out;
  }

  private remove(b: ActiveBlock): void {
    this.blocks.delete(b.target);
    if (b.network) {
      const k = prefixKey(parseCidr(b.target)!);
      const n = (this.netPrefixes.get(k) ?? 1) - 1;
      if (n <= 0) this.netPrefixes.delete(k);
      else this.netPrefixes.set(k, n);
    }
    if (b.parent !== null) this.children.get(b.parent)?.delete(b.target);
  }

  private covering(c: Cidr): ActiveBlock | null {
    const exact = this.blocks.get(c.text);
    if (exact !== undefined) return exact;
    for (const k of this.netPrefixes.keys()) {
      const slash = k.indexOf('/');
      if (Number(k.slice(0, slash)) !== c.version) continue;
      const bits = Number(k.slice(slash + 1));
      if (bits >= c.bits) continue;
      const b = this.blocks.get(widen(c, bits).text);
      if (b !== undefined) return b;
    }
    return null;
  }

  private notice(event: PolicyNotice['event'], target: string, reason: string, rule: string, country: string | null, detections: number, at: number): void {
    this.deps.notify?.({ event, target, reason, rule, country, detections, at });
  }
}

/** ::ffff:a.b.c.d (an IPv4 client of a dual-stack socket, as some logs print it) as a.b.c.d. */
function unmapV4(c: Cidr | null): Cidr | null {
  if (c === null || c.version !== 6 || c.bits !== 128 || !c.text.startsWith('::ffff:') || !c.text.includes('.')) return c;
  return parseCidr(c.text.slice(7));
}

function prefixKey(c: Cidr): string {
  return `${c.version}/${c.bits}`;
}

/** The network of `bits` bits that contains `c`. */
function widen(c: Cidr, bits: number): Cidr {
  const slash = c.text.indexOf('/');
  return parseCidr(`${slash === -1 ? c.text : c.text.slice(0, slash)}/${bits}`)!;
}

function toDecision(b: ActiveBlock, kind: 'block' | 'unblock', origin: DecisionOrigin, reason: string, now: number): Decision {
  return {
    kind,
    target: b.target,
    family: b.family,
    network: b.network,
    ttl: kind === 'block' ? b.ttl : 0,
    expiresAt: kind === 'block' ? b.expiresAt : null,
    rule: b.rule,
    reason,
    origin,
    parent: b.parent,
    detections: b.detections,
    country: b.country,
    at: now,
  };
}
