// Every file the daemon writes lives under one state directory, so `--state-dir DIR` isolates a
// daemon completely (tests run several side by side) and the other commands find it by the same flag.

import path from 'node:path';

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
    db: path.join(d, 'palisade.db'),
    alerts: path.join(d, 'alerts.jsonl'),
    actions: path.join(d, 'actions.jsonl'),
    pid: path.join(d, 'palisade.pid'),
    socket: path.join(d, 'palisade.sock'),
  };
}
