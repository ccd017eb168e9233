// OpenSSH's log messages about authentication, read into an SshLine (reused: no per-line objects).
//
// Every address is taken from the position sshd itself writes it at, never found by searching the
// message: a user name is whatever the client sent (up to 100 characters, spaces included), so
// "Invalid user x from 10.0.0.1 port 22 ssh2 from 203.0.113.5 port 4444" must name 203.0.113.5.
// The message formats (OpenSSH auth.c, auth2.c, auth-pam.c, packet.c, sshd.c; Debian 12's 9.2p1):
//
//   Failed|Accepted METHOD for [invalid user ]USER from IP port N ssh2[: KEYINFO]
//   Invalid user USER from IP port N                     (older: without " port N")
//   User USER from HOST not allowed because ...          (AllowUsers/DenyUsers/...; USER is a real account)
//   Connection closed by [invalid user U |authenticating user U |user U ]IP port N[ [preauth]]
//   Connection reset by  (same)
//   Disconnected from    (same)
//   Disconnecting invalid|authenticating user U IP port N: Too many authentication failures [preauth]
//   Received disconnect from IP port N:CODE: TEXT[ [preauth]]        (TEXT is the client's)
//   error: maximum authentication attempts exceeded for [invalid user ]U from IP port N ssh2 [preauth]
//   pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=HOST[  user=U]
//   error: PAM: Authentication failure for [illegal user ]U from HOST
//
// Anchoring: for the forms ending in "IP port N[ ssh2][ [preauth]]" the fixed tail is read backwards
// from the end, so the address is the token sshd wrote last. "Received disconnect" is read forwards:
// the address follows the fixed prefix and the client's text comes after it. "Failed/Accepted
// publickey ... ssh2: KEYINFO" has text after the address (a certificate's key ID is the client's):
// every " from IP port N ssh2: " in the line is a candidate, and when candidates name different
// addresses the line is ambiguous and names nobody (note AMBIGUOUS).

import { AddrToken } from './addr-token.js';
import { indexIn } from './span.js';
import type { SshEvent, SshReason } from './log-event.js';

// Reason codes (index into SSH_REASONS).
export const R_NONE = 0;
export const R_FAILED_PASSWORD = 1;
export const R_FAILED_PUBLICKEY = 2;
export const R_FAILED_NONE = 3;
export const R_FAILED_OTHER = 4;
export const R_INVALID_USER = 5;
export const R_NOT_ALLOWED = 6;
export const R_PREAUTH_DISCONNECT = 7;
export const R_PREAUTH_RESET = 8;
export const R_TOO_MANY = 9;
export const R_PAM = 10;
export const R_ACCEPTED = 11;

export const SSH_REASONS: readonly (SshReason | null)[] = [
  null,
  'failed_password',
  'failed_publickey',
  'failed_none',
  'failed_other',
  'invalid_user',
  'not_allowed',
  'preauth_disconnect',
  'preauth_reset',
  'too_many_failures',
  'pam_failure',
  'accepted',
];

// Why a recognised line names nobody (for `palisade explain`).
export const NOTE_NONE = 0;
/** The address is not at a fixed position and the candidates disagree: possible log injection. */
export const NOTE_AMBIGUOUS = 1;
/** The address field holds no IP address (a host name with UseDNS, or garbage). */
export const NOTE_BAD_ADDRESS = 2;
/** A disconnect not marked [preauth]: after authentication (a normal logout), or before key exchange. */
export const NOTE_POSTAUTH = 3;

export const NOTE_TEXT: readonly string[] = [
  '',
  'ambiguous: the line holds more than one "from ADDRESS port N ssh2:" naming different addresses (log injection?); nobody is named',
  'the address field is not an IP address',
  'a disconnect not marked [preauth]: after authentication (a normal logout) or before the SSH handshake',
];

const PORT_SP = ' port ';
const FROM_SP = ' from ';
const PREAUTH = ' [preauth]';
const SSH2 = ' ssh2';
const SSH2_EXTRA = ' ssh2: ';
const TOO_MANY = ': Too many authentication failures [preauth]';

/** sshd's program names: the classic daemon, and the per-session binaries of OpenSSH 9.8+ / 10. */
export const SSHD_PROGRAMS: readonly string[] = ['sshd', 'sshd-session', 'sshd-auth'];

/** True when s[a..b) is one of SSHD_PROGRAMS. */
export function isSshdProgram(s: string, a: number, b: number): boolean {
  const n = b - a;
  if (n !== 4 && n !== 12 && n !== 9) return false;
  if (!at(s, a, 'sshd')) return false;
  if (n === 4) return true;
  return n === 12 ? at(s, a + 4, '-session') : at(s, a + 4, '-auth');
}

export class SshLine {
  /** R_* code; R_NONE when the message is not one of the forms above. */
  reason = R_NONE;
  /** NOTE_*: why a recognised message names no address. */
  note = NOTE_NONE;
  invalidUser = false;
  /** Client port, or -1 when the message has none. */
  port = -1;
  readonly addr = new AddrToken();
  private readonly alt = new AddrToken();
  /** The string the offsets below point into. */
  text = '';
  userStart = -1;
  userEnd = -1;
  // The address token of the last tailIpPort() / candidate.
  private ipA = 0;
  private ipB = 0;

  get isFailure(): boolean {
    return this.reason !== R_NONE && this.reason !== R_ACCEPTED;
  }

  /** An address was read (reason set and no note). */
  get named(): boolean {
    return this.reason !== R_NONE && this.addr.version !== 0;
  }

  user(): string | null {
    return this.userStart < 0 ? null : this.text.slice(this.userStart, this.userEnd);
  }

  /** The line as a log event (allocates; for callers outside the hot path). */
  event(ts: number): SshEvent | null {
    if (!this.named) return null;
    return {
      kind: this.reason === R_ACCEPTED ? 'ssh_success' : 'ssh_failure',
      ts,
      ip: this.addr.text(),
      user: this.user(),
      port: this.port < 0 ? null : this.port,
      reason: SSH_REASONS[this.reason]!,
      invalidUser: this.invalidUser,
    };
  }

  /** Parses the message s[ms..me) of an sshd line. Returns true when the reason is set (named or not). */
  parse(s: string, ms: number, me: number): boolean {
    this.reason = R_NONE;
    this.note = NOTE_NONE;
    this.invalidUser = false;
    this.port = -1;
    this.addr.version = 0;
    this.text = s;
    this.userStart = -1;
    this.userEnd = -1;
    if (me - ms < 20) return false;
    let p = ms;
    if (at(s, p, 'error: ')) p += 7;
    switch (s.charCodeAt(p)) {
      case 70: // F
        return at(s, p, 'Failed ') ? this.authResult(s, p + 7, me, false) : false;
      case 65: // A
        return at(s, p, 'Accepted ') ? this.authResult(s, p + 9, me, true) : false;
      case 73: // I
        return at(s, p, 'Invalid user ') ? this.invalid(s, p + 13, me) : false;
      case 67: // C
        if (at(s, p, 'Connection closed by ')) return this.closed(s, p + 21, me, R_PREAUTH_DISCONNECT);
        if (at(s, p, 'Connection reset by ')) return this.closed(s, p + 20, me, R_PREAUTH_RESET);
        return false;
      case 68: // D
        if (at(s, p, 'Disconnected from ')) return this.closed(s, p + 18, me, R_PREAUTH_DISCONNECT);
        if (at(s, p, 'Disconnecting ')) return this.disconnecting(s, p + 14, me);
        return false;
      case 82: // R
        return at(s, p, 'Received disconnect from ') ? this.received(s, p + 25, me) : false;
      case 109: // m
        return at(s, p, 'maximum authentication attempts exceeded for ') ? this.maxAuth(s, p + 45, me) : false;
      case 112: // p
        return at(s, p, 'pam_unix(sshd:auth): authentication failure;') ? this.pamUnix(s, p + 44, me) : false;
      case 80: // P
        return at(s, p, 'PAM: Authentication failure for ') ? this.pamError(s, p + 32, me) : false;
      case 85: // U
        return at(s, p, 'User ') ? this.notAllowed(s, p + 5, me) : false;
    }
    return false;
  }

  // ------------------------------------------------------------------ message forms

  /** After "Failed " / "Accepted ": METHOD for [invalid user ]USER from IP port N ssh2[: KEYINFO]. */
  private authResult(s: string, p: number, me: number, accepted: boolean): boolean {
    const m = p;
    while (p < me && s.charCodeAt(p) !== 32) p++;
    if (p === m || !at(s, p, ' for ')) return false;
    let reason: number;
    const mlen = p - m;
    if (accepted) reason = R_ACCEPTED;
    else if (mlen === 8 && at(s, m, 'password')) reason = R_FAILED_PASSWORD;
    else if (mlen === 9 && at(s, m, 'publickey')) reason = R_FAILED_PUBLICKEY;
    else if (mlen === 4 && at(s, m, 'none')) reason = R_FAILED_NONE;
    else reason = R_FAILED_OTHER;
    let u = p + 5;
    if (at(s, u, 'invalid user ')) {
      this.invalidUser = true;
      u += 13;
    }
    this.reason = reason;
    if (s.endsWith(SSH2, me)) {
      const q = this.tailIpPort(s, u, me - 5);
      if (q < 0 || q - 6 < u || !at(s, q - 6, FROM_SP)) return this.unrecognised();
      return this.take(s, u, q - 6);
    }
    // Key info follows the address: look at every candidate.
    let found = -1;
    let userEnd = -1;
    for (let i = indexIn(s, SSH2_EXTRA, u, me); i >= 0; i = indexIn(s, SSH2_EXTRA, i + 1, me)) {
      const q = this.tailIpPort(s, u, i);
      if (q < 0 || q - 6 < u || !at(s, q - 6, FROM_SP)) continue;
      const tok = found < 0 ? this.addr : this.alt;
      if (!tok.parse(s, this.ipA, this.ipB)) continue;
      if (found < 0) {
        found = this.port;
        userEnd = q - 6;
      } else if (!sameAddress(this.addr, this.alt)) {
        this.addr.version = 0;
        this.note = NOTE_AMBIGUOUS;
        return true;
      }
    }
    if (found < 0) return this.unrecognised();
    this.port = found;
    this.userStart = u;
    this.userEnd = userEnd;
    return true;
  }

  /** After "Invalid user ": USER from IP[ port N]. */
  private invalid(s: string, u: number, me: number): boolean {
    this.reason = R_INVALID_USER;
    this.invalidUser = true;
    let q = this.tailIpPort(s, u, me);
    if (q < 0) {
      // OpenSSH before 7.5: no port.
      q = me;
      while (q > u && s.charCodeAt(q - 1) !== 32) q--;
      this.ipA = q;
      this.ipB = me;
    }
    if (q - 6 < u || !at(s, q - 6, FROM_SP)) return this.unrecognised();
    return this.take(s, u, q - 6);
  }

  /** After "Connection closed by " etc.: [invalid user U |authenticating user U |user U ]IP port N[ [preauth]]. */
  private closed(s: string, p: number, me: number, reason: number): boolean {
    const preauth = s.endsWith(PREAUTH, me);
    const q = this.tailIpPort(s, p, preauth ? me - PREAUTH.length : me);
    if (q < 0) return false;
    let u = -1;
    if (q > p) {
      if (at(s, p, 'invalid user ')) {
        this.invalidUser = true;
        u = p + 13;
      } else if (at(s, p, 'authenticating user ')) u = p + 20;
      else if (at(s, p, 'user ')) u = p + 5;
      else return false;
      if (q - 1 < u || s.charCodeAt(q - 1) !== 32) return false;
    }
    this.reason = reason;
    if (!preauth) {
      this.note = NOTE_POSTAUTH;
      if (u >= 0) {
        this.userStart = u;
        this.userEnd = q - 1;
      }
      this.addr.parse(s, this.ipA, this.ipB);
      return true;
    }
    if (u < 0) return this.takeAddr(s);
    return this.take(s, u, q - 1);
  }

  /** After "Disconnecting ": invalid|authenticating user U IP port N: Too many authentication failures [preauth]. */
  private disconnecting(s: string, p: number, me: number): boolean {
    if (!s.endsWith(TOO_MANY, me)) return false;
    let u: number;
    if (at(s, p, 'invalid user ')) {
      this.invalidUser = true;
      u = p + 13;
    } else if (at(s, p, 'authenticating user ')) u = p + 20;
    else return false;
    const q = this.tailIpPort(s, u, me - TOO_MANY.length);
    if (q < 0 || q - 1 < u || s.charCodeAt(q - 1) !== 32) return false;
    this.reason = R_TOO_MANY;
    return this.take(s, u, q - 1);
  }

  /** After "Received disconnect from ": IP port N:CODE: TEXT[ [preauth]] (read forwards). */
  private received(s: string, p: number, me: number): boolean {
    let sp = p;
    while (sp < me && s.charCodeAt(sp) !== 32) sp++;
    if (sp === p || !at(s, sp, PORT_SP)) return false;
    let i = sp + 6;
    let port = 0;
    const d0 = i;
    while (i < me) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      port = port * 10 + d;
      i++;
    }
    if (i === d0 || i - d0 > 5 || port > 65535 || s.charCodeAt(i) !== 58 /* : */) return false;
    this.reason = R_PREAUTH_DISCONNECT;
    this.port = port;
    this.ipA = p;
    this.ipB = sp;
    if (!s.endsWith(PREAUTH, me)) {
      this.note = NOTE_POSTAUTH;
      this.addr.parse(s, p, sp);
      return true;
    }
    return this.takeAddr(s);
  }

  /** After "maximum authentication attempts exceeded for ": [invalid user ]U from IP port N ssh2[ [preauth]]. */
  private maxAuth(s: string, u: number, me: number): boolean {
    let e = s.endsWith(PREAUTH, me) ? me - PREAUTH.length : me;
    if (!s.endsWith(SSH2, e)) return false;
    e -= 5;
    if (at(s, u, 'invalid user ')) {
      this.invalidUser = true;
      u += 13;
    }
    this.reason = R_TOO_MANY;
    const q = this.tailIpPort(s, u, e);
    if (q < 0 || q - 6 < u || !at(s, q - 6, FROM_SP)) return this.unrecognised();
    return this.take(s, u, q - 6);
  }

  /** After "pam_unix(sshd:auth): authentication failure;": ... rhost=HOST[  user=U]. Fields are sshd's, the user last. */
  private pamUnix(s: string, p: number, me: number): boolean {
    const r = indexIn(s, ' rhost=', p, me);
    if (r < 0) return false;
    const a = r + 7;
    let b = a;
    while (b < me && s.charCodeAt(b) !== 32) b++;
    this.reason = R_PAM;
    const u = indexIn(s, ' user=', b, me);
    if (u >= 0) {
      this.userStart = u + 6;
      this.userEnd = me;
    }
    if (!this.addr.parse(s, a, b)) this.note = NOTE_BAD_ADDRESS;
    return true;
  }

  /** After "PAM: Authentication failure for ": [illegal user ]U from HOST. */
  private pamError(s: string, u: number, me: number): boolean {
    if (at(s, u, 'illegal user ')) {
      this.invalidUser = true;
      u += 13;
    }
    let q = me;
    while (q > u && s.charCodeAt(q - 1) !== 32) q--;
    if (q - 6 < u || !at(s, q - 6, FROM_SP)) return false;
    this.reason = R_PAM;
    this.ipA = q;
    this.ipB = me;
    return this.take(s, u, q - 6);
  }

  /** After "User ": USER from HOST not allowed because ... (USER is an existing account: no spaces). */
  private notAllowed(s: string, u: number, me: number): boolean {
    let p = u;
    while (p < me && s.charCodeAt(p) !== 32) p++;
    if (p === u || !at(s, p, FROM_SP)) return false;
    const a = p + 6;
    let b = a;
    while (b < me && s.charCodeAt(b) !== 32) b++;
    if (!at(s, b, ' not allowed because ')) return false;
    this.reason = R_NOT_ALLOWED;
    this.invalidUser = true;
    this.ipA = a;
    this.ipB = b;
    return this.take(s, u, p);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Reads "IP port N" ending exactly at e (not before a): sets ipA/ipB and port; returns the start
   * of the IP token (the character before it is a space, or a), or -1.
   */
  private tailIpPort(s: string, a: number, e: number): number {
    let p = e;
    let port = 0;
    let mul = 1;
    while (p > a) {
      const d = s.charCodeAt(p - 1) - 48;
      if (d < 0 || d > 9) break;
      port += d * mul;
      mul *= 10;
      p--;
    }
    const digits = e - p;
    if (digits === 0 || digits > 5 || port > 65535) return -1;
    const ipEnd = p - 6;
    if (ipEnd <= a || !at(s, ipEnd, PORT_SP)) return -1;
    let q = ipEnd;
    while (q > a && s.charCodeAt(q - 1) !== 32) q--;
    if (q === ipEnd) return -1;
    this.port = port;
    this.ipA = q;
    this.ipB = ipEnd;
    return q;
  }

  /** The user is s[u..ue); the address is the last token read. */
  private take(s: string, u: number, ue: number): boolean {
    this.userStart = u;
    this.userEnd = ue;
    return this.takeAddr(s);
  }

  private takeAddr(s: string): boolean {
    if (!this.addr.parse(s, this.ipA, this.ipB)) this.note = NOTE_BAD_ADDRESS;
    return true;
  }

  /** A known message whose fixed tail is missing or damaged: it names nobody. */
  private unrecognised(): boolean {
    this.note = NOTE_BAD_ADDRESS;
    this.addr.version = 0;
    this.userStart = -1;
    this.userEnd = -1;
    return true;
  }
}

/** s.startsWith(lit, i), with the first character compared inline: most calls end there. */
function at(s: string, i: number, lit: string): boolean {
  return s.charCodeAt(i) === lit.charCodeAt(0) && s.startsWith(lit, i);
}

function sameAddress(a: AddrToken, b: AddrToken): boolean {
  if (a.version !== b.version) return false;
  if (a.version === 4) return a.v4 === b.v4;
  for (let i = 0; i < 16; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}
