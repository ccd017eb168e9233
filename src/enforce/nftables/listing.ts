// Reads `nft -j list table inet <table>`: the elements of Palisade's sets (canonical text) and
// whether the table still has the sets, chains and drop rules Palisade created.

import { parseAddress, parseCidr } from '../../decode/ip-addr.js';
import type { KernelState } from '../plan-enforcer.js';
import type { KernelElement } from '../planner.js';
import { NFT_SETS, type NftablesLayout } from './commands.js';

type Json = Record<string, unknown>;

export interface DropCounters {
  packets: number;
  bytes: number;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One element of a set listing: "1.2.3.4", {prefix}, {range}, or {elem: {val, timeout, expires}}. */
function elementText(v: unknown): string | null {
  if (typeof v === 'string') return parseCidr(v)?.text ?? null;
  if (!isObj(v)) return null;
  if (isObj(v.elem)) return elementText(v.elem.val);
  if (isObj(v.prefix)) {
    const p = v.prefix;
    return typeof p.addr === 'string' && typeof p.len === 'number' ? (parseCidr(`${p.addr}/${p.len}`)?.text ?? null) : null;
  }
  // A range someone added by hand: validated, kept as "a-b" so it is reported and rewritten away.
  if (Array.isArray(v.range) && v.range.length === 2) {
    const [a, b] = v.range;
    if (typeof a === 'string' && typeof b === 'string' && parseAddress(a) && parseAddress(b)) return `${a}-${b}`;
  }
  return null;
}

/** Names of Palisade's sets a rule drops on ("ip saddr @v4 counter drop" gives v4). */
function droppedSets(expr: unknown): string[] {
  if (!Array.isArray(expr)) return [];
  if (!expr.some((e) => isObj(e) && 'drop' in e)) return [];
  const out: string[] = [];
  for (const e of expr) {
    if (isObj(e) && isObj(e.match) && typeof e.match.right === 'string' && e.match.right.startsWith('@')) out.push(e.match.right.slice(1));
  }
  return out;
}

function items(json: string): Json[] {
  const doc = JSON.parse(json) as unknown;
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new Error('nft -j output has no "nftables" array');
  return doc.nftables.filter(isObj);
}

export function parseTable(json: string, layout: NftablesLayout): KernelState {
  const elements: KernelElement[] = [];
  const problems: string[] = [];
  const sets = new Map<string, { type: unknown; flags: string[] }>();
  const chains = new Map<string, string>(); // name -> hook
  const drops = new Map<string, Set<string>>(); // chain -> sets it drops on
  for (const item of items(json)) {
    if (isObj(item.set) && item.set.table === layout.table && item.set.family === 'inet') {
      const s = item.set;
      const name = String(s.name);
      sets.set(name, { type: s.type, flags: Array.isArray(s.flags) ? s.flags.map(String) : [] });
      if (Array.isArray(s.elem)) {
        for (const e of s.elem) {
          const text = elementText(e);
          if (text !== null) elements.push({ set: name, text });
        }
      }
    } else if (isObj(item.chain) && item.chain.table === layout.table && item.chain.family === 'inet') {
      chains.set(String(item.chain.name), String(item.chain.hook));
    } else if (isObj(item.rule) && item.rule.table === layout.table && item.rule.family === 'inet') {
      const chain = String(item.rule.chain);
      const got = drops.get(chain) ?? new Set<string>();
      for (const name of droppedSets(item.rule.expr)) got.add(name);
      drops.set(chain, got);
    }
  }
  const want: [string, string, boolean][] = [
    [NFT_SETS.v4, 'ipv4_addr', false],
    [NFT_SETS.v6, 'ipv6_addr', false],
    [NFT_SETS.v4net, 'ipv4_addr', true],
    [NFT_SETS.v6net, 'ipv6_addr', true],
  ];
  for (const [name, type, interval] of want) {
    const s = sets.get(name);
    if (!s) problems.push(`set ${name} is missing`);
    else if (s.type !== type || !s.flags.includes('timeout') || s.flags.includes('interval') !== interval) problems.push(`set ${name} has another type or flags`);
  }
  const hooks = layout.forward ? ['input', 'forward'] : ['input'];
  for (const hook of hooks) {
    if (chains.get(hook) !== hook) {
      problems.push(`chain ${hook} is missing`);
      continue;
    }
    const got = drops.get(hook) ?? new Set<string>();
    for (const [name] of want) if (!got.has(name)) problems.push(`chain ${hook} no longer drops @${name}`);
  }
  if (!layout.forward && chains.has('forward')) problems.push('chain forward exists but enforce.forward is off');
  return { structure: problems.length === 0 ? 'ok' : 'damaged', detail: problems.join('; '), elements };
}

/** Sum of the drop rules' counters. */
export function parseDrops(json: string, layout: NftablesLayout): DropCounters {
  const total = { packets: 0, bytes: 0 };
  for (const item of items(json)) {
    if (!isObj(item.rule) || item.rule.table !== layout.table || !Array.isArray(item.rule.expr)) continue;
    if (droppedSets(item.rule.expr).length === 0) continue;
    for (const e of item.rule.expr) {
      if (isObj(e) && isObj(e.counter)) {
        total.packets += Number(e.counter.packets) || 0;
        total.bytes += Number(e.counter.bytes) || 0;
      }
    }
  }
  return total;
}
