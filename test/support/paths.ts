// Paths tests share: the repository root and the public corpus (../shared/corpus beside the
// checkout, or PALISADE_CORPUS). When the corpus is absent, corpus tests skip LOUDLY with the reason,
// unless PALISADE_REQUIRE_CORPUS=1 (set by .ci/run): then they run and fail.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Compiled tests live in dist/test/support: the repository root is three levels up.
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const CORPUS_DIR = process.env.PALISADE_CORPUS
  ? path.resolve(process.env.PALISADE_CORPUS)
  : path.resolve(REPO_ROOT, '../shared/corpus');

export const CORPUS_PRESENT = existsSync(path.join(CORPUS_DIR, 'pcaps'));

/** Pass as the `skip` option of a corpus test: false when present, else a loud reason. */
export const corpusSkip: string | false = CORPUS_PRESENT || process.env.PALISADE_REQUIRE_CORPUS === '1'
  ? false
  : `CORPUS MISSING: ${CORPUS_DIR} not found (set PALISADE_CORPUS); corpus tests cannot run`;

export function corpusPcap(name: string): string {
  return path.join(CORPUS_DIR, 'pcaps', name);
}

export function svPath(...parts: string[]): string {
  return path.join(CORPUS_DIR, 'suricata-verify', ...parts);
}

export const PALISADE_BIN = path.join(REPO_ROOT, 'bin', 'palisade');
