import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCodes } from '../src/errors.js';
import { REPO_ROOT } from './support/paths.js';

it('docs/errors.md lists exactly the error codes in src/errors.ts', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `(PALISADE_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, Object.keys(ErrorCodes).sort());
});
