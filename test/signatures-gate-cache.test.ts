// The build's precomputed gate analysis must be exactly what a fresh analysis gives, so that using
// it changes start-up time and nothing else.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './support/paths.js';

const SCRIPT = `
  const { SignatureEngine, loadRuleFile, defaultRulesPath } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/src/detect/signatures/index.js'))});
  const { gateSnapshot } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/src/detect/signatures/gates.js'))});
  const { AddrSet } = await import(${JSON.stringify(path.join(REPO_ROOT, 'dist/src/decode/ip-addr.js'))});
  new SignatureEngine(loadRuleFile(defaultRulesPath()), { homeNet: new AddrSet() });
  process.stdout.write(JSON.stringify(gateSnapshot()));
`;

function snapshot(env: Record<string, string>): { gates: [string, unknown][]; keys: [string, unknown][] } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

it('the build ships a gate analysis equal to a fresh one', () => {
  const file = path.join(REPO_ROOT, 'dist/signature-gates.json');
  assert.ok(existsSync(file), 'make build writes dist/signature-gates.json');
  const fresh = snapshot({ PALISADE_NO_GATE_CACHE: '1' });
  const shipped = JSON.parse(readFileSync(file, 'utf8'));
  const sortByKey = (xs: [string, unknown][]) => [...xs].sort((a, b) => a[0].localeCompare(b[0]));
  assert.deepEqual(sortByKey(shipped.gates), sortByKey(fresh.gates));
  assert.deepEqual(sortByKey(shipped.keys), sortByKey(fresh.keys));
  // And a process that seeds from the file ends with the same analysis.
  const seeded = snapshot({});
  assert.deepEqual(sortByKey(seeded.gates), sortByKey(fresh.gates));
});
