// Serves the control protocol on a unix socket. Each handler gets the parsed arguments and returns
// a JSON-able result; a PalisadeError becomes {ok:false, error, code} with its one-line message, and
// anything else is reported as an internal error without taking the daemon down.

import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { isPalisadeError, PalisadeError } from '../errors.js';
import { MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './control-protocol.js';

export type ControlHandler = (args: Record<string, unknown>) => unknown | Promise<unknown>;

export class ControlServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly path: string,
    private readonly handlers: Record<string, ControlHandler>,
    private readonly onInternalError: (cmd: string, err: unknown) => void = () => {},
  ) {}

  async listen(): Promise<void> {
    // A socket file left by a daemon that died is removed; a live daemon was ruled out by the pid file.
    if (existsSync(this.path)) {
      if (!lstatSync(this.path).isSocket()) throw new PalisadeError('PALISADE_ERR_DAEMON', `${this.path}: exists and is not a socket; remove it or choose another --state-dir`);
      unlinkSync(this.path);
    }
    const server = net.createServer((s) => this.serve(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new PalisadeError('PALISADE_ERR_DAEMON', `${this.path}: cannot create the control socket: ${err.code ?? err.message}`)),
      );
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o600);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }

  private serve(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) {
        this.reply(sock, { id: 0, ok: false, error: `request longer than ${MAX_REQUEST_BYTES} bytes`, code: 'PALISADE_ERR_USAGE' });
        sock.end();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.trim() !== '') void this.handle(sock, line);
      }
    });
  }

  private async handle(sock: net.Socket, line: string): Promise<void> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req !== 'object' || req === null || typeof req.cmd !== 'string') throw new Error('no cmd');
    } catch {
      this.reply(sock, { id: 0, ok: false, error: 'malformed request: expected one JSON object {id, cmd, args} per line', code: 'PALISADE_ERR_USAGE' });
      return;
    }
    const id = typeof req.id === 'number' ? req.id : 0;
    const handler = Object.hasOwn(this.handlers, req.cmd) ? this.handlers[req.cmd] : undefined;
    if (!handler) {
      this.reply(sock, { id, ok: false, error: `unknown command '${req.cmd}'`, code: 'PALISADE_ERR_USAGE' });
      return;
    }
    try {
      const args = req.args && typeof req.args === 'object' ? req.args : {};
      const result = await handler(args);
      this.reply(sock, { id, ok: true, result: result ?? null });
    } catch (err) {
      if (isPalisadeError(err)) this.reply(sock, { id, ok: false, error: err.message, code: err.code });
      else {
        this.onInternalError(req.cmd, err);
        this.reply(sock, { id, ok: false, error: `internal error in '${req.cmd}': ${(err as Error)?.message ?? String(err)}` });
      }
    }
  }

  private reply(sock: net.Socket, res: ControlResponse): void {
    if (!sock.destroyed) sock.write(JSON.stringify(res) + '\n');
  }
}
