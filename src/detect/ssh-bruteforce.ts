// ssh-bruteforce: failed SSH authentications per source within time_window_sec of log time.
//
// What counts (docs/logs.md explains why). Each failed authentication attempt counts once, and a
// connection that ends before authentication without any counted attempt counts once:
//   - an attempt ("guess"): Failed password, Failed keyboard-interactive (and other methods),
//     Failed publickey for an invalid user;
//   - a marker of a failed connection: Invalid user, User not allowed, Failed none, the
//     [preauth] disconnect/reset lines, maximum authentication attempts exceeded, Too many
//     authentication failures. It counts only when nothing was counted on its connection yet;
//     the first guess after it is then already paid for (so "Invalid user" + "Failed password
//     for invalid user" + "Connection closed ... [preauth]" of one attempt count once);
//   - never counted: the pam_unix / "error: PAM:" lines (they duplicate the Failed line of the same
//     attempt), Failed publickey for a valid user (clients offer every key they hold; key spraying
//     shows as "maximum authentication attempts exceeded"), disconnects after authentication.
// A connection is the (address, client port) pair of the line, remembered for one window in a small
// per-source table of CONNS recent connections (so one source lookup serves both): an attacker
// interleaving more parallel connections than that may have a connection's close counted once more.
//
// Per-source state: the last fail_threshold failure times in a ring (exact sliding window), the
// end of the quiet period (one alert per episode, detect.cooldown), and a few (reason, user)
// pairs for the alert's reason. Sources live in a bounded slot table (approximate
// LRU, evictions counted). Time is the lines' own time only.

import type { AddrToken } from '../decode/log/addr-token.js';
import {
  R_ACCEPTED,
  R_FAILED_NONE,
  R_FAILED_OTHER,
  R_FAILED_PASSWORD,
  R_FAILED_PUBLICKEY,
  R_INVALID_USER,
  R_NOT_ALLOWED,
  R_PREAUTH_DISCONNECT,
  R_PREAUTH_RESET,
  R_TOO_MANY,
  SSH_REASONS,
  NOTE_NONE,
  type SshLine,
} from '../decode/log/sshd.js';
import { PalisadeError } from '../errors.js';
import type { Detection, DetectionSink } from './detection.js';
import { KeyedSlots, ipv6Fingerprint } from './keyed-slots.js';
import type { SshBruteforceSettings } from './settings.js';

export const SSH_RULE_ID = 'ssh-bruteforce';

/** The ring holds fail_threshold times per source: this bounds its memory. */
export const MAX_FAIL_THRESHOLD = 64;
/** (reason, user) pairs kept per source for the alert's reason. */
const PAIRS = 4;

// What one line did (for `palisade explain`).
/** Not an authentication failure (success, or no address), or the rule is disabled. */
export const SSH_IGNORED = 0;
/** A failure of a kind that is never counted (PAM line, publickey for a valid user, post-auth). */
export const SSH_NOT_COUNTED = 1;
/** A failure already counted on the same connection. */
export const SSH_SAME_CONNECTION = 2;
/** Counted. */
export const SSH_COUNTED = 3;
/** Counted, and it reached the threshold: an alert was emitted. */
export const SSH_ALERTED = 4;

const GUESS = 1;
const MARKER = 2;
const NEVER = 3;

const CONN_COUNTED = 1;
const CONN_CREDIT = 2;
/** Recent connections remembered per source. */
const CONNS = 8;

/** How a failure line counts: GUESS, MARKER or NEVER. */
function classify(line: SshLine): number {
  if (line.note !== NOTE_NONE) return NEVER;
  switch (line.reason) {
    case R_FAILED_PASSWORD:
    case R_FAILED_OTHER:
      return GUESS;
    case R_FAILED_PUBLICKEY:
      return line.invalidUser ? GUESS : NEVER;
    case R_INVALID_USER:
    case R_NOT_ALLOWED:
    case R_FAILED_NONE:
    case R_PREAUTH_DISCONNECT:
    case R_PREAUTH_RESET:
    case R_TOO_MANY:
      return MARKER;
  }
  return NEVER;
}

export interface SshCounters {
  ssh_sources_tracked: number;
  ssh_source_evictions: number;
  /** Connections forgotten while still within the window (a source with more than 8 at once). */
  ssh_connection_evictions: number;
  ssh_failures_counted: number;
}

export class SshBruteforceDetector {
  private readonly sources: KeyedSlots;
  private readonly k: number;
  private readonly window: number;
  /** Ring of the last k failure times per source slot. */
  private readonly ring: Float64Array;
  private readonly ringLen: Int32Array;
  private readonly ringHead: Int32Array;
  private readonly quietUntil: Float64Array;
  private readonly pairReason: Int8Array;
  private readonly pairInvalid: Uint8Array;
  private readonly pairUser: (string | null)[];
  private readonly pairCount: Int8Array;
  private readonly connPort: Int32Array;
  private readonly connFlags: Uint8Array;
  private readonly connTs: Float64Array;
  private readonly key = new Int32Array(2);
  failuresCounted = 0;
  /** Connections evicted while still within the window (a later line of theirs may count again). */
  connectionEvictions = 0;

  constructor(
    private readonly s: SshBruteforceSettings,
    private readonly cooldown: number,
    maxSources: number,
  ) {
    if (s.fail_threshold > MAX_FAIL_THRESHOLD) {
      throw new PalisadeError(
        'PALISADE_ERR_CONFIG',
        `detect.ssh_bruteforce.fail_threshold: ${s.fail_threshold} is above the supported maximum ${MAX_FAIL_THRESHOLD} (the exact window keeps that many times per source)`,
      );
    }
    const n = maxSources;
    this.k = s.fail_threshold;
    this.window = s.time_window_sec;
    this.sources = new KeyedSlots(n);
    this.ring = new Float64Array(n * this.k);
    this.ringLen = new Int32Array(n);
    this.ringHead = new Int32Array(n);
    this.quietUntil = new Float64Array(n);
    this.pairReason = new Int8Array(n * PAIRS);
    this.pairInvalid = new Uint8Array(n * PAIRS);
    this.pairUser = new Array<string | null>(n * PAIRS).fill(null);
    this.pairCount = new Int8Array(n);
    this.connPort = new Int32Array(n * CONNS);
    this.connFlags = new Uint8Array(n * CONNS);
    this.connTs = new Float64Array(n * CONNS);
  }

  counters(): SshCounters {
    return {
      ssh_sources_tracked: this.sources.size,
      ssh_source_evictions: this.sources.evictions,
      ssh_connection_evictions: this.connectionEvictions,
      ssh_failures_counted: this.failuresCounted,
    };
  }

  /**
   * One parsed sshd line at event time `ts` (line number `lineNo` of its input): counts it if it
   * counts, and emits one detection when its source reaches the threshold. Returns SSH_*.
   */
  onLine(line: SshLine, ts: number, lineNo: number, emit: DetectionSink): number {
    if (!this.s.enabled || !line.named || !line.isFailure) return SSH_IGNORED;
    const cls = classify(line);
    if (cls === NEVER) return SSH_NOT_COUNTED;
    sourceKey(line.addr, this.key);
    const src = this.sources.acquire(this.key[0], this.key[1], ts);
    if (this.sources.fresh) {
      this.ringLen[src] = 0;
      this.ringHead[src] = 0;
      this.quietUntil[src] = -Infinity;
      this.pairCount[src] = 0;
      this.connTs.fill(-Infinity, src * CONNS, src * CONNS + CONNS);
    }
    if (line.port >= 0 && !this.connection(src, cls, line.port, ts)) return SSH_SAME_CONNECTION;

    this.failuresCounted++;
    const k = this.k;
    const base = src * k;
    const since = ts - this.window;
    // A source whose failures all left the window starts a new tally of reasons.
    if (this.inWindow(src, since) === 0) this.pairCount[src] = 0;
    const h = this.ringHead[src];
    this.ring[base + h] = ts;
    this.ringHead[src] = h + 1 === k ? 0 : h + 1;
    if (this.ringLen[src] < k) this.ringLen[src]++;
    this.notePair(src, line);
    if (this.ringLen[src] < k || this.inWindow(src, since) < k) return SSH_COUNTED;
    const fresh = ts >= this.quietUntil[src];
    this.quietUntil[src] = ts + this.cooldown;
    if (!fresh) return SSH_COUNTED;
    emit(this.detection(src, line, ts, lineNo));
    return SSH_ALERTED;
  }

  /** Connection bookkeeping in the source's table: false when this line's connection was already counted. */
  private connection(src: number, cls: number, port: number, ts: number): boolean {
    const base = src * CONNS;
    const since = ts - this.window;
    let c = -1;
    let oldest = base;
    for (let i = base; i < base + CONNS; i++) {
      if (this.connPort[i] === port && this.connTs[i] >= since) {
        c = i;
        break;
      }
      if (this.connTs[i] < this.connTs[oldest]) oldest = i;
    }
    let flags = 0;
    if (c < 0) {
      c = oldest;
      if (this.connTs[c] >= since) this.connectionEvictions++;
      this.connPort[c] = port;
    } else flags = this.connFlags[c];
    this.connTs[c] = ts;
    let count = true;
    if (cls === MARKER) {
      if ((flags & CONN_COUNTED) !== 0) count = false;
      else flags = CONN_COUNTED | CONN_CREDIT;
    } else if ((flags & CONN_CREDIT) !== 0) {
      // The marker before it (Invalid user, Failed none) already stood for this attempt.
      flags = CONN_COUNTED;
      count = false;
    } else flags |= CONN_COUNTED;
    this.connFlags[c] = flags;
    return count;
  }

  private inWindow(src: number, since: number): number {
    const base = src * this.k;
    const n = this.ringLen[src];
    let c = 0;
    for (let i = 0; i < n; i++) if (this.ring[base + i] >= since) c++;
    return c;
  }

  private notePair(src: number, line: SshLine): void {
    const n = this.pairCount[src];
    if (n >= PAIRS) return;
    const at = src * PAIRS;
    const inv = line.invalidUser ? 1 : 0;
    const len = line.userEnd - line.userStart;
    for (let i = 0; i < n; i++) {
      if (this.pairReason[at + i] !== line.reason || this.pairInvalid[at + i] !== inv) continue;
      const u = this.pairUser[at + i];
      if (u === null ? line.userStart < 0 : line.userStart >= 0 && u.length === len && line.text.startsWith(u, line.userStart)) return;
    }
    this.pairReason[at + n] = line.reason;
    this.pairInvalid[at + n] = inv;
    this.pairUser[at + n] = detach(line.user());
    this.pairCount[src] = n + 1;
  }

  private detection(src: number, line: SshLine, ts: number, lineNo: number): Detection {
    const at = src * PAIRS;
    const phrases: string[] = [];
    const users: string[] = [];
    const reasons: string[] = [];
    for (let i = 0; i < this.pairCount[src]; i++) {
      const r = this.pairReason[at + i];
      const u = this.pairUser[at + i];
      phrases.push(phrase(r, this.pairInvalid[at + i] === 1, u));
      if (u !== null && !users.includes(u)) users.push(u);
      const name = SSH_REASONS[r]!;
      if (!reasons.includes(name)) reasons.push(name);
    }
    const ip = line.addr.text();
    const s = this.s;
    return {
      ruleId: SSH_RULE_ID,
      severity: s.severity,
      action: s.mode === 'block' ? 'would-block' : 'alert',
      scope: 'source',
      ts,
      src: ip,
      dst: null,
      sport: line.port >= 0 ? line.port : null,
      dport: null,
      proto: 'tcp',
      reason: `${this.k} failed SSH logins within ${this.window} s from ${ip}${phrases.length > 0 ? ` (${phrases.join(', ')})` : ''}`,
      evidence: { failures: this.k, window: this.window, threshold: this.k, users, reasons },
      packet: lineNo,
    };
  }
}

/**
 * A copy of a user name that does not keep its log chunk alive: V8 cuts substrings of 13 or more
 * characters as views of the parent string, and a kept view would pin a megabyte chunk per source.
 */
function detach(s: string | null): string | null {
  return s === null || s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** The slot key of an address: IPv4 (address, 0); IPv6 a 64-bit fingerprint with an odd second half. */
function sourceKey(a: AddrToken, out: Int32Array): void {
  if (a.version === 4) {
    out[0] = a.v4 | 0;
    out[1] = 0;
  } else ipv6Fingerprint(a.bytes, 0, out);
}

/** "failed password for root", "invalid user admin", ... (user names quoted when they hold spaces). */
function phrase(reason: number, invalid: boolean, user: string | null): string {
  const u = user === null ? '' : /[\s,()]/.test(user) || user === '' ? JSON.stringify(user) : user;
  const who = user === null ? '' : `${invalid ? 'invalid user ' : ''}${u}`;
  switch (reason) {
    case R_FAILED_PASSWORD:
      return `failed password for ${who}`;
    case R_FAILED_PUBLICKEY:
      return `failed publickey for ${who}`;
    case R_FAILED_OTHER:
      return `failed authentication for ${who}`;
    case R_FAILED_NONE:
    case R_INVALID_USER:
      return `invalid user ${u}`;
    case R_NOT_ALLOWED:
      return `user ${u} not allowed`;
    case R_PREAUTH_DISCONNECT:
      return user === null ? 'disconnected before authentication' : `disconnected before authentication as ${who}`;
    case R_PREAUTH_RESET:
      return user === null ? 'connection reset before authentication' : `connection reset before authentication as ${who}`;
    case R_TOO_MANY:
      return `too many authentication failures for ${who}`;
    case R_ACCEPTED:
      return `accepted ${who}`;
  }
  return SSH_REASONS[reason] ?? 'failure';
}
