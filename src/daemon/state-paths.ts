// Every file the daemon writes lives under one state directory, so `--state-dir DIR` isolates a
// daemon completely (tests run several side by side) and the other commands find it by the same flag.
// The store and JSONL file names are shared with backup-db and retention (record/state-files.ts).

import path from 'node:path';
import { statePath } from '../record/state-files.js';

export interface StatePaths {
  dir: string;
  db: string;
  alerts: string;
  actions: string;
  pid: string;
  socket: string;
}

export function statePaths(dir: string): StatePaths {
  const d = path.resolve(dir);
  return {
    dir: d,
    db: statePath(d, 'db'),
    alerts: statePath(d, 'alerts'),
    actions: statePath(d, 'actions'),
    pid: path.join(d, 'palisade.pid'),
    socket: path.join(d, 'palisade.sock'),
  };
}
