// Reads Palisade's ipsets (`ipset save <set>`) and iptables chains (`iptables -S`) back.

import { parseCidr } from '../../decode/ip-addr.js';
import type { KernelElement } from '../planner.js';

export interface SavedSet {
  /** "hash:ip", "hash:net". */
  type: string;
  /** "inet", "inet6". */
  family: string;
  elements: KernelElement[];
}

/** Parses `ipset save <set>` output: one create line, then `add <set> <elem> [timeout N]`. */
export function parseSave(text: string, set: string): SavedSet {
  const out: SavedSet = { type: '', family: '', elements: [] };
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (w[1] !== set) continue;
    if (w[0] === 'create') {
      out.type = w[2] ?? '';
      const f = w.indexOf('family');
      out.family = f === -1 ? '' : (w[f + 1] ?? '');
    } else if (w[0] === 'add' && w[2] !== undefined) {
      const c = parseCidr(w[2]);
      if (c) out.elements.push({ set, text: c.text });
    }
  }
  return out;
}

/** Sum of packets and bytes of `iptables -L CHAIN -n -v -x` rule lines. */
export function parseChainCounters(text: string): { packets: number; bytes: number } {
  const total = { packets: 0, bytes: 0 };
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+DROP\b/.exec(line);
    if (m) {
      total.packets += Number(m[1]);
      total.bytes += Number(m[2]);
    }
  }
  return total;
}
