// Profiles: whole captures made of scenes.
//   mixed    the benchmark: ~80% normal traffic by packet count, the rest every attack, sprinkled
//   spoofed  a spoofed SYN flood from K distinct sources (memory benchmark)
//   lab      the demo capture: ~60 s of a small office plus one of each attack (examples/lab.pcap)

import { actorAddress, ActorRole, ip4, LAB_ACTORS, LAB_NET, UDP_FLOOD_PORT } from './net.js';
import { Payloads, WebAttack } from './payloads.js';
import { PcapWriter } from './pcap-writer.js';
import { Prng } from './prng.js';
import * as sc from './scenes.js';
import { MS, SEC, Synth } from './timeline.js';

export const PROFILES = ['mixed', 'spoofed', 'lab'] as const;
export type ProfileName = (typeof PROFILES)[number];

export const DEFAULT_SEED = 1;

export interface GenerateOptions {
  profile: ProfileName;
  out: string;
  /** Exact packet count (mixed and spoofed: required; lab: optional cap on the whole scene). */
  packets?: number;
  seed?: number;
  /** Distinct spoofed sources (spoofed profile; default 10,000). */
  sources?: number;
}

export interface GenerateResult {
  profile: ProfileName;
  seed: number;
  packets: number;
  bytes: number;
  /** Capture time span: last timestamp minus first (µs). */
  durationMicros: number;
  /** Packets per scene. */
  scenes: Record<string, number>;
  /** Frame bytes per scene (without the 16-byte pcap record headers). */
  sceneBytes: Record<string, number>;
}

/** Writes a capture; the same options always give the same bytes. */
export function generate(o: GenerateOptions): GenerateResult {
  const seed = o.seed ?? DEFAULT_SEED;
  const n = o.packets;
  if (n !== undefined && (!Number.isInteger(n) || n < 1)) throw new Error(`packets must be a positive integer, got ${n}`);
  if (o.profile !== 'lab' && n === undefined) throw new Error(`profile ${o.profile} needs a packet count`);
  if (o.profile === 'spoofed') checkSources(o.sources ?? DEFAULT_SOURCES, n as number);
  const rng = new Prng(seed);
  const payloads = new Payloads(rng.fork());
  const w = new PcapWriter(o.out);
  const s = new Synth(w, rng.fork(), payloads);
  try {
    if (o.profile === 'mixed') mixedProfile(s, n as number);
    else if (o.profile === 'spoofed') spoofedProfile(s, n as number, o.sources ?? DEFAULT_SOURCES);
    else labProfile(s);
    s.run({ maxPackets: n });
  } finally {
    w.close();
  }
  const scenes: Record<string, number> = {};
  const sceneBytes: Record<string, number> = {};
  for (const k of [...s.counts.keys()].sort()) {
    scenes[k] = s.counts.get(k) as number;
    sceneBytes[k] = s.bytes.get(k) as number;
  }
  const durationMicros = Math.round(s.lastAt - Math.max(0, s.firstAt));
  return { profile: o.profile, seed, packets: w.packets, bytes: w.bytes, durationMicros, scenes, sceneBytes };
}

// ------------------------------------------------------------------------------------------- lab

/** What the lab capture contains: actor → attack (examples/lab.md is printed from this; `what` is Markdown). */
export const LAB_SCRIPT: ReadonlyArray<{ role: ActorRole; scene: string; at: number; what: string }> = [
  { role: 'scanner', scene: 'synScan', at: 5, what: 'SYN scan of 200 ports of the victim (open: 22, 80, 443), ~400 probes/s' },
  { role: 'stealthScanner', scene: 'stealthScan', at: 9, what: 'NULL, then FIN, then XMAS probes to 40 ports of the victim' },
  { role: 'synFlooder', scene: 'synFlood', at: 14, what: 'SYN flood: 3,000 SYNs to victim:80 at ~1,500/s, never completed' },
  { role: 'icmpFlooder', scene: 'icmpFlood', at: 19, what: 'ICMP flood: 2,000 echo requests at ~1,000/s (2 s)' },
  { role: 'udpFlooder', scene: 'udpFlood', at: 23, what: `UDP flood: 1,000 datagrams to victim:${UDP_FLOOD_PORT} at ~2,500/s` },
  { role: 'sqli', scene: 'sqli', at: 34, what: "SQL injection: 10 GETs (`UNION ALL SELECT`, `'+or+'1'='1`, `SLEEP(5)`), one TCP session each" },
  { role: 'pathTraversal', scene: 'pathTraversal', at: 40, what: 'path traversal: 8 GETs (`/../../../../etc/passwd`, `%2e%2e%2f`, `..%252f`)' },
  { role: 'cmdInjection', scene: 'cmdInjection', at: 45, what: 'command injection: 6 GETs (`%3Bcat%20/etc/passwd`, `%7C%7Cid`, `%60whoami%60`)' },
  { role: 'xss', scene: 'xss', at: 50, what: 'XSS: 6 GETs (`%3Cscript%3Ealert(1)`, `onerror%3Dalert(1)`, `javascript%3Aalert(1)`)' },
];

/** The lab's spoofed SYN flood (its sources are random public addresses, one SYN each). */
export const LAB_SPOOFED = { at: 27, sources: 5000, count: 5000, rate: 2500, dport: 80 } as const;
export const LAB_DURATION_SEC = 60;

function labProfile(s: Synth): void {
  const end = LAB_DURATION_SEC * SEC;
  const victim = ip4(LAB_NET.victim);
  const clients = LAB_NET.labClients.map(ip4);
  const open = LAB_NET.victimOpenPorts;
  sc.normalWeb(s, {
    start: 0,
    end,
    sessionsPerSec: 0.45,
    clients,
    servers: [...LAB_NET.internalWeb, ...LAB_NET.externalWeb],
    servers6: LAB_NET.externalWeb6,
    ipv6Share: 0.1,
    tlsShare: 0.35,
    maxRequests: 3,
    maxBody: 1200,
  });
  sc.dns(s, { start: 0, end, queriesPerSec: 1, clients, server: LAB_NET.dns, ipv6Share: 0.15 });
  sc.ntp(s, { start: 0, end, clients, server: LAB_NET.ntp });
  sc.ping(s, { start: 500 * MS, end, src: clients[0], dst: ip4(LAB_NET.gateway) });
  const at = (role: ActorRole): number => (LAB_SCRIPT.find((x) => x.role === role)?.at ?? 0) * SEC;
  const src = (role: ActorRole): number => ip4(LAB_ACTORS[role]);
  sc.synScan(s, { src: src('scanner'), dst: victim, ports: 200, start: at('scanner'), rate: 400, open });
  sc.stealthScan(s, { src: src('stealthScanner'), dst: victim, ports: 40, start: at('stealthScanner'), rate: 100, open });
  sc.synFlood(s, { src: src('synFlooder'), dst: victim, dport: 80, count: 3000, start: at('synFlooder'), rate: 1500 });
  sc.icmpFlood(s, { src: src('icmpFlooder'), dst: victim, count: 2000, start: at('icmpFlooder'), rate: 1000 });
  sc.udpFlood(s, {
    src: src('udpFlooder'), dst: victim, dport: UDP_FLOOD_PORT, count: 1000, start: at('udpFlooder'), rate: 2500, payloadLen: 8,
  });
  const sp = LAB_SPOOFED;
  sc.spoofedSynFlood(s, { dst: victim, dport: sp.dport, count: sp.count, sources: sp.sources, start: sp.at * SEC, rate: sp.rate });
  const server = LAB_NET.victim;
  sc.sqli(s, { src: src('sqli'), server, count: 10, start: at('sqli'), gap: 400 * MS });
  sc.pathTraversal(s, { src: src('pathTraversal'), server, count: 8, start: at('pathTraversal'), gap: 300 * MS });
  sc.cmdInjection(s, { src: src('cmdInjection'), server, count: 6, start: at('cmdInjection'), gap: 500 * MS });
  sc.xss(s, { src: src('xss'), server, count: 6, start: at('xss'), gap: 500 * MS });
}

// --------------------------------------------------------------------------------------- spoofed

export const DEFAULT_SOURCES = 10_000;

function checkSources(sources: number, n: number): void {
  if (!Number.isInteger(sources) || sources < 1) throw new Error(`sources must be a positive integer, got ${sources}`);
  if (sources > n) throw new Error(`--sources ${sources} needs at least as many packets (got --packets ${n})`);
  if (sources > 50_000_000) throw new Error(`--sources ${sources} is more than this generator supports (50,000,000)`);
}

/** SYN i comes from source i mod K: every source sends N/K SYNs, the first K SYNs are all distinct. */
function spoofedProfile(s: Synth, n: number, sources: number): void {
  sc.spoofedSynFlood(s, { dst: ip4(LAB_NET.victim), dport: 80, count: n, sources, start: 0, rate: 50_000 });
}

// ----------------------------------------------------------------------------------------- mixed

/** Normal packets per second of the mixed profile: sets the capture's time span (N / this). */
const MIXED_PPS = 10_000;
/** Measured average packets of one normal web session (see the synth tests): calibrates the rates. */
export const PACKETS_PER_WEB_SESSION = 12;
/** Shares of all packets. Normal ≈ 0.80; attacks take the rest. */
const NORMAL_SHARES = { web: 0.58, dns: 0.16, ping: 0.045, ntp: 0.015 };
/** Cap on normal response sizes: keeps 2 M packets within a few hundred MB. */
const MIXED_MAX_BODY = 1400;

type AttackScene = 'synScan' | 'stealthScan' | 'synFlood' | 'spoofedSynFlood' | 'icmpFlood' | 'udpFlood' | WebAttack;

/** Each attack: share of all packets, packets per instance, actor role. */
const ATTACK_PLAN: ReadonlyArray<{ scene: AttackScene; share: number; perInstance: number; role: ActorRole | null }> = [
  { scene: 'synScan', share: 0.024, perInstance: 2000, role: 'scanner' },
  { scene: 'stealthScan', share: 0.012, perInstance: 1800, role: 'stealthScanner' },
  { scene: 'synFlood', share: 0.04, perInstance: 20_000, role: 'synFlooder' },
  { scene: 'spoofedSynFlood', share: 0.04, perInstance: 40_000, role: null },
  { scene: 'icmpFlood', share: 0.028, perInstance: 15_000, role: 'icmpFlooder' },
  { scene: 'udpFlood', share: 0.028, perInstance: 15_000, role: 'udpFlooder' },
  { scene: 'sqli', share: 0.012, perInstance: 2000, role: 'sqli' },
  { scene: 'pathTraversal', share: 0.006, perInstance: 1200, role: 'pathTraversal' },
  { scene: 'cmdInjection', share: 0.005, perInstance: 1000, role: 'cmdInjection' },
  { scene: 'xss', share: 0.005, perInstance: 1000, role: 'xss' },
];
/** Packets of one attack web session (handshake, GET, short response, teardown). */
const PACKETS_PER_ATTACK_SESSION = 10;

/** The LAN clients of the mixed profile: `count` distinct addresses in 10.0.2.0 - 10.0.255.254. */
export function mixedClients(r: Prng, count: number): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const a = (0x0a000000 | (r.range(2, 255) << 8) | r.range(1, 254)) >>> 0;
    if (seen.has(a)) continue;
    seen.add(a);
    out.push(a);
  }
  return out;
}

function mixedProfile(s: Synth, n: number): void {
  const r = s.rng;
  const span = Math.max(20, n / MIXED_PPS) * SEC; // attacks all happen inside [3%, 85%] of it
  const spanSec = span / SEC;
  const victim = ip4(LAB_NET.victim);
  const vlanNet = ip4(LAB_NET.vlanNet);
  s.vlanNet = vlanNet;
  s.vlanMask = (0xffffffff << (32 - LAB_NET.vlanPrefix)) >>> 0;
  s.vlanId = LAB_NET.vlanId;
  const clients = mixedClients(r, 4000);
  for (let i = 0; i < 200; i++) clients[i] = (vlanNet + 1 + i) >>> 0; // some clients on the VLAN
  const never = Infinity;

  // ---- normal traffic, endless: the run stops at exactly n packets
  sc.normalWeb(s, {
    start: 0,
    end: never,
    sessionsPerSec: (NORMAL_SHARES.web * n) / spanSec / PACKETS_PER_WEB_SESSION,
    clients,
    servers: [...LAB_NET.internalWeb, ...LAB_NET.externalWeb],
    servers6: LAB_NET.externalWeb6,
    ipv6Share: 0.04,
    tlsShare: 0.4,
    maxBody: MIXED_MAX_BODY,
  });
  sc.dns(s, { start: 0, end: never, queriesPerSec: (NORMAL_SHARES.dns * n) / spanSec / 2, clients, server: LAB_NET.dns, ipv6Share: 0.05 });
  const pingers = Math.max(1, Math.round((NORMAL_SHARES.ping * n) / spanSec / 2));
  const pingTargets = [ip4(LAB_NET.gateway), victim, ip4(LAB_NET.dns)];
  for (let i = 0; i < pingers; i++) {
    const start = r.int(SEC);
    const src = clients[r.int(clients.length)];
    sc.ping(s, { start, end: never, src, dst: pingTargets[i % pingTargets.length], rtt: r.range(150, 900) });
  }
  const ntpClients = Math.max(1, Math.round(((NORMAL_SHARES.ntp * n) / spanSec / 2) * 64));
  sc.ntp(s, { start: 0, end: never, clients: clients.slice(0, Math.min(ntpClients, clients.length)), server: LAB_NET.ntp });

  // ---- attacks: instances spread over [3%, 83%] of the span (so the packet cap never cuts them
  // short), each from its role's next address
  const targets = [LAB_NET.victim, LAB_NET.victim, LAB_NET.internalWeb[1], LAB_NET.internalWeb[2]];
  const open = LAB_NET.victimOpenPorts;
  for (const plan of ATTACK_PLAN) {
    const budget = plan.share * n;
    const instances = Math.max(1, Math.round(budget / plan.perInstance));
    const size = Math.max(1, Math.round(budget / instances));
    for (let i = 0; i < instances; i++) {
      const src = plan.role ? actorAddress(plan.role, i % 10) : 0;
      const target = targets[i % targets.length];
      const dst = ip4(target);
      const startWithin = (duration: number): number => Math.round(0.03 * span + r.float() * Math.max(0, 0.8 * span - duration));
      switch (plan.scene) {
        case 'synScan': {
          const ports = Math.max(5, Math.min(60000, Math.round(size / 2)));
          const rate = r.range(300, 3000);
          sc.synScan(s, { src, dst, ports, start: startWithin((ports / rate) * SEC), rate, open });
          break;
        }
        case 'stealthScan': {
          const ports = Math.max(3, Math.min(20000, Math.round(size / 6)));
          const rate = r.range(200, 1500);
          sc.stealthScan(s, { src, dst, ports, start: startWithin((3 * ports / rate + 2) * SEC), rate, open });
          break;
        }
        case 'synFlood': {
          const rate = r.range(3000, 8000);
          sc.synFlood(s, { src, dst, dport: r.pick([80, 443, 22]), count: size, start: startWithin((size / rate) * SEC), rate });
          break;
        }
        case 'spoofedSynFlood': {
          const rate = r.range(8000, 15000);
          const start = startWithin((size / rate) * SEC);
          sc.spoofedSynFlood(s, { dst, dport: r.pick([80, 443]), count: size, sources: Math.max(1, size >> 1), start, rate });
          break;
        }
        case 'icmpFlood': {
          const rate = r.range(1000, 4000);
          sc.icmpFlood(s, { src, dst, count: size, start: startWithin((size / rate) * SEC), rate, payloadLen: r.pick([0, 56, 56, 120]) });
          break;
        }
        case 'udpFlood': {
          const rate = r.range(2000, 8000);
          const start = startWithin((size / rate) * SEC);
          sc.udpFlood(s, { src, dst, dport: UDP_FLOOD_PORT, count: size, start, rate, payloadLen: r.range(16, 256) });
          break;
        }
        default: {
          const count = Math.max(1, Math.round(size / PACKETS_PER_ATTACK_SESSION));
          const gap = r.range(50, 300) * MS;
          sc.webAttack(s, plan.scene, { src, server: target, count, start: startWithin(count * gap + SEC), gap });
        }
      }
    }
  }
}
