// A PositionStore that keeps values as JSON text, as the daemon's SQLite column does, so tests
// catch positions that do not survive serialisation.

import type { PositionStore } from '../../src/sources/source.js';

export class JsonStore implements PositionStore {
  readonly rows = new Map<string, string>();
  get(key: string): unknown | null {
    const v = this.rows.get(key);
    return v === undefined ? null : JSON.parse(v);
  }
  set(key: string, value: unknown): void {
    this.rows.set(key, JSON.stringify(value));
  }
}
