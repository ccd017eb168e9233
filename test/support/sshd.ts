// A real OpenSSH server in a test namespace, and a real client guessing passwords.
//
// sshd logs through syslog(3) to /dev/log, and this machine (like CI) runs no syslog daemon; a
// private /dev/log would need a mount namespace over the host's devtmpfs. So sshd runs with -e
// (its log messages on stderr, byte for byte what it would send to syslog) and this relay plays
// rsyslog's part: it prefixes each message the way Debian 12's rsyslog writes /var/log/auth.log
// (RFC 3339 time, host, program[pid]) and appends it to the auth log file.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from './netns.js';

export interface LoggedLine {
  at: number;
  text: string;
}

function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const local = new Date(d.getTime() + off * 60_000);
  const iso = local.toISOString().slice(0, 19);
  return `${iso}.${pad(d.getMilliseconds(), 3)}000${sign}${pad(Math.trunc(off / 60))}:${pad(off % 60)}`;
}

export class Sshd {
  readonly lines: LoggedLine[] = [];
  private proc: ChildProcess | null = null;
  private partial = '';
  private stopped = false;

  constructor(
    readonly ns: string,
    readonly authLog: string,
    readonly host = 'victim',
  ) {
    writeFileSync(authLog, '', { flag: 'a' });
  }

  async start(listen: string[]): Promise<void> {
    const dir = mkdtempSync(path.join(tmpdir(), 'palisade-sshd-'));
    // A host key of its own (the host's /etc/ssh is left alone) and the privilege-separation
    // directory sshd insists on (normally made by its systemd unit).
    const key = path.join(dir, 'host_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const args = ['-D', '-e', '-h', key, '-o', `PidFile=${path.join(dir, 'sshd.pid')}`, '-o', 'PasswordAuthentication=yes', '-o', 'MaxAuthTries=6', '-o', 'LogLevel=INFO'];
    for (const a of listen) args.push('-o', `ListenAddress=${a}`);
    const proc = spawn('ip', Lab.inNs(this.ns, ['/usr/sbin/sshd', ...args]).slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('sshd did not start listening within 5 s')), 5000);
      proc.stderr!.setEncoding('utf8');
      proc.stderr!.on('data', (chunk: string) => {
        this.partial += chunk;
        let nl: number;
        while ((nl = this.partial.indexOf('\n')) >= 0) {
          const msg = this.partial.slice(0, nl).replace(/\r$/, '');
          this.partial = this.partial.slice(nl + 1);
          if (msg.startsWith('Server listening')) {
            clearTimeout(timer);
            resolve();
          }
          this.log('sshd', proc.pid ?? 0, msg);
        }
      });
      proc.once('exit', (code) => reject(new Error(`sshd exited with ${code} before listening`)));
    });
  }

  /** Appends one syslog line as rsyslog would (also used to write crafted lines). */
  log(program: string, pid: number, msg: string): LoggedLine {
    if (this.stopped) return { at: Date.now(), text: '' };
    const line = `${rfc3339(new Date())} ${this.host} ${program}[${pid}]: ${msg}`;
    appendFileSync(this.authLog, line + '\n');
    const l = { at: Date.now(), text: line };
    this.lines.push(l);
    return l;
  }

  /** Stops sshd; whatever it still prints is not written any more (the log may be gone). */
  async stop(): Promise<void> {
    this.stopped = true;
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      p.kill('SIGTERM');
      await new Promise((resolve) => p.once('exit', resolve));
    }
  }
}

/** One password guess with the real OpenSSH client; resolves with its exit status and stderr. */
export function guessPassword(ns: string, user: string, host: string, password = 'wrong-password', timeoutS = 3): Promise<{ status: number; stderr: string }> {
  const argv = Lab.inNs(ns, [
    'sshpass', '-p', password, 'ssh',
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
    '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
    '-o', `ConnectTimeout=${timeoutS}`, '-l', user, host, 'true',
  ]);
  return new Promise((resolve) => {
    const p = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8');
    p.stderr.on('data', (c: string) => (err += c));
    p.on('exit', (code) => resolve({ status: code ?? -1, stderr: err }));
  });
}
