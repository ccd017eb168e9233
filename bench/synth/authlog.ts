// A deterministic /var/log/auth.log (RFC 3164 syslog lines, as rsyslog writes them on Debian and
// Ubuntu) for the auth.log benchmark: OpenSSH 9.x messages in the order sshd really writes them
// (pam_unix lines included), from actors of known intent, plus the noise every auth.log holds
// (CRON, sudo, su, systemd-logind, kernel). The same seed and line count give the same file.
//
// Actors (every address belongs to exactly one, so a tool's verdict on an address can be judged):
//   heavy          brute forcers: sessions of 3-6 password attempts (valid and invalid user names)
//   slow           low-and-slow guessers: 1-2 attempts per session, sessions far apart
//   sprayer        invalid user names, 1-2 attempts per session, rarely back
//   burst-sprayer  3-4 connections in a minute, one invalid-user attempt each
//   scanner        key exchange only (no authentication), one connection at a time, rarely back
//   fast-scanner   5-8 kex-only connections within half a minute
//   injector       brute forcers whose user names carry a fake "from 10.0.0.1 port 22 ssh2"
//   mapped         brute forcers logged as IPv4-mapped IPv6 (::ffff:a.b.c.d), as a dual-stack sshd may
//   legit          users logging in with keys (and now and then mistyping a password)
// About 10% of the attacking addresses are IPv6.

import { mulberry32 } from './prng.js';

export type AuthActor = 'heavy' | 'slow' | 'sprayer' | 'burst-sprayer' | 'scanner' | 'fast-scanner' | 'injector' | 'mapped' | 'legit';

export interface AuthLogResult {
  lines: number;
  /** Actor of every address (as written in the log). */
  actors: Map<string, AuthActor>;
  /** Addresses named inside injected user names (must never be banned). */
  injectedTargets: string[];
  firstTs: number;
  lastTs: number;
}

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const VALID = ['root', 'ubuntu', 'alice', 'bob', 'deploy'];
const INVALID = ['admin', 'test', 'user', 'oracle', 'postgres', 'guest', 'ftpuser', 'pi', 'git', 'support', 'ubnt', 'hadoop', 'mysql', 'steam', 'minecraft', 'ansible', 'jenkins', 'es', 'sysadmin', 'default'];
const HOST = 'web1';
/** Start of the log: 10 Jan 00:00:00 (UTC fields; no DST change in the following days). */
const START = Date.UTC(2026, 0, 10) / 1000;

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function generateAuthLog(total: number, seed: number, write: (chunk: string) => void): AuthLogResult {
  const rnd = mulberry32(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const actors = new Map<string, AuthActor>();
  const used = new Set<string>();

  const publicV4 = (): string => {
    const firsts = [5, 23, 36, 45, 61, 77, 80, 91, 103, 112, 118, 122, 139, 141, 159, 175, 182, 185, 193, 212, 218, 222];
    for (;;) {
      const ip = `${pick(firsts)}.${int(256)}.${int(256)}.${1 + int(254)}`;
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const publicV6 = (): string => {
    for (;;) {
      const ip = `2001:db8:${(1 + int(0xfffe)).toString(16)}:${int(0x10000).toString(16)}::${(1 + int(0xfffe)).toString(16)}`;
      if (!used.has(ip)) {
        used.add(ip);
        return ip;
      }
    }
  };
  const pool = (n: number, actor: AuthActor, v6Share: number): string[] => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const ip = rnd() < v6Share ? publicV6() : publicV4();
      actors.set(ip, actor);
      out.push(ip);
    }
    return out;
  };
  const heavy = pool(220, 'heavy', 0.1);
  const slow = pool(30_000, 'slow', 0.1);
  const sprayers = pool(4_000, 'sprayer', 0.1);
  const burst = pool(150, 'burst-sprayer', 0.1);
  const scanners = pool(6_000, 'scanner', 0.1);
  const fastScanners = pool(60, 'fast-scanner', 0.1);
  const injectors = pool(20, 'injector', 0);
  const mapped: string[] = [];
  for (let i = 0; i < 20; i++) {
    const ip = `::ffff:${publicV4()}`;
    actors.set(ip, 'mapped');
    mapped.push(ip);
  }
  const legit: string[] = [];
  for (let i = 0; i < 40; i++) {
    const ip = i < 30 ? `192.168.1.${10 + i}` : publicV4();
    actors.set(ip, 'legit');
    legit.push(ip);
  }
  const injectedTargets = ['10.0.0.1', '192.168.1.10', '10.0.0.2'];

  let t = START;
  let pid = 20000;
  let session = 1000;
  let lines = 0;
  let buf: string[] = [];
  let stampSec = -1;
  let stampText = '';
  const stamp = (ts: number): string => {
    const s = Math.floor(ts);
    if (s !== stampSec) {
      const d = new Date(s * 1000);
      stampSec = s;
      stampText = `${MON[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${HOST}`;
    }
    return stampText;
  };
  const emit = (prog: string, msg: string): void => {
    if (lines >= total) return;
    buf.push(`${stamp(t)} ${prog}: ${msg}\n`);
    lines++;
    if (buf.length >= 8192) {
      write(buf.join(''));
      buf = [];
    }
  };
  const advance = (s: number): void => {
    t += s;
  };
  const port = (): number => 1024 + int(64000);
  const sshd = (): string => `sshd[${++pid}]`;

  /** One connection with `attempts` password attempts as `user`, ending the way sshd ends it. */
  const attack = (ip: string, user: string, attempts: number): void => {
    const p = sshd();
    const pt = port();
    const valid = VALID.includes(user);
    const who = valid ? `authenticating user ${user}` : `invalid user ${user}`;
    if (!valid) emit(p, `Invalid user ${user} from ${ip} port ${pt}`);
    for (let a = 0; a < attempts; a++) {
      advance(1 + int(3));
      if (!valid) emit(p, 'pam_unix(sshd:auth): check pass; user unknown');
      if (a === 0) emit(p, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${valid ? `  user=${user}` : ''}`);
      advance(2);
      emit(p, `Failed password for ${valid ? '' : 'invalid user '}${user} from ${ip} port ${pt} ssh2`);
    }
    advance(1);
    if (attempts >= 6) {
      emit(p, `error: maximum authentication attempts exceeded for ${valid ? '' : 'invalid user '}${user} from ${ip} port ${pt} ssh2 [preauth]`);
      emit(p, `Disconnecting ${who} ${ip} port ${pt}: Too many authentication failures [preauth]`);
    } else if (rnd() < 0.5) {
      emit(p, `Connection closed by ${who} ${ip} port ${pt} [preauth]`);
    } else {
      emit(p, `Received disconnect from ${ip} port ${pt}:11: Bye Bye [preauth]`);
      emit(p, `Disconnected from ${who} ${ip} port ${pt} [preauth]`);
    }
    if (attempts > 1) emit(p, `PAM ${attempts - 1} more authentication failure${attempts > 2 ? 's' : ''}; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${valid ? `  user=${user}` : ''}`);
  };

  const scan = (ip: string): void => {
    const p = sshd();
    const pt = port();
    switch (int(4)) {
      case 0:
        emit(p, `Connection closed by ${ip} port ${pt} [preauth]`);
        break;
      case 1:
        emit(p, `Received disconnect from ${ip} port ${pt}:11: Bye Bye [preauth]`);
        emit(p, `Disconnected from ${ip} port ${pt} [preauth]`);
        break;
      case 2:
        emit(p, `Connection reset by ${ip} port ${pt} [preauth]`);
        break;
      default:
        emit(p, `Unable to negotiate with ${ip} port ${pt}: no matching key exchange method found. Their offer: diffie-hellman-group14-sha1,diffie-hellman-group1-sha1 [preauth]`);
    }
  };

  const legitSession = (ip: string): void => {
    const user = pick(['alice', 'bob', 'deploy']);
    const p = sshd();
    const pt = port();
    const uid = user === 'alice' ? 1000 : user === 'bob' ? 1001 : 1002;
    if (rnd() < 0.1) {
      emit(p, `pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}  user=${user}`);
      advance(2);
      emit(p, `Failed password for ${user} from ${ip} port ${pt} ssh2`);
      advance(3);
      emit(p, `Accepted password for ${user} from ${ip} port ${pt} ssh2`);
    } else {
      emit(p, `Accepted publickey for ${user} from ${ip} port ${pt} ssh2: ED25519 SHA256:${'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789+/AbCd'.slice(0, 43)}`);
    }
    emit(p, `pam_unix(sshd:session): session opened for user ${user}(uid=${uid}) by (uid=0)`);
    const sid = ++session;
    emit('systemd-logind[612]', `New session ${sid} of user ${user}.`);
    advance(5 + int(60));
    if (rnd() < 0.5) {
      emit('sudo', `   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx`);
      emit('sudo', `pam_unix(sudo:session): session opened for user root(uid=0) by ${user}(uid=${uid})`);
      emit('sudo', 'pam_unix(sudo:session): session closed for user root');
    }
    emit(p, `Received disconnect from ${ip} port ${pt}:11: disconnected by user`);
    emit(p, `Disconnected from user ${user} ${ip} port ${pt}`);
    emit(p, `pam_unix(sshd:session): session closed for user ${user}`);
    emit('systemd-logind[612]', `Session ${sid} logged out. Waiting for processes to exit.`);
    emit('systemd-logind[612]', `Removed session ${sid}.`);
  };

  const noise = (): void => {
    switch (int(6)) {
      case 0: {
        const p = `CRON[${++pid}]`;
        emit(p, 'pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)');
        emit(p, 'pam_unix(cron:session): session closed for user root');
        break;
      }
      case 1:
        emit(`CRON[${++pid}]`, 'pam_unix(cron:session): session opened for user www-data(uid=33) by (uid=0)');
        break;
      case 2:
        emit('kernel', `[${(t - START + 1000).toFixed(6)}] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=${pick(scanners).includes(':') ? '198.51.100.77' : pick(scanners)} DST=192.0.2.10 LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=54321 PROTO=TCP SPT=${port()} DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0`);
        break;
      case 3:
        emit(`systemd-logind[612]`, `Watching system buttons on /dev/input/event0 (Power Button)`);
        break;
      case 4:
        emit(`su[${++pid}]`, '(to root) alice on pts/1');
        emit(`su[${pid}]`, 'pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)');
        break;
      default:
        emit('sudo', 'pam_unix(sudo:auth): conversation failed');
        emit('sudo', 'pam_unix(sudo:auth): auth could not identify password for [www-data]');
    }
  };

  const first = t;
  while (lines < total) {
    advance(0.05 + rnd() * 0.6);
    const r = rnd();
    if (r < 0.12) attack(pick(heavy), rnd() < 0.6 ? pick(VALID) : pick(INVALID), 3 + int(4));
    else if (r < 0.33) attack(pick(slow), rnd() < 0.5 ? 'root' : pick(INVALID), 1 + int(2));
    else if (r < 0.41) attack(pick(sprayers), pick(INVALID), 1 + int(2));
    else if (r < 0.415) {
      const ip = pick(burst);
      const n = 3 + int(2);
      for (let i = 0; i < n; i++) {
        attack(ip, pick(INVALID), 1);
        advance(5 + int(10));
      }
    } else if (r < 0.49) scan(pick(scanners));
    else if (r < 0.493) {
      const ip = pick(fastScanners);
      const n = 5 + int(4);
      for (let i = 0; i < n; i++) {
        scan(ip);
        advance(1 + int(4));
      }
    } else if (r < 0.496) {
      const ip = pick(injectors);
      const target = pick(injectedTargets);
      attack(ip, pick([`admin from ${target} port 22 ssh2`, `x from ${target} port 22`, `root from ${target} port 22 ssh2 from ${target} port 22`]), 3 + int(4));
    } else if (r < 0.5) attack(pick(mapped), pick(VALID), 3 + int(4));
    else if (r < 0.53) legitSession(pick(legit));
    else noise();
  }
  if (buf.length > 0) write(buf.join(''));
  return { lines, actors, injectedTargets, firstTs: first, lastTs: t };
}
