// The synthetic network: one office LAN (10.0.0.0/16) behind a gateway, captured on the LAN side.
// Every address an attack comes from is listed here, so tests can assert which source did what.
//
//   10.0.0.1            gateway (every frame from or to an address outside the LAN carries its MAC)
//   10.0.0.53           DNS resolver            10.0.0.123   NTP server
//   10.0.1.10           the victim: web server (80, 443) with SSH (22) open
//   10.0.1.11-12        other internal web servers
//   10.0.2.0 - 10.0.255.255   normal clients (10.0.200.0/21 sits on VLAN 200 in the mixed profile)
//   198.18.0.0/15       "internet" web servers (RFC 2544 benchmarking range, never an attacker)
//   203.0.113.0/24, 198.51.100.0/24, 192.0.2.0/24   attackers (RFC 5737 documentation ranges)
//   fd00::/64 (LAN, the IPv4 address in the last 32 bits) and 2001:db8::/32 (outside) for IPv6
//
// MAC addresses follow one rule, so frames need no per-host table: a LAN host (10/8, fd00::/8)
// has 02:00 followed by its IPv4 address (for IPv6, the last 32 bits); anything else is behind the
// gateway and carries the gateway's MAC, 02:00:0a:00:00:01.

import { parseAddress } from '../../src/decode/ip-addr.js';

/** Parses dotted IPv4 text to an unsigned 32-bit number; throws on anything else. */
export function ip4(text: string): number {
  const a = parseAddress(text);
  if (!a || a.version !== 4) throw new Error(`not an IPv4 address: ${text}`);
  return a.v4;
}

/** Parses IPv6 text to 16 bytes; throws on anything else. */
export function ip6(text: string): Uint8Array {
  const a = parseAddress(text);
  if (!a || a.version !== 6) throw new Error(`not an IPv6 address: ${text}`);
  return a.bytes;
}

export function ip4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The LAN's IPv6 twin of a LAN IPv4 address: fd00::<the 32 bits>, written into `out`. */
export function lanV6(v4: number, out: Uint8Array = new Uint8Array(16)): Uint8Array {
  out.fill(0);
  out[0] = 0xfd;
  out[12] = v4 >>> 24;
  out[13] = (v4 >>> 16) & 255;
  out[14] = (v4 >>> 8) & 255;
  out[15] = v4 & 255;
  return out;
}

export const GATEWAY = '10.0.0.1';
const GATEWAY_N = 0x0a000001;

/** Infrastructure of the synthetic LAN (and of the lab capture). */
export const LAB_NET = {
  gateway: GATEWAY,
  dns: '10.0.0.53',
  ntp: '10.0.0.123',
  /** The protected web server every attack targets. */
  victim: '10.0.1.10',
  /** Ports open on the victim; a scan sees SYN/ACK there and RST/ACK elsewhere. */
  victimOpenPorts: [22, 80, 443] as readonly number[],
  internalWeb: ['10.0.1.10', '10.0.1.11', '10.0.1.12'] as readonly string[],
  externalWeb: ['198.18.0.80', '198.18.3.17', '198.19.20.5'] as readonly string[],
  externalWeb6: ['2001:db8:80::10', '2001:db8:443::20'] as readonly string[],
  /** The handful of office clients of the lab capture. */
  labClients: ['10.0.2.21', '10.0.2.22', '10.0.2.23', '10.0.2.24', '10.0.2.25'] as readonly string[],
  /** Mixed profile: clients on this /21 are on VLAN 200 (frames carry an 802.1Q tag). */
  vlanNet: '10.0.200.0',
  vlanPrefix: 21,
  vlanId: 200,
} as const;

/**
 * Attacker addresses. The lab capture uses exactly these, one attack each. The mixed profile runs
 * several instances of each attack; instance i uses the i-th address of the block that starts at
 * the lab address (see `actorAddress`), e.g. scanners 203.0.113.10, .11, .12, ...
 * The spoofed floods come from random public addresses outside every range in this file.
 */
export const LAB_ACTORS = {
  /** SYN scan of ~200 ports of the victim. */
  scanner: '203.0.113.10',
  /** NULL, FIN and XMAS probes. */
  stealthScanner: '203.0.113.20',
  /** SYN flood to the victim's port 80, never completing the handshake. */
  synFlooder: '198.51.100.30',
  /** ICMP echo-request flood. */
  icmpFlooder: '198.51.100.40',
  /** UDP flood to one port. */
  udpFlooder: '198.51.100.50',
  /** SQL injection in HTTP GET query strings. */
  sqli: '192.0.2.60',
  /** Path traversal (plain and %2e%2e%2f-encoded). */
  pathTraversal: '192.0.2.70',
  /** Command injection in query strings. */
  cmdInjection: '192.0.2.80',
  /** Cross-site scripting in query strings. */
  xss: '192.0.2.90',
} as const;

export type ActorRole = keyof typeof LAB_ACTORS;

/** Address of instance `i` (0-based, at most 9) of an attacker role: the lab address + i. */
export function actorAddress(role: ActorRole, i: number): number {
  if (i < 0 || i > 9) throw new Error(`actor instance out of range: ${i}`);
  return ip4(LAB_ACTORS[role]) + i;
}

/** Victim UDP port of the UDP flood (no Wireshark dissector claims it: payload shows as data). */
export const UDP_FLOOD_PORT = 9999;

/** True for addresses a spoofed flood must not use: private, reserved, multicast, and this file's ranges. */
export function isReservedOrLab(a: number): boolean {
  const o1 = a >>> 24;
  const o2 = (a >>> 16) & 255;
  const o3 = (a >>> 8) & 255;
  if (o1 === 0 || o1 === 10 || o1 === 127 || o1 >= 224) return true;
  if (o1 === 100 && o2 >= 64 && o2 < 128) return true;
  if (o1 === 169 && o2 === 254) return true;
  if (o1 === 172 && o2 >= 16 && o2 < 32) return true;
  if (o1 === 192 && o2 === 168) return true;
  if (o1 === 192 && o2 === 0 && (o3 === 0 || o3 === 2)) return true;
  if (o1 === 198 && (o2 === 18 || o2 === 19)) return true;
  if (o1 === 198 && o2 === 51 && o3 === 100) return true;
  if (o1 === 203 && o2 === 0 && o3 === 113) return true;
  return false;
}

const GATEWAY_MAC0 = 0x02;

/** Writes the MAC of an IPv4 host (see the rule above) at buf[off..off+6). */
export function writeMac4(buf: Uint8Array, off: number, ip: number): void {
  const lan = ip >>> 24 === 10;
  const a = lan ? ip : GATEWAY_N;
  buf[off] = GATEWAY_MAC0;
  buf[off + 1] = 0;
  buf[off + 2] = a >>> 24;
  buf[off + 3] = (a >>> 16) & 255;
  buf[off + 4] = (a >>> 8) & 255;
  buf[off + 5] = a & 255;
}

/** Writes the MAC of an IPv6 host (its 16 address bytes in `addr`) at buf[off..off+6). */
export function writeMac6(buf: Uint8Array, off: number, addr: Uint8Array): void {
  buf[off] = GATEWAY_MAC0;
  buf[off + 1] = 0;
  if (addr[0] === 0xfd) {
    buf[off + 2] = addr[12];
    buf[off + 3] = addr[13];
    buf[off + 4] = addr[14];
    buf[off + 5] = addr[15];
  } else {
    buf[off + 2] = 10;
    buf[off + 3] = 0;
    buf[off + 4] = 0;
    buf[off + 5] = 1;
  }
}
