// TCP connection events from the sock_trace tracepoint program (bpf/sock_trace.bpf.c): one ring
// buffer record (struct pal_conn_event, bpf/sock_trace.h) becomes one small ConnEvent record with
// canonical address text. IPv4-mapped IPv6 addresses (a dual-stack listener's view of an IPv4 peer)
// become plain IPv4, so one peer has one name whichever socket saw it.

import { formatIPv4, formatIPv6 } from './ip-addr.js';

/** What happened; numbers are enum pal_conn_kind in bpf/sock_trace.h. */
export type ConnKind =
  /** This host's connect() completed (SYN_SENT -> ESTABLISHED). */
  | 'outbound'
  /** A connection to a listener here completed its handshake (SYN_RECV -> ESTABLISHED). */
  | 'accepted'
  /** A handshake this host answered was not completed within about a second (first SYN-ACK retransmission). */
  | 'half-open'
  /** The peer answered this host's SYN-ACK with a RST, or sent a RST to a listening port. */
  | 'half-open-reset'
  /** A socket here received a RST (refused connect, connection reset). */
  | 'reset-received'
  /** This host sent a RST; reason 'no-socket' = a SYN (or stray segment) to a closed port. */
  | 'reset-sent'
  /** This host's connect() failed (SYN_SENT -> CLOSE). */
  | 'failed';

export const CONN_KINDS: readonly (ConnKind | null)[] = [null, 'outbound', 'accepted', 'half-open', 'half-open-reset', 'reset-received', 'reset-sent', 'failed'];

/** TCP states (include/net/tcp_states.h); index = state number, '' = none. */
export const TCP_STATES: readonly string[] = [
  '',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

/** enum sk_rst_reason value for "no socket": the RST answered a segment to a closed port. */
export const RST_REASON_NO_SOCKET = 1;

export interface ConnEvent {
  kind: ConnKind;
  /** Event time, seconds since the epoch (from the kernel's monotonic clock, see KtimeClock). */
  ts: number;
  /** Network namespace inode number (as `stat -L -c %i /proc/PID/ns/net` shows); 0 = unknown. */
  netns: number;
  family: 4 | 6;
  /** This host's address and port. */
  local: string;
  lport: number;
  /** The peer's address and port. */
  remote: string;
  rport: number;
  /** TCP state before / after ('' = not applicable). */
  oldState: string;
  newState: string;
  /** reset-sent: the kernel's RST reason (1 = no socket), else 0. */
  reason: number;
}

/** Byte layout of struct pal_conn_event (bpf/sock_trace.h); a test checks it against the object's BTF. */
export const CONN_EVENT_LAYOUT = {
  size: 56,
  ktime_ns: 0,
  netns: 8,
  family: 12,
  protocol: 14,
  kind: 15,
  oldstate: 16,
  newstate: 17,
  reason: 18,
  lport: 20,
  rport: 22,
  laddr: 24,
  raddr: 40,
} as const;

const AF_INET = 2;
const AF_INET6 = 10;

/** Converts the kernel's CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns) to epoch seconds. */
export class KtimeClock {
  private readonly offset: number;

  constructor() {
    // process.hrtime reads CLOCK_MONOTONIC (libuv), the clock bpf_ktime_get_ns reads.
    this.offset = Date.now() / 1000 - Number(process.hrtime.bigint()) / 1e9;
  }

  toEpoch(ktimeNs: number): number {
    return ktimeNs / 1e9 + this.offset;
  }
}

function isV4Mapped(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 10; i++) if (b[off + i] !== 0) return false;
  return b[off + 10] === 0xff && b[off + 11] === 0xff;
}

function addr(b: Uint8Array, off: number, family: number): { text: string; v4: boolean } {
  if (family === AF_INET) return { text: formatIPv4(((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0), v4: true };
  if (isV4Mapped(b, off)) return addr(b, off + 12, AF_INET);
  return { text: formatIPv6(b, off), v4: false };
}

/**
 * Decodes the record at buf[off..off+len); null when it is not a TCP event of a known kind and
 * family (a newer program's event this build does not know, or a short record).
 */
export function decodeConnEvent(buf: Uint8Array, off: number, len: number, clock: KtimeClock): ConnEvent | null {
  const L = CONN_EVENT_LAYOUT;
  if (len < L.size) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset + off, L.size);
  const kind = CONN_KINDS[buf[off + L.kind]] ?? null;
  const family = dv.getUint16(L.family, true);
  if (kind === null || (family !== AF_INET && family !== AF_INET6) || buf[off + L.protocol] !== 6) return null;
  const ktime = Number(dv.getBigUint64(L.ktime_ns, true));
  const local = addr(buf, off + L.laddr, family);
  const remote = addr(buf, off + L.raddr, family);
  return {
    kind,
    ts: clock.toEpoch(ktime),
    netns: dv.getUint32(L.netns, true),
    family: local.v4 && remote.v4 ? 4 : 6,
    local: local.text,
    lport: dv.getUint16(L.lport, true),
    remote: remote.text,
    rport: dv.getUint16(L.rport, true),
    oldState: TCP_STATES[buf[off + L.oldstate]] ?? String(buf[off + L.oldstate]),
    newState: TCP_STATES[buf[off + L.newstate]] ?? String(buf[off + L.newstate]),
    reason: buf[off + L.reason],
  };
}
