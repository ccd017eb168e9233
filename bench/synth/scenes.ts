// Traffic scenes. Each scene adds flows to a Synth's timeline, so any number of them mix on one
// capture. Times are µs since the capture start; addresses are IPv4 numbers (see net.ts: ip4()).
//
// normal:  normalWeb, dns, ntp, ping
// attacks: synScan, stealthScan, synFlood, spoofedSynFlood, icmpFlood, udpFlood, webAttack
//          (webAttack covers sqli, pathTraversal, cmdInjection and xss; wrappers below name them)

import { ACK, FIN, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, PROTO_ICMP, PROTO_UDP, PSH, RST, SYN, URG } from './frames.js';
import { ip4, ip6, isReservedOrLab, lanV6 } from './net.js';
import { WebAttack } from './payloads.js';
import { Permutation32, Prng } from './prng.js';
import { EPOCH_MICROS, Flow, MS, SEC, Spawner, Synth } from './timeline.js';
import { WebSession } from './web.js';

const NTP_UNIX_OFFSET = 2208988800;

function ephemeralPort(r: Prng): number {
  return r.range(32768, 60999);
}

/** Mean gap in µs for a rate per second. */
function gapFor(rate: number): number {
  if (!(rate > 0)) throw new Error(`rate must be positive, got ${rate}`);
  return SEC / rate;
}

// ---------------------------------------------------------------------------------------- normal

export interface NormalWebOptions {
  start: number;
  end: number;
  sessionsPerSec: number;
  /** LAN clients (IPv4). */
  clients: readonly number[];
  /** IPv4 web servers (dotted text: the Host header follows the address). */
  servers: readonly string[];
  /** IPv6 web servers, used for `ipv6Share` of the sessions (clients use their fd00:: twin). */
  servers6?: readonly string[];
  ipv6Share?: number;
  /** Share of sessions to port 443 (TLS records); the rest are plain HTTP on port 80. */
  tlsShare?: number;
  /** Most requests on one keep-alive connection (default 4). */
  maxRequests?: number;
  /** Cap on each response's size in bytes (keeps small captures small); default none. */
  maxBody?: number;
}

/** Browsers: handshakes to servers on 80/443, HTTP GETs with real headers, responses, FIN teardown. */
export function normalWeb(s: Synth, o: NormalWebOptions): void {
  const servers = o.servers.map((text) => ({ text, n: ip4(text), reqs: s.payloads.normalRequests(text) }));
  const servers6 = (o.servers6 ?? []).map((text) => ({ text, a: ip6(text), reqs: s.payloads.normalRequests(text) }));
  const cli6 = o.clients.map((c) => lanV6(c));
  const v6Share = servers6.length > 0 ? (o.ipv6Share ?? 0) : 0;
  const tlsShare = o.tlsShare ?? 0.4;
  const maxReq = o.maxRequests ?? 4;
  const gap = gapFor(o.sessionsPerSec);
  s.add(
    new Spawner('normalWeb', o.end, () => s.rng.jitter(gap), (syn, at) => {
      const r = syn.rng;
      const ci = r.int(o.clients.length);
      const client = o.clients[ci];
      const v6 = v6Share > 0 && r.chance(v6Share);
      const tls = r.chance(tlsShare);
      let count = 1;
      while (count < maxReq && r.chance(0.45)) count++;
      const common = {
        sport: ephemeralPort(r),
        dport: tls ? 443 : 80,
        tls,
        first: 0,
        count,
        randomRequests: true,
        ttlClient: client & 1 ? 128 : 64,
        vlan: syn.vlanOf(client),
        think: r.range(5, 300) * MS,
        maxBody: o.maxBody,
      };
      let sess: WebSession;
      if (v6) {
        const srv = servers6[r.int(servers6.length)];
        sess = new WebSession('normalWeb', syn, {
          ...common, cli6: cli6[ci], srv6: srv.a, requests: srv.reqs, rtt: r.range(8, 90) * MS, ttlServer: r.range(50, 58),
        });
      } else {
        const srv = servers[r.int(servers.length)];
        const internal = srv.n >>> 24 === 10;
        sess = new WebSession('normalWeb', syn, {
          ...common,
          cli4: client,
          srv4: srv.n,
          requests: srv.reqs,
          rtt: internal ? r.range(150, 1500) : r.range(8, 90) * MS,
          ttlServer: internal ? 64 : r.range(50, 58),
        });
      }
      syn.add(sess, at);
    }),
    o.start,
  );
}

export interface DnsOptions {
  start: number;
  end: number;
  queriesPerSec: number;
  clients: readonly number[];
  /** The resolver (a LAN address). */
  server: string;
  /** Share of queries over IPv6 (client and resolver fd00:: twins). */
  ipv6Share?: number;
}

/** UDP 53 queries (A or AAAA) from ephemeral ports and the resolver's answers. */
export function dns(s: Synth, o: DnsOptions): void {
  const server = ip4(o.server);
  const server6 = lanV6(server);
  const cli6 = o.clients.map((c) => lanV6(c));
  const gap = gapFor(o.queriesPerSec);
  s.add(
    new Spawner('dns', o.end, () => s.rng.jitter(gap), (syn, at) => {
      const r = syn.rng;
      const ci = r.int(o.clients.length);
      const v6 = (o.ipv6Share ?? 0) > 0 && r.chance(o.ipv6Share ?? 0);
      syn.add(new DnsExchange(syn, o.clients[ci], server, v6 ? cli6[ci] : null, v6 ? server6 : null), at);
    }),
    o.start,
  );
}

class DnsExchange extends Flow {
  private phase = 0;
  private readonly id: number;
  private readonly sport: number;
  private readonly name: number;
  private readonly aaaa: boolean;
  private readonly ipId: number;

  constructor(
    s: Synth,
    private readonly cli: number,
    private readonly srv: number,
    private readonly cli6: Uint8Array | null,
    private readonly srv6: Uint8Array | null,
  ) {
    super('dns');
    const r = s.rng;
    this.id = r.int(65536);
    this.sport = ephemeralPort(r);
    this.name = r.int(s.payloads.dnsNames.length);
    this.aaaa = r.chance(0.35);
    this.ipId = r.int(65536);
  }

  step(s: Synth): boolean {
    const f = s.f;
    const q = this.phase === 0;
    f.vlan = s.vlanOf(this.cli);
    f.proto = PROTO_UDP;
    f.ttl = 64;
    f.df = false;
    if (this.cli6 && this.srv6) {
      f.v6 = true;
      f.src6.set(q ? this.cli6 : this.srv6);
      f.dst6.set(q ? this.srv6 : this.cli6);
    } else {
      f.v6 = false;
      f.src4 = q ? this.cli : this.srv;
      f.dst4 = q ? this.srv : this.cli;
    }
    f.sport = q ? this.sport : 53;
    f.dport = q ? 53 : this.sport;
    f.ipId = (this.ipId + this.phase) & 0xffff;
    const b = s.scratch;
    const name = s.payloads.dnsNames[this.name];
    const qtype = this.aaaa ? 28 : 1;
    b.writeUInt16BE(this.id, 0);
    b.writeUInt16BE(q ? 0x0100 : 0x8180, 2);
    b.writeUInt16BE(1, 4);
    b.writeUInt16BE(q ? 0 : 1, 6);
    b.writeUInt16BE(0, 8);
    b.writeUInt16BE(0, 10);
    let p = 12 + name.copy(b, 12);
    b.writeUInt16BE(qtype, p);
    b.writeUInt16BE(1, p + 2);
    p += 4;
    if (!q) {
      b.writeUInt16BE(0xc00c, p);
      b.writeUInt16BE(qtype, p + 2);
      b.writeUInt16BE(1, p + 4);
      b.writeUInt32BE(300, p + 6);
      p += 10;
      if (this.aaaa) {
        b.writeUInt16BE(16, p);
        b.writeUInt32BE(0x20010db8, p + 2);
        b.writeUInt32BE(0, p + 6);
        b.writeUInt32BE(0, p + 10);
        b.writeUInt32BE(0x100 + this.name, p + 14);
        p += 18;
      } else {
        b.writeUInt16BE(4, p);
        b.writeUInt32BE((0xc6120000 + 0x100 + this.name) >>> 0, p + 2); // 198.18.1.x
        p += 6;
      }
    }
    f.setPayload(b, 0, p);
    s.emit();
    if (!q) return false;
    this.phase = 1;
    this.t += s.rng.range(200, 30000);
    return true;
  }
}

export interface NtpOptions {
  start: number;
  end: number;
  clients: readonly number[];
  server: string;
  /** Poll interval (µs, default 64 s). */
  poll?: number;
}

/** Each client polls the NTP server (48-byte v4 client/server packets with consistent timestamps). */
export function ntp(s: Synth, o: NtpOptions): void {
  const server = ip4(o.server);
  const poll = o.poll ?? 64 * SEC;
  for (const c of o.clients) {
    const fl = new NtpClient(s, c, server, poll, o.end);
    s.add(fl, o.start + s.rng.int(Math.min(poll, Math.max(1, o.end - o.start))));
  }
}

class NtpClient extends Flow {
  private reply = false;
  private readonly sport: number;
  private sentAt = 0;
  private ipId: number;

  constructor(
    s: Synth,
    private readonly cli: number,
    private readonly srv: number,
    private readonly poll: number,
    private readonly end: number,
  ) {
    super('ntp');
    this.sport = s.rng.chance(0.5) ? 123 : ephemeralPort(s.rng);
    this.ipId = s.rng.int(65536);
  }

  step(s: Synth): boolean {
    const f = s.f;
    const q = !this.reply;
    f.vlan = s.vlanOf(this.cli);
    f.v6 = false;
    f.proto = PROTO_UDP;
    f.ttl = 64;
    f.df = true;
    f.ipId = this.ipId++ & 0xffff;
    f.src4 = q ? this.cli : this.srv;
    f.dst4 = q ? this.srv : this.cli;
    f.sport = q ? this.sport : 123;
    f.dport = q ? 123 : this.sport;
    const b = s.scratch;
    b.fill(0, 0, 48);
    b[0] = q ? 0x23 : 0x24; // LI 0, version 4, mode 3 (client) / 4 (server)
    b[1] = q ? 0 : 2; // stratum
    b[2] = 6; // poll 2^6 s
    b[3] = 0xe9; // precision 2^-23
    if (q) {
      this.sentAt = this.t;
      ntpTime(b, 40, this.t);
    } else {
      b.writeUInt32BE(0x00000120, 4); // root delay
      b.writeUInt32BE(0x00000350, 8); // root dispersion
      b.writeUInt32BE(0xc6120001, 12); // reference id: upstream 198.18.0.1
      ntpTime(b, 16, this.t - 17 * SEC); // reference timestamp
      ntpTime(b, 24, this.sentAt); // origin = client's transmit
      ntpTime(b, 32, this.t - 25); // receive
      ntpTime(b, 40, this.t); // transmit
    }
    f.setPayload(b, 0, 48);
    s.emit();
    if (q) {
      this.reply = true;
      this.t += s.rng.range(150, 900);
      return true;
    }
    this.reply = false;
    this.t += Math.round(s.rng.jitter(this.poll));
    return this.t < this.end;
  }
}

function ntpTime(b: Buffer, off: number, t: number): void {
  const us = EPOCH_MICROS + t;
  const sec = Math.floor(us / 1e6);
  b.writeUInt32BE(sec + NTP_UNIX_OFFSET, off);
  b.writeUInt32BE(Math.floor((us - sec * 1e6) * 4294.967296), off + 4);
}

export interface PingOptions {
  start: number;
  end: number;
  src: number;
  dst: number;
  /** Interval between echo requests (µs, default 1 s). */
  interval?: number;
  /** Round trip (µs, default 400). */
  rtt?: number;
}

/** `ping`: one echo request per interval and its reply (Linux 56-byte payload with a timeval). */
export function ping(s: Synth, o: PingOptions): void {
  s.add(new Pinger(s, o), o.start);
}

class Pinger extends Flow {
  private reply = false;
  private seq = 1;
  private readonly id: number;
  private ipIdA: number;
  private ipIdB: number;
  private sentAt = 0;

  constructor(
    s: Synth,
    private readonly o: PingOptions,
  ) {
    super('ping');
    this.id = s.rng.int(65536);
    this.ipIdA = s.rng.int(65536);
    this.ipIdB = s.rng.int(65536);
  }

  step(s: Synth): boolean {
    const q = !this.reply;
    if (q) this.sentAt = this.t;
    const o = this.o;
    const ipId = q ? this.ipIdA++ : this.ipIdB++;
    icmpEcho(s, q ? o.src : o.dst, q ? o.dst : o.src, q, this.id, this.seq, 64, ipId, 56, this.sentAt);
    s.emit();
    if (q) {
      this.reply = true;
      this.t += Math.round(s.rng.jitter(this.o.rtt ?? 400));
      return true;
    }
    this.reply = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.t = this.sentAt + (this.o.interval ?? SEC) + s.rng.range(0, 300);
    return this.t < this.o.end;
  }
}

/** Fills the frame spec with an ICMP echo; payload as Linux ping: a timeval of `at`, then bytes 16, 17, ... */
function icmpEcho(
  s: Synth,
  src: number,
  dst: number,
  request: boolean,
  id: number,
  seq: number,
  ttl: number,
  ipId: number,
  dataLen: number,
  at: number,
): void {
  const f = s.f;
  f.vlan = s.vlanOf(request ? src : dst);
  f.v6 = false;
  f.proto = PROTO_ICMP;
  f.src4 = src;
  f.dst4 = dst;
  f.ttl = ttl;
  f.df = true;
  f.ipId = ipId & 0xffff;
  f.icmpType = request ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY;
  f.icmpId = id;
  f.icmpSeq = seq & 0xffff;
  if (dataLen === 0) {
    f.noPayload();
    return;
  }
  const b = s.scratch;
  for (let i = 0; i < dataLen; i++) b[i] = i & 255;
  if (dataLen >= 16) {
    const us = EPOCH_MICROS + at;
    const sec = Math.floor(us / 1e6);
    b.writeUInt32LE(sec, 0);
    b.writeUInt32LE(0, 4);
    b.writeUInt32LE(us - sec * 1e6, 8);
    b.writeUInt32LE(0, 12);
  }
  f.setPayload(b, 0, dataLen);
}

// --------------------------------------------------------------------------------------- attacks

/** Ports scanners try first (nmap's most common), before random others. */
export const COMMON_PORTS = [
  80, 23, 443, 21, 22, 25, 3389, 110, 445, 139, 143, 53, 135, 3306, 8080, 1723, 111, 995, 993, 5900, 1025, 587, 8888,
  199, 1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026, 2000, 8443, 8000, 32768, 554, 26, 1433, 49152,
  2001, 515, 8008, 49154, 1027, 5666, 646, 5000, 5631, 631, 49153, 8081, 2049, 88, 79, 5800, 106, 2121, 1110, 49155,
  6000, 513, 990, 5357, 427, 49156, 543, 544, 5101, 144, 7, 389,
] as const;

/** `count` distinct ports: the common ones first, then random others, in a shuffled order. */
export function scanPorts(r: Prng, count: number): Uint16Array {
  if (count < 1 || count > 65535) throw new Error(`port count out of range: ${count}`);
  const out = new Uint16Array(count);
  const used = new Uint8Array(65536);
  let n = 0;
  for (const p of COMMON_PORTS) {
    if (n === count) break;
    out[n++] = p;
    used[p] = 1;
  }
  while (n < count) {
    const p = n < 1024 ? r.range(1, 1024) : r.range(1, 65535);
    if (used[p]) continue;
    used[p] = 1;
    out[n++] = p;
  }
  return r.shuffle(out);
}

export interface ScanOptions {
  src: number;
  dst: number;
  /** Number of distinct ports to probe. */
  ports: number;
  start: number;
  /** Probes per second. */
  rate: number;
  /** Open ports on the target (answer SYN/ACK, or nothing to stealth probes). */
  open: readonly number[];
  /** TTL of the scanner's packets at the capture point (default 50). */
  ttl?: number;
}

/**
 * SYN scan (as nmap -sS): one source port, a SYN (window 1024, MSS 1460) to each port; closed ports
 * answer RST/ACK; open ports answer SYN/ACK and the scanner resets them.
 */
export function synScan(s: Synth, o: ScanOptions): void {
  const r = s.rng;
  s.add(new ScanFlow('synScan', r, o, [SYN]), o.start);
}

export type StealthKind = 'null' | 'fin' | 'xmas';
const STEALTH_FLAGS: Record<StealthKind, number> = { null: 0, fin: FIN, xmas: FIN | PSH | URG };

/** NULL, FIN and XMAS probes (as nmap -sN, -sF, -sX, one after the other); closed ports answer RST/ACK. */
export function stealthScan(s: Synth, o: ScanOptions & { kinds?: readonly StealthKind[] }): void {
  const kinds = o.kinds ?? ['null', 'fin', 'xmas'];
  s.add(new ScanFlow('stealthScan', s.rng, o, kinds.map((k) => STEALTH_FLAGS[k])), o.start);
}

class ScanFlow extends Flow {
  private readonly ports: Uint16Array;
  private readonly open: Uint8Array = new Uint8Array(65536);
  private readonly gap: number;
  private sport: number;
  private kind = 0;
  private i = 0;
  /** 0: probe; 1: target's answer; 2: scanner's RST after a SYN/ACK. */
  private phase = 0;
  private probeAt = 0;
  private seq = 0;

  constructor(
    label: string,
    r: Prng,
    private readonly o: ScanOptions,
    private readonly kinds: readonly number[],
  ) {
    super(label);
    this.ports = scanPorts(r, o.ports);
    for (const p of o.open) this.open[p] = 1;
    this.gap = gapFor(o.rate);
    this.sport = r.range(33000, 65000);
  }

  step(s: Synth): boolean {
    const f = s.f;
    const r = s.rng;
    const o = this.o;
    const port = this.ports[this.i];
    const flags = this.kinds[this.kind];
    const isSyn = flags === SYN;
    const open = this.open[port] === 1;
    f.vlan = -1;
    f.noPayload();
    f.df = false;
    if (this.phase === 0) {
      this.probeAt = this.t;
      this.seq = r.u32();
      f.tcp4(o.src, o.dst, this.sport, port, flags, this.seq, 0, 1024);
      if (isSyn) f.mss = 1460;
      f.ttl = o.ttl ?? 50;
      f.ipId = r.int(65536);
      s.emit();
      if (isSyn || !open) {
        this.phase = 1;
        this.t += r.range(80, Math.max(81, Math.min(2000, Math.floor(this.gap / 4))));
        return true;
      }
      return this.advance(r);
    }
    if (this.phase === 1) {
      f.ttl = 64;
      f.df = true;
      if (isSyn && open) {
        f.tcp4(o.dst, o.src, port, this.sport, SYN | ACK, r.u32(), this.seq + 1, 64240);
        f.mss = 1460;
        f.ipId = 0;
        s.emit();
        this.phase = 2;
        this.t += r.range(20, 200);
        return true;
      }
      // RST/ACK: acknowledges the probe (a SYN or FIN occupies one sequence number).
      f.tcp4(o.dst, o.src, port, this.sport, RST | ACK, 0, this.seq + (flags & (SYN | FIN) ? 1 : 0), 0);
      f.ipId = 0;
      s.emit();
      return this.advance(r);
    }
    f.tcp4(o.src, o.dst, this.sport, port, RST, this.seq + 1, 0, 0);
    f.ttl = o.ttl ?? 50;
    f.ipId = r.int(65536);
    s.emit();
    return this.advance(r);
  }

  private advance(r: Prng): boolean {
    this.phase = 0;
    this.i++;
    let next = this.probeAt + Math.round(r.jitter(this.gap));
    if (this.i === this.ports.length) {
      this.i = 0;
      this.kind++;
      if (this.kind === this.kinds.length) return false;
      next += SEC; // the next scan type starts a second later, from a new source port (a new nmap run)
      this.sport = this.sport >= 64000 ? 33000 + (this.sport % 1000) : this.sport + r.range(1, 1000);
    }
    this.t = Math.max(this.t + 1, next);
    return true;
  }
}

export interface FloodOptions {
  src: number;
  dst: number;
  /** Destination port (TCP/UDP floods). */
  dport?: number;
  /** Packets to send. */
  count: number;
  start: number;
  /** Packets per second. */
  rate: number;
  /** Bytes of payload per packet (ICMP and UDP floods; default 0 ICMP, 32 UDP). */
  payloadLen?: number;
  ttl?: number;
}

/** SYN flood (as hping3 -S --flood): one source, SYNs to one port, incrementing source ports, never completing. */
export function synFlood(s: Synth, o: FloodOptions): void {
  s.add(new FloodFlow('synFlood', s.rng, o, 0), o.start);
}

/** ICMP flood: echo requests from one source at `rate` (no replies: the victim is saturated). */
export function icmpFlood(s: Synth, o: FloodOptions): void {
  s.add(new FloodFlow('icmpFlood', s.rng, o, 1), o.start);
}

/** UDP flood (as hping3 --udp --flood -d N): one source, datagrams of 'X' bytes to one port. */
export function udpFlood(s: Synth, o: FloodOptions): void {
  s.add(new FloodFlow('udpFlood', s.rng, o, 2), o.start);
}

class FloodFlow extends Flow {
  private n = 0;
  private readonly gap: number;
  private sport: number;
  private readonly id: number;
  private ipId: number;

  constructor(
    label: string,
    r: Prng,
    private readonly o: FloodOptions,
    private readonly kind: 0 | 1 | 2,
  ) {
    super(label);
    this.gap = gapFor(o.rate);
    this.sport = r.range(1024, 60000);
    this.id = r.int(65536);
    this.ipId = r.int(65536);
  }

  step(s: Synth): boolean {
    const f = s.f;
    const o = this.o;
    const r = s.rng;
    f.vlan = -1;
    if (this.kind === 0) {
      f.tcp4(o.src, o.dst, this.sport, o.dport ?? 80, SYN, r.u32(), 0, 512);
      f.noPayload();
      this.sport = this.sport === 65535 ? 1024 : this.sport + 1;
    } else if (this.kind === 1) {
      icmpEcho(s, o.src, o.dst, true, this.id, this.n + 1, 64, this.ipId, o.payloadLen ?? 0, this.t);
    } else {
      f.v6 = false;
      f.proto = PROTO_UDP;
      f.src4 = o.src;
      f.dst4 = o.dst;
      f.sport = this.sport;
      f.dport = o.dport ?? 9999;
      f.setPayload(s.payloads.filler, 0, o.payloadLen ?? 32);
    }
    f.vlan = -1;
    f.ttl = o.ttl ?? 52;
    f.df = false;
    f.ipId = this.ipId++ & 0xffff;
    s.emit();
    this.n++;
    this.t += Math.max(1, Math.round(r.jitter(this.gap)));
    return this.n < o.count;
  }
}

export interface SpoofedFloodOptions {
  dst: number;
  dport: number;
  /** SYNs to send; SYN i comes from source i mod `sources`. */
  count: number;
  /** Distinct spoofed source addresses (random public addresses, outside every range in net.ts). */
  sources: number;
  start: number;
  rate: number;
}

/** The `sources` distinct spoofed addresses a flood seeded with `r` uses, in order. */
export function spoofedSources(r: Prng, sources: number): Uint32Array {
  const perm = new Permutation32(r);
  const out = new Uint32Array(sources);
  let j = 0;
  for (let i = 0; i < sources; j++) {
    const a = perm.at(j);
    if (!isReservedOrLab(a)) out[i++] = a;
  }
  return out;
}

/** Spoofed SYN flood: each SYN from a different random source (K distinct), all to one port. */
export function spoofedSynFlood(s: Synth, o: SpoofedFloodOptions): void {
  if (o.sources < 1) throw new Error('spoofedSynFlood: sources must be at least 1');
  s.add(new SpoofedFlow(s.rng, o), o.start);
}

class SpoofedFlow extends Flow {
  private n = 0;
  private readonly src: Uint32Array;
  private readonly gap: number;

  constructor(
    r: Prng,
    private readonly o: SpoofedFloodOptions,
  ) {
    super('spoofedSynFlood');
    this.src = spoofedSources(r.fork(), o.sources);
    this.gap = gapFor(o.rate);
  }

  step(s: Synth): boolean {
    const f = s.f;
    const r = s.rng;
    const o = this.o;
    const a = this.src[this.n % this.src.length];
    f.vlan = -1;
    f.tcp4(a, o.dst, r.range(1024, 65535), o.dport, SYN, r.u32(), 0, r.pick(WINDOWS));
    f.noPayload();
    f.ttl = 40 + (a % 200);
    f.df = false;
    f.ipId = r.int(65536);
    s.emit();
    this.n++;
    this.t += Math.max(1, Math.round(r.jitter(this.gap)));
    return this.n < o.count;
  }
}

const WINDOWS = [512, 1024, 5840, 8192, 14600, 29200, 64240, 65535];

export interface WebAttackOptions {
  src: number;
  /** Target web server (dotted IPv4 text). */
  server: string;
  /** Requests to send, cycling through the attack's list; each in its own TCP session. */
  count: number;
  start: number;
  /** Mean gap between requests (µs). */
  gap: number;
  ttl?: number;
}

/** Attack requests over HTTP port 80, each in a complete TCP session (handshake → GET → response → FIN). */
export function webAttack(s: Synth, attack: WebAttack, o: WebAttackOptions): void {
  const reqs = s.payloads.attackRequests(attack, o.server);
  const srv = ip4(o.server);
  let sent = 0;
  const spawn = (syn: Synth, at: number): void => {
    const r = syn.rng;
    syn.add(
      new WebSession(attack, syn, {
        cli4: o.src,
        srv4: srv,
        sport: ephemeralPort(r),
        dport: 80,
        tls: false,
        requests: reqs,
        first: sent++,
        count: 1,
        randomRequests: false,
        rtt: r.range(20, 60) * MS,
        ttlClient: o.ttl ?? 51,
        ttlServer: 64,
        vlan: -1,
        think: 0,
      }),
      at,
    );
  };
  if (o.count > 0) s.add(new Spawner(attack, Infinity, () => s.rng.jitter(o.gap), spawn, o.count), o.start);
}

export const sqli = (s: Synth, o: WebAttackOptions): void => webAttack(s, 'sqli', o);
export const pathTraversal = (s: Synth, o: WebAttackOptions): void => webAttack(s, 'pathTraversal', o);
export const cmdInjection = (s: Synth, o: WebAttackOptions): void => webAttack(s, 'cmdInjection', o);
export const xss = (s: Synth, o: WebAttackOptions): void => webAttack(s, 'xss', o);
