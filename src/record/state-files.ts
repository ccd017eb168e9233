// Names of the files the daemon keeps in its state directory (daemon.state_dir), in one place
// for the daemon, `backup-db` and `retention`.

import path from 'node:path';

export const STATE_FILES = {
  db: 'palisade.db',
  alerts: 'alerts.jsonl',
  actions: 'actions.jsonl',
} as const;

export function statePath(stateDir: string, file: keyof typeof STATE_FILES): string {
  return path.join(stateDir, STATE_FILES[file]);
}
