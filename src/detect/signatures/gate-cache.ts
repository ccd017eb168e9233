// The gate analysis (gates.ts) depends only on a rule's pattern text, and takes about 200 ms for the
// default rules: too much to repeat at every start. The build runs it once over the shipped rules
// (`node dist/src/detect/signatures/gate-cache.js`, from `make build`) and saves the results beside
// the compiled code; each process seeds the memo from that file. Patterns the file does not hold
// (the user's own rules, or an edited default set) are analysed at start as before, so a missing or
// stale file costs time, never correctness.

import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gateSnapshot, seedGates, type GateSnapshot } from './gates.js';

/** dist/signature-gates.json: next to the compiled tree, never committed. */
const FILE = fileURLToPath(new URL('../../../signature-gates.json', import.meta.url));

/** The analysis code the results came from: a file made by other code is ignored. */
function codeVersion(): string {
  const code = readFileSync(fileURLToPath(new URL('./gates.js', import.meta.url)));
  return createHash('sha256').update(code).digest('hex');
}

interface GateFile extends GateSnapshot {
  version: string;
}

let seeded = false;

/** Seeds the gate memo from the build's file, once per process; silent when there is none. */
export function seedShippedGates(): void {
  if (seeded) return;
  seeded = true;
  if (process.env.PALISADE_NO_GATE_CACHE === '1') return; // for tests comparing with a fresh analysis
  let snap: GateFile;
  try {
    snap = JSON.parse(readFileSync(FILE, 'utf8')) as GateFile;
  } catch {
    return; // not built yet, or unreadable: analyse at start instead
  }
  if (snap.version === codeVersion()) seedGates(snap);
}

/** Build step: analyse the default rules and write the file. */
async function main(): Promise<void> {
  const { SignatureEngine } = await import('./engine.js');
  const { loadRuleFile, defaultRulesPath } = await import('./rule-file.js');
  const { AddrSet } = await import('../../decode/ip-addr.js');
  new SignatureEngine(loadRuleFile(defaultRulesPath()), { homeNet: new AddrSet() });
  const file: GateFile = { version: codeVersion(), ...gateSnapshot() };
  writeFileSync(FILE, JSON.stringify(file));
  process.stdout.write(`wrote ${FILE}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void main();
