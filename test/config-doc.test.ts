import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import { CONFIG_ALIASES } from '../src/config/load.js';
import { REPO_ROOT } from './support/paths.js';

const RULE_KEYS = new Set(['enabled', 'mode', 'severity']);

function leaves(obj: unknown, prefix: string[] = []): string[] {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || Object.keys(obj).length === 0) return [prefix.join('.')];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...prefix, k]));
}

it('docs/configuration.md documents every setting and alias', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/configuration.md'), 'utf8');
  for (const key of leaves(defaultConfig())) {
    const parts = key.split('.');
    // enabled/mode/severity of each stateful rule are documented once as detect.<rule>.*
    if (parts[0] === 'detect' && RULE_KEYS.has(parts[parts.length - 1]) && parts.length === 3) {
      assert.ok(doc.includes(`\`detect.<rule>.${parts[2]}\``), key);
      assert.ok(doc.includes(`\`${parts[1]}\``), `${key}: rule ${parts[1]} listed`);
      continue;
    }
    if (parts[0] === 'detect' && RULE_KEYS.has(parts[parts.length - 1])) {
      assert.ok(doc.includes(`\`${key}\``), key);
      continue;
    }
    assert.ok(doc.includes(`\`${key}\``), `${key} is not documented`);
  }
  for (const a of CONFIG_ALIASES) assert.ok(doc.includes(`\`${a.from.join('.')}\``), `alias ${a.from.join('.')} is not documented`);
});
