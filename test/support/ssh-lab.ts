// A real sshd logging to a real systemd-journald, for the privileged log tests. Everything lives in
// namespaces this lab creates and removes:
//
//   - a private mount namespace (pinned to a file in the lab directory) with its own /run, /dev and
//     /var/log/journal, where systemd-journald runs and writes its journal to the lab directory
//     (bind-mounted on /run/log/journal), and /dev/log points at journald's syslog socket;
//   - two network namespaces joined by a veth pair: sshd listens in "srv" (10.79.N.1, fd79::1),
//     clients connect from "cli" (10.79.N.2, fd79::2) with sshpass + ssh.
//
// sshd logs through syslog(3) and PAM modules through their own syslog calls, exactly as on a
// Debian host; journalctl reads the lab's journal with --directory and prints it as an auth log
// (-o short: RFC 3164, -o short-iso: ISO 8601) or as JSON. Every command is an argument array.
// The host's firewall, /run and /dev are never touched.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const TOOLS = ['/usr/sbin/sshd', '/usr/bin/ssh', '/usr/bin/sshpass', '/usr/bin/ssh-keygen', '/usr/bin/ssh-keyscan', '/usr/bin/journalctl', '/lib/systemd/systemd-journald', '/usr/bin/nsenter', '/usr/bin/unshare'];

function run(cmd: string, args: string[], opts: { timeout?: number; allowFail?: boolean } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: opts.timeout ?? 30_000 });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function which(name: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((d) => d !== '' && existsSync(path.join(d, name)));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class SshLab {
  readonly dir: string;
  readonly journalDir: string;
  readonly srv: string;
  readonly cli: string;
  readonly srv4: string;
  readonly cli4: string;
  readonly srv6 = 'fd79::1';
  readonly cli6 = 'fd79::2';
  private readonly mnt: string;
  private readonly veth: string;
  private journald: ChildProcess | null = null;
  private sshd: ChildProcess | null = null;
  private mounted = false;
  private pinned = false;
  private netns: string[] = [];

  private constructor() {
    const tag = `${process.pid % 100000}`;
    this.dir = mkdtempSync('/tmp/pal-logs-lab-');
    this.journalDir = path.join(this.dir, 'journal');
    this.mnt = path.join(this.dir, 'ns', 'mnt');
    this.srv = `pal-logs-${tag}-srv`;
    this.cli = `pal-logs-${tag}-cli`;
    this.veth = `pl${tag}`;
    const n = process.pid % 250;
    this.srv4 = `10.79.${n}.1`;
    this.cli4 = `10.79.${n}.2`;
  }

  /** Builds the lab; throws (never skips) with the reason when something needed is missing. */
  static async create(): Promise<SshLab> {
    if (process.getuid?.() !== 0) throw new Error('the real-sshd log test must run as root (it creates namespaces and runs sshd and journald)');
    for (const t of TOOLS) if (!existsSync(t)) throw new Error(`required tool missing: ${t} (Debian: openssh-server openssh-client sshpass systemd util-linux)`);
    for (const t of ['ip', 'mount', 'umount', 'mknod']) if (!which(t)) throw new Error(`required tool missing: ${t}`);
    const lab = new SshLab();
    try {
      await lab.setUp();
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  private ns(args: string[], opts?: { allowFail?: boolean }): void {
    run('nsenter', [`--mount=${this.mnt}`, ...args], opts);
  }

  private async setUp(): Promise<void> {
    mkdirSync(this.journalDir);
    const nsDir = path.dirname(this.mnt);
    mkdirSync(nsDir);
    // The mount namespace is pinned by a bind mount on a file, which needs a private parent mount.
    run('mount', ['--bind', nsDir, nsDir]);
    this.mounted = true;
    run('mount', ['--make-private', nsDir]);
    writeFileSync(this.mnt, '');
    run('unshare', [`--mount=${this.mnt}`, '--propagation', 'private', 'true']);
    this.pinned = true;
    this.ns(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/run']);
    this.ns(['mkdir', '-p', '/run/systemd/journal', '/run/log/journal', '/run/sshd']);
    this.ns(['mount', '--bind', this.journalDir, '/run/log/journal']);
    this.ns(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/var/log/journal']);
    this.ns(['mount', '-t', 'tmpfs', '-o', 'mode=755', 'tmpfs', '/dev']);
    for (const [name, major, minor] of [['null', 1, 3], ['zero', 1, 5], ['random', 1, 8], ['urandom', 1, 9], ['tty', 5, 0]] as const) {
      this.ns(['mknod', '-m', '666', `/dev/${name}`, 'c', String(major), String(minor)]);
    }
    this.ns(['mkdir', '/dev/pts']);
    this.ns(['mount', '-t', 'devpts', '-o', 'newinstance,ptmxmode=0666', 'devpts', '/dev/pts']);
    this.ns(['ln', '-s', 'pts/ptmx', '/dev/ptmx']);
    this.ns(['ln', '-s', '/run/systemd/journal/dev-log', '/dev/log']);

    this.journald = spawn('nsenter', [`--mount=${this.mnt}`, '/lib/systemd/systemd-journald'], { stdio: ['ignore', 'ignore', 'pipe'] });
    await this.until(() => spawnSync('nsenter', [`--mount=${this.mnt}`, 'test', '-S', '/run/systemd/journal/dev-log']).status === 0, 'journald socket');

    run('ip', ['netns', 'add', this.srv]);
    this.netns.push(this.srv);
    run('ip', ['netns', 'add', this.cli]);
    this.netns.push(this.cli);
    run('ip', ['link', 'add', `${this.veth}s`, 'type', 'veth', 'peer', 'name', `${this.veth}c`]);
    run('ip', ['link', 'set', `${this.veth}s`, 'netns', this.srv]);
    run('ip', ['link', 'set', `${this.veth}c`, 'netns', this.cli]);
    run('ip', ['-n', this.srv, 'addr', 'add', `${this.srv4}/24`, 'dev', `${this.veth}s`]);
    run('ip', ['-n', this.cli, 'addr', 'add', `${this.cli4}/24`, 'dev', `${this.veth}c`]);
    run('ip', ['-n', this.srv, 'addr', 'add', `${this.srv6}/64`, 'dev', `${this.veth}s`, 'nodad']);
    run('ip', ['-n', this.cli, 'addr', 'add', `${this.cli6}/64`, 'dev', `${this.veth}c`, 'nodad']);
    for (const [n, dev] of [[this.srv, `${this.veth}s`], [this.cli, `${this.veth}c`]]) {
      run('ip', ['-n', n, 'link', 'set', dev, 'up']);
      run('ip', ['-n', n, 'link', 'set', 'lo', 'up']);
    }

    const key = path.join(this.dir, 'hostkey');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    this.sshd = spawn(
      'nsenter',
      [
        `--mount=${this.mnt}`,
        `--net=/run/netns/${this.srv}`,
        '/usr/sbin/sshd',
        '-D',
        '-f',
        '/dev/null',
        '-h',
        key,
        '-o',
        'LogLevel=INFO',
        '-o',
        'PidFile=none',
        '-o',
        `ListenAddress=${this.srv4}`,
        '-o',
        `ListenAddress=${this.srv6}`,
        '-o',
        'UsePAM=yes',
        '-o',
        'PasswordAuthentication=yes',
        '-o',
        'KbdInteractiveAuthentication=no',
        '-o',
        'MaxStartups=100',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await this.until(() => this.journal('short').includes(`Server listening on ${this.srv4} port 22.`), 'sshd listening');
  }

  private async until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`ssh lab: timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  /** sshd's journal entries in a journalctl output format (short = RFC 3164 auth.log lines). */
  journal(format: 'short' | 'short-iso' | 'short-iso-precise' | 'json'): string {
    return run('journalctl', ['--directory', this.journalDir, '-o', format, '--no-pager', 'SYSLOG_IDENTIFIER=sshd']).stdout;
  }

  /** One password login attempt from the client namespace (fails unless the password is right). */
  attempt(user: string, password: string, target: string): void {
    run(
      'ip',
      [
        'netns', 'exec', this.cli,
        'sshpass', '-p', password,
        'ssh', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR',
        '-o', 'PreferredAuthentications=password', '-o', 'PubkeyAuthentication=no', '-o', 'NumberOfPasswordPrompts=1',
        '-l', user, target, 'true',
      ],
      { allowFail: true, timeout: 30_000 },
    );
  }

  /** A client that offers only keys it does not have (BatchMode): refused before any password. */
  keyOnly(user: string, target: string): void {
    run('ip', ['netns', 'exec', this.cli, 'ssh', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR', '-l', user, target, 'true'], { allowFail: true });
  }

  /** ssh-keyscan: key exchange only, no authentication. */
  keyscan(target: string): void {
    run('ip', ['netns', 'exec', this.cli, 'ssh-keyscan', '-t', 'ed25519', target], { allowFail: true });
  }

  async destroy(): Promise<void> {
    for (const p of [this.sshd, this.journald]) {
      if (p && p.exitCode === null && p.signalCode === null) {
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([exited, sleep(3000)]);
        if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
      }
    }
    for (const n of this.netns) run('ip', ['netns', 'del', n], { allowFail: true });
    if (this.pinned) run('umount', [this.mnt], { allowFail: true });
    if (this.mounted) run('umount', [path.dirname(this.mnt)], { allowFail: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
