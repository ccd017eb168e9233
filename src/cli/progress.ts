// Progress on stderr for long reads, only when stderr is a terminal (never in pipes or logs).

import path from 'node:path';
import type { Progress } from '../pipeline/offline.js';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { update: (p: Progress) => void; done: () => void } | null {
  if (!stream.isTTY) return null;
  let last = 0;
  let shown = false;
  return {
    update(p: Progress): void {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      const pct = p.totalBytes > 0 ? `${Math.min(100, (100 * p.bytesRead) / p.totalBytes).toFixed(0)}%` : '';
      const what = p.lines > 0 && p.packets === 0 ? 'lines' : 'packets';
      const n = what === 'lines' ? p.lines : p.packets;
      const rate = p.elapsed_s > 0 ? `${(n / p.elapsed_s / 1e6).toFixed(2)} M ${what}/s` : '';
      const file = p.files > 1 ? `[${p.fileIndex + 1}/${p.files}] ` : '';
      stream.write(`\r\x1b[K${file}${path.basename(p.file)} ${pct}  ${n.toLocaleString('en-US')} ${what}  ${rate}`);
      shown = true;
    },
    done(): void {
      if (shown) stream.write('\r\x1b[K');
    },
  };
}

/** Ctrl+C once: stop and report what was read; twice: exit at once. */
export function interruptController(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onInt = (): void => {
    if (ac.signal.aborted) process.exit(130);
    process.stderr.write('\npalisade: interrupted; finishing with what was read (Ctrl+C again to quit now)\n');
    ac.abort();
  };
  process.on('SIGINT', onInt);
  return { signal: ac.signal, dispose: () => process.off('SIGINT', onInt) };
}
