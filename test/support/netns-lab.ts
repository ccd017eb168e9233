// A pair of network namespaces for enforce tests: a victim (where the enforcer runs and a TCP
// server listens) and an attacker with several source addresses, joined by a veth pair, IPv4 and
// IPv6 (nodad, usable at once). Everything is created under unique names and deleted on close()
// and, failing that, when the process exits (ns.ts). Never touches the root namespace's firewall.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshNamespace, ip, removeNamespace } from './ns.js';
import { startTcpListener } from './ns-tcp.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const ADDR = {
  victim4: '10.99.0.1',
  victim6: 'fd99::1',
  /** Blocked as a single address in the tests. */
  blocked4: '10.99.1.5',
  blocked6: 'fd99:0:1::5',
  /** Its neighbour, never blocked unless a test says so. */
  neighbour4: '10.99.1.6',
  neighbour6: 'fd99:0:1::6',
  /** Inside the blocked networks. */
  net4: '10.99.2.0/24',
  inNet4: '10.99.2.7',
  net6: 'fd99:2::/48',
  inNet6: 'fd99:2::7',
  /** Outside everything blocked. */
  outside4: '10.99.3.8',
  outside6: 'fd99:3::8',
} as const;

export const ATTACKER_SOURCES = [ADDR.blocked4, ADDR.neighbour4, ADDR.inNet4, ADDR.outside4, ADDR.blocked6, ADDR.neighbour6, ADDR.inNet6, ADDR.outside6];

export const PORT = 7777;

/** One namespace alone (for probes that need no traffic). */
export function createNamespace(tag: string): { ns: string; close(): void } {
  const ns = `pal-enf-${tag}-${process.pid}`;
  freshNamespace(ns);
  return {
    ns,
    close() {
      removeNamespace(ns);
    },
  };
}

export class Lab {
  readonly victim: string;
  readonly attacker: string;
  private server: ChildProcess | null = null;

  private constructor(tag: string) {
    this.victim = `pal-enf-${tag}-${process.pid}-v`;
    this.attacker = `pal-enf-${tag}-${process.pid}-a`;
  }

  static async create(tag: string): Promise<Lab> {
    const lab = new Lab(tag);
    try {
      lab.build();
      await lab.startServer();
    } catch (err) {
      lab.close();
      throw err;
    }
    return lab;
  }

  private build(): void {
    const { victim: v, attacker: a } = this;
    for (const ns of [v, a]) freshNamespace(ns);
    ip(['-n', v, 'link', 'add', 'vic0', 'type', 'veth', 'peer', 'name', 'att0', 'netns', a]);
    ip(['-n', v, 'addr', 'add', `${ADDR.victim4}/16`, 'dev', 'vic0']);
    ip(['-n', v, 'addr', 'add', `${ADDR.victim6}/16`, 'dev', 'vic0', 'nodad']);
    for (const s of ATTACKER_SOURCES) {
      // /128 plus one on-link route for fd99::/16 (as the victim's) below, rather than a prefix
      // route per address.
      if (s.includes(':')) ip(['-n', a, 'addr', 'add', `${s}/128`, 'dev', 'att0', 'nodad']);
      else ip(['-n', a, 'addr', 'add', `${s}/16`, 'dev', 'att0']);
    }
    ip(['-n', v, 'link', 'set', 'vic0', 'up']);
    ip(['-n', a, 'link', 'set', 'att0', 'up']);
    ip(['-n', a, 'route', 'add', 'fd99::/16', 'dev', 'att0']);
  }

  private async startServer(): Promise<void> {
    this.server = await startTcpListener(this.victim, PORT);
  }


  /** Which attacker sources can open a TCP connection to the victim (v4 to v4, v6 to v6). */
  async reach(sources: readonly string[] = ATTACKER_SOURCES): Promise<Record<string, boolean>> {
    const tries = sources.map((from) => ({ from, to: from.includes(':') ? ADDR.victim6 : ADDR.victim4, port: PORT }));
    const out = await this.probe({ tries, timeoutMs: 500 });
    const res = JSON.parse(out) as boolean[];
    return Object.fromEntries(sources.map((s, i) => [s, res[i]]));
  }

  /** Connects from `from` over and over for `ms`; resolves to how many got through. */
  async hammer(from: string, ms: number): Promise<{ connected: number; attempts: number }> {
    const to = from.includes(':') ? ADDR.victim6 : ADDR.victim4;
    return JSON.parse(await this.probe({ hammer: { from, to, port: PORT, ms, parallel: 16, timeoutMs: 100 } }));
  }

  /** Opens a connection from `from` and holds it for `ms`; resolves once it is up. */
  async hold(from: string, ms: number): Promise<ChildProcess> {
    const to = from.includes(':') ? ADDR.victim6 : ADDR.victim4;
    const child = spawn('ip', ['netns', 'exec', this.attacker, process.execPath, path.join(HERE, 'tcp-probe.js'), JSON.stringify({ hold: { from, to, port: PORT, ms } })], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('connected')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`holding connection from ${from} ended with ${code}`)));
    });
    return child;
  }

  private probe(arg: unknown): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', this.attacker, process.execPath, path.join(HERE, 'tcp-probe.js'), JSON.stringify(arg)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`probe exited with ${code}`))));
    });
  }

  close(): void {
    if (this.server?.pid !== undefined && this.server.exitCode === null) this.server.kill('SIGKILL');
    this.server = null;
    for (const ns of [this.victim, this.attacker]) removeNamespace(ns);
  }
}
