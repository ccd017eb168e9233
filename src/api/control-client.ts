// The CLI side of the control protocol: one request, one response, with a timeout and a clear
// message when no daemon listens on the state directory's socket.

import net from 'node:net';
import { PalisadeError, type ErrorCode } from '../errors.js';
import type { ControlResponse } from './control-protocol.js';

export async function controlCall(socketPath: string, cmd: string, args: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new PalisadeError('PALISADE_ERR_DAEMON', `the daemon at ${socketPath} did not answer '${cmd}' within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify({ id: 1, cmd, args }) + '\n'));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      sock.end();
      let res: ControlResponse;
      try {
        res = JSON.parse(buf.slice(0, nl)) as ControlResponse;
      } catch {
        reject(new PalisadeError('PALISADE_ERR_DAEMON', `the daemon at ${socketPath} sent a malformed answer`));
        return;
      }
      if (res.ok) resolve(res.result);
      else reject(new PalisadeError((res.code as ErrorCode | undefined) ?? 'PALISADE_ERR_DAEMON', res.error));
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new PalisadeError('PALISADE_ERR_NOT_RUNNING', `no Palisade daemon is running for this state directory (no answer on ${socketPath}); start it with 'palisade run' or pass --state-dir`));
      } else if (err.code === 'EACCES') {
        reject(new PalisadeError('PALISADE_ERR_DAEMON', `${socketPath}: permission denied (the control socket is root-only; run as root)`));
      } else reject(new PalisadeError('PALISADE_ERR_DAEMON', `${socketPath}: ${err.message}`));
    });
  });
}
