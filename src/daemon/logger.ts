// Structured logs (one JSON object per line, pino) to a file or standard error. The daemon logs
// what it did and why; alerts and actions have their own JSONL files and the store.

import { pino, type Logger } from 'pino';
import { PalisadeError } from '../errors.js';
import { openSync, closeSync } from 'node:fs';

export type { Logger };

export function createLogger(file: string, level: string): Logger {
  if (file !== '') {
    // Fail with one clear line now rather than on the first write.
    try {
      closeSync(openSync(file, 'a'));
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_DAEMON', `${file}: cannot open the log file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const dest = pino.destination({ dest: file === '' ? 2 : file, sync: true, append: true });
  return pino({ level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, dest);
}
