// TCP in test namespaces: a listener a test can kill by PID, and a client connect as a user would
// make it (a dropped SYN shows as a timeout, a refused one as an error: both "not connected").

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LISTENER = path.join(HERE, 'tcp-listen.js');
const PROBE = path.join(HERE, 'tcp-probe.js');

/** Starts test/support/tcp-listen in namespace `ns` on `port` (IPv4 and IPv6) and waits until it listens. */
export function startTcpListener(ns: string, port: number, ms = 15_000): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, LISTENER, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`TCP listener in namespace ${ns} did not start within ${ms} ms`)), ms);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`TCP listener in namespace ${ns} exited with ${code}`));
    });
  });
}

/** One TCP connect from namespace `ns` (source address `from`) to `to`:`port`; true = connected. */
export function tcpConnects(ns: string, from: string, to: string, port: number, timeoutMs = 1000): boolean {
  const out = execFileSync('ip', ['netns', 'exec', ns, process.execPath, PROBE, JSON.stringify({ tries: [{ from, to, port }], timeoutMs })], { encoding: 'utf8' });
  return (JSON.parse(out) as boolean[])[0];
}
