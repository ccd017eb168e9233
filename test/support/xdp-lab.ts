// A lab for the XDP tests: an attacker and a benign namespace joined to a victim through a bridge
// in a fourth "switch" namespace, so both reach the victim through the same interface (vic0) that
// the guard protects. IPv4 10.98.0.0/16 and IPv6 fd98::/64, no DAD. The victim runs the TCP
// listener and the agent (xdp-agent.js) that drives the real XDP code inside its namespace.
// Names carry the pid; close() deletes everything, and ns.ts's exit hook does it on failure.

import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freshNamespace, ip, removeNamespace } from './ns.js';
import { startTcpListener } from './ns-tcp.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export const XADDR = {
  victim4: '10.98.0.1',
  victim6: 'fd98::1',
  /** Blocked as single addresses. */
  attacker4: '10.98.1.5',
  attacker6: 'fd98::1:5',
  /** Inside the blocked networks 10.98.2.0/24 and fd98::2:0/112. */
  net4: '10.98.2.0/24',
  inNet4: '10.98.2.7',
  /** Whitelisted inside the blocked network. */
  allowed4: '10.98.2.9',
  net6: 'fd98::2:0/112',
  inNet6: 'fd98::2:7',
  benign4: '10.98.3.8',
  benign6: 'fd98::3:8',
} as const;

export const XPORT = 7788;

export interface AgentReply {
  ok: boolean;
  result?: any;
  error?: string;
  code?: string | null;
}

export class XdpLab {
  readonly victim: string;
  readonly attacker: string;
  readonly benign: string;
  readonly sw: string;
  private server: ChildProcess | null = null;
  private agentProc: ChildProcess | null = null;
  private pending = new Map<number, (r: AgentReply) => void>();
  private nextId = 1;

  private constructor(tag: string) {
    const base = `pal-xdp-${tag}-${process.pid}`;
    this.victim = `${base}-v`;
    this.attacker = `${base}-a`;
    this.benign = `${base}-b`;
    this.sw = `${base}-s`;
  }

  static async create(tag: string): Promise<XdpLab> {
    const lab = new XdpLab(tag);
    try {
      lab.build();
      await lab.startServer();
      await lab.startAgent();
    } catch (err) {
      lab.close();
      throw err;
    }
    return lab;
  }

  private build(): void {
    const { victim: v, attacker: a, benign: b, sw: s } = this;
    for (const ns of [v, a, b, s]) freshNamespace(ns);
    ip(['-n', s, 'link', 'add', 'br0', 'type', 'bridge']);
    ip(['-n', s, 'link', 'set', 'br0', 'up']);
    const wire = (ns: string, dev: string, port: string) => {
      ip(['-n', s, 'link', 'add', port, 'type', 'veth', 'peer', 'name', dev, 'netns', ns]);
      ip(['-n', s, 'link', 'set', port, 'master', 'br0']);
      ip(['-n', s, 'link', 'set', port, 'up']);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    };
    wire(v, 'vic0', 'swv');
    wire(a, 'att0', 'swa');
    wire(b, 'ben0', 'swb');
    ip(['-n', v, 'addr', 'add', `${XADDR.victim4}/16`, 'dev', 'vic0']);
    ip(['-n', v, 'addr', 'add', `${XADDR.victim6}/64`, 'dev', 'vic0', 'nodad']);
    for (const addr of [XADDR.attacker4, XADDR.inNet4, XADDR.allowed4]) ip(['-n', a, 'addr', 'add', `${addr}/16`, 'dev', 'att0']);
    for (const addr of [XADDR.attacker6, XADDR.inNet6]) ip(['-n', a, 'addr', 'add', `${addr}/64`, 'dev', 'att0', 'nodad']);
    ip(['-n', b, 'addr', 'add', `${XADDR.benign4}/16`, 'dev', 'ben0']);
    ip(['-n', b, 'addr', 'add', `${XADDR.benign6}/64`, 'dev', 'ben0', 'nodad']);
  }

  private async startServer(): Promise<void> {
    this.server = await startTcpListener(this.victim, XPORT);
  }


  private startAgent(): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.victim, process.execPath, path.join(HERE, 'xdp-agent.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.agentProc = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the XDP agent in the victim namespace did not start')), 15_000);
      const rl = createInterface({ input: child.stdout! });
      rl.on('line', (line) => {
        const msg = JSON.parse(line) as AgentReply & { id?: number; ready?: boolean };
        if (msg.ready) {
          clearTimeout(timer);
          resolve();
          return;
        }
        const done = this.pending.get(msg.id!);
        this.pending.delete(msg.id!);
        done?.(msg);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        for (const done of this.pending.values()) done({ ok: false, error: `the XDP agent exited with ${code}` });
        this.pending.clear();
        reject(new Error(`the XDP agent exited with ${code}`));
      });
    });
  }

  /** Sends one request to the agent; resolves with its reply (errors are replies, not throws). */
  call(op: string, args: unknown = {}): Promise<AgentReply> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.agentProc!.stdin!.write(JSON.stringify({ id, op, args }) + '\n');
    });
  }

  /** Like call(), but throws with the agent's error. */
  async must(op: string, args: unknown = {}): Promise<any> {
    const r = await this.call(op, args);
    if (!r.ok) throw new Error(`${op}: ${r.error}`);
    return r.result;
  }

  /** Which sources connect to the victim's listener (v4 to v4, v6 to v6); a dropped SYN times out. */
  async reach(ns: string, sources: readonly string[], timeoutMs = 700): Promise<Record<string, boolean>> {
    const tries = sources.map((from) => ({ from, to: from.includes(':') ? XADDR.victim6 : XADDR.victim4, port: XPORT }));
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, path.join(HERE, 'tcp-probe.js'), JSON.stringify({ tries, timeoutMs })], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`tcp probe exited with ${code}`))));
    });
    const res = JSON.parse(out) as boolean[];
    return Object.fromEntries(sources.map((s, i) => [s, res[i]]));
  }

  close(): void {
    if (this.agentProc?.pid !== undefined && this.agentProc.exitCode === null) {
      this.agentProc.stdin!.end();
      this.agentProc.kill('SIGKILL');
    }
    if (this.server?.pid !== undefined && this.server.exitCode === null) this.server.kill('SIGKILL');
    this.agentProc = null;
    this.server = null;
    for (const ns of [this.victim, this.attacker, this.benign, this.sw]) removeNamespace(ns);
  }
}
