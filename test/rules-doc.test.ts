import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseRules } from '../src/detect/signatures/index.js';
import { REPO_ROOT } from './support/paths.js';

it('the example in docs/rules.md is a valid rule file', () => {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/rules.md'), 'utf8');
  const example = doc.slice(doc.indexOf('## Example'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(example)?.[1];
  assert.ok(yaml, 'example block present');
  const rules = parseRules(yaml, 'docs/rules.md');
  assert.deepEqual(rules.map((r) => r.id), ['wp-login-bruteforce', 'telnet-inbound']);
  assert.equal(rules[0].threshold?.mode, 'both');
  assert.equal(rules[1].direction, 'inbound');
});
