// Loading rule files: YAML through the Document API (so every problem can name its line), zod for
// the shape, fields.ts for the compact syntaxes. Every error is one line:
//   rules/local.yaml:14: rule 'http-x': pattern: invalid regular expression: Unterminated group

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { PalisadeError } from '../../errors.js';
import {
  finishRule,
  overrideSchema,
  RULE_KEYS,
  ruleSchema,
  type RuleOverride,
  type RuleSpec,
} from './rule-schema.js';

const TOP_KEYS = ['rules'];

/** Path of the rule set shipped with Palisade (rules/default.yaml at the package root). */
export function defaultRulesPath(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'rules', 'default.yaml');
    if (existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  // Compiled layout: dist/src/detect/signatures -> package root is four levels up.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../rules/default.yaml');
}

/** Reads and validates one rule file. */
export function loadRuleFile(file: string): RuleSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : code;
    throw new PalisadeError('PALISADE_ERR_FILE_OPEN', `${file}: cannot read rule file: ${why}`);
  }
  return parseRules(text, file);
}

/** Loads several rule files; ids must be unique across all of them. */
export function loadRuleFiles(files: readonly string[]): RuleSpec[] {
  const all: RuleSpec[] = [];
  for (const f of files) all.push(...loadRuleFile(f));
  assertUniqueIds(all);
  return all;
}

/** Throws for the first id defined twice, naming both places. */
export function assertUniqueIds(specs: readonly RuleSpec[]): void {
  const seen = new Map<string, RuleSpec>();
  for (const s of specs) {
    const first = seen.get(s.id);
    if (first) {
      throw new PalisadeError(
        'PALISADE_ERR_RULE',
        `${where(s.source.file, s.source.line)}: rule '${s.id}': duplicate id (first defined at ${where(first.source.file, first.source.line)})`,
      );
    }
    seen.set(s.id, s);
  }
}

function where(file: string, line: number): string {
  return line > 0 ? `${file}:${line}` : file;
}

type YamlPath = (string | number)[];

class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
  ) {}

  /**
   * Line for a problem at `p`: the value's line for a scalar, the key's line for a collection or an
   * unknown key (`keyOnly`), the nearest existing parent's line for a missing key.
   */
  line(p: YamlPath, keyOnly = false): number {
    for (let n = p.length; n >= 0; n--) {
      const sub = p.slice(0, n);
      const node = n === 0 ? this.doc.contents : this.doc.getIn(sub, true);
      const exists = node !== undefined && node !== null;
      if (!exists && !(keyOnly && n === p.length)) continue;
      if (exists && isScalar(node) && !keyOnly) return this.pos(node.range);
      const keyLine = n > 0 && typeof sub[n - 1] === 'string' ? this.keyLine(sub) : 0;
      if (keyLine > 0) return keyLine;
      if (exists) return this.pos((node as { range?: [number, number, number] }).range);
    }
    return 1;
  }

  private keyLine(p: YamlPath): number {
    const parent = p.length === 1 ? this.doc.contents : this.doc.getIn(p.slice(0, -1), true);
    if (!isMap(parent)) return 0;
    const pair = parent.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === p[p.length - 1]);
    return pair && isScalar(pair.key) ? this.pos(pair.key.range) : 0;
  }

  private pos(range: [number, number, number] | null | undefined): number {
    return range ? this.lc.linePos(range[0]).line : 1;
  }
}

function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const o of options) {
    const d = editDistance(word.toLowerCase(), o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}

function describeType(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `text '${v.length > 40 ? v.slice(0, 40) + '…' : v}'`;
  return `${typeof v} ${String(v)}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
};

function getAt(root: unknown, p: YamlPath): unknown {
  let cur: unknown = root;
  for (const k of p) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

interface Problem {
  path: YamlPath;
  message: string;
  keyOnly?: boolean;
}

/** Turns zod issues into our one-line messages; `known` lists valid keys for hints. */
function issueProblems(issues: readonly z.core.$ZodIssue[], root: unknown, base: YamlPath, knownKeys: (p: YamlPath) => readonly string[]): Problem[] {
  const out: Problem[] = [];
  for (const iss of issues) {
    const p = [...base, ...(iss.path as (string | number)[])];
    switch (iss.code) {
      case 'unrecognized_keys':
        for (const key of iss.keys) {
          const hint = closest(key, knownKeys(p));
          out.push({ path: [...p, key], message: `unknown key '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}`, keyOnly: true });
        }
        break;
      case 'invalid_type': {
        const got = getAt(root, p);
        const exp = EXPECTED[iss.expected] ?? iss.expected;
        out.push({ path: p, message: got === undefined ? `missing (expected ${exp})` : `expected ${exp}, got ${describeType(got)}` });
        break;
      }
      case 'invalid_value':
        out.push({ path: p, message: `must be one of: ${iss.values.map(String).join(', ')}` });
        break;
      case 'too_small':
        out.push({
          path: p,
          message:
            iss.origin === 'array' || iss.origin === 'string'
              ? `must not be empty`
              : `must be ${iss.inclusive === false ? '>' : '>='} ${String(iss.minimum)}`,
        });
        break;
      case 'too_big':
        out.push({ path: p, message: iss.origin === 'string' ? `is too long (max ${String(iss.maximum)})` : `must be <= ${String(iss.maximum)}` });
        break;
      case 'invalid_union':
        out.push({ path: p, message: `expected a regex or a list of regexes, got ${describeType(getAt(root, p))}` });
        break;
      case 'invalid_format':
        out.push({ path: p, message: iss.message });
        break;
      default:
        out.push({ path: p, message: iss.message });
    }
  }
  return out;
}

function fieldLabel(p: YamlPath): string {
  let s = '';
  for (const k of p) s += typeof k === 'number' ? `[${k}]` : s === '' ? k : `.${k}`;
  return s;
}

function ruleKnownKeys(p: YamlPath): readonly string[] {
  // p = ['rules', i, ...sub]
  const sub = p.slice(2);
  if (sub.length === 0) return RULE_KEYS;
  if (sub[0] === 'threshold') return ['mode', 'count', 'window', 'track'];
  if (sub[0] === 'detection_filter') return ['count', 'window', 'track'];
  if (sub[0] === 'suppress') return ['track', 'ip'];
  return [];
}

/** Parses the text of one rule file (fileName is used in messages and in each rule's source). */
export function parseRules(text: string, fileName: string): RuleSpec[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const fail: (line: number, message: string, more?: number) => never = (line, message, more = 0) => {
    throw new PalisadeError('PALISADE_ERR_RULE', `${fileName}:${line}: ${message}${more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''}`);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    const msg = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
    fail(line, `YAML syntax: ${msg}`, doc.errors.length - 1);
  }
  const loc = new Locator(doc, lc);
  const root: unknown = doc.toJS({ maxAliasCount: 100 });
  if (root === null || root === undefined) return [];
  if (typeof root !== 'object' || Array.isArray(root)) fail(loc.line([]), "expected a mapping with a 'rules:' list");
  const top = root as Record<string, unknown>;
  for (const k of Object.keys(top)) {
    if (!TOP_KEYS.includes(k)) {
      const hint = closest(k, TOP_KEYS);
      fail(loc.line([k], true), `unknown key '${k}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
  }
  const list = top.rules;
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) fail(loc.line(['rules']), `rules: expected a list of rules, got ${describeType(list)}`);
  const rulesNode = doc.get('rules', true);
  if (!isSeq(rulesNode)) fail(loc.line(['rules']), 'rules: expected a list of rules');

  const problems: { line: number; text: string }[] = [];
  const specs: RuleSpec[] = [];
  const firstLine = new Map<string, number>();
  (list as unknown[]).forEach((raw, i) => {
    const idLabel =
      raw !== null && typeof raw === 'object' && typeof (raw as { id?: unknown }).id === 'string'
        ? `rule '${(raw as { id: string }).id}'`
        : `rule #${i + 1}`;
    const report = (ps: Problem[]): void => {
      for (const pr of ps) {
        const sub = pr.path.slice(2);
        const label = sub.length > 0 ? `${fieldLabel(sub)}: ` : '';
        problems.push({ line: loc.line(pr.path, pr.keyOnly), text: `${idLabel}: ${label}${pr.message}` });
      }
    };
    const ruleLine = loc.line(['rules', i]);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      report([{ path: ['rules', i], message: `expected a mapping (id: ..., pattern: ...), got ${describeType(raw)}` }]);
      return;
    }
    const res = ruleSchema.safeParse(raw);
    if (!res.success) {
      report(issueProblems(res.error.issues, root, ['rules', i], ruleKnownKeys));
      return;
    }
    const fin = finishRule(res.data, { file: fileName, line: ruleLine });
    if (!fin.spec) {
      report(fin.problems.map((pr) => ({ path: ['rules', i, ...pr.path], message: pr.message })));
      return;
    }
    const prev = firstLine.get(fin.spec.id);
    if (prev !== undefined) {
      problems.push({ line: ruleLine, text: `rule '${fin.spec.id}': duplicate id (first defined at ${fileName}:${prev})` });
      return;
    }
    firstLine.set(fin.spec.id, ruleLine);
    specs.push(fin.spec);
  });
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    fail(problems[0].line, problems[0].text, problems.length - 1);
  }
  return specs;
}

/**
 * Applies per-rule overrides from the config (enabled, mode, severity, threshold — null removes it —
 * dst_ports, src_ports). Returns new specs; `where` names the config in messages.
 */
export function applyOverrides(
  specs: readonly RuleSpec[],
  overrides: Record<string, RuleOverride | Record<string, unknown>>,
  where = 'config',
): RuleSpec[] {
  const byId = new Map(specs.map((s, i) => [s.id, i]));
  const out = specs.slice();
  for (const [id, raw] of Object.entries(overrides)) {
    const fail: (msg: string) => never = (msg) => {
      throw new PalisadeError('PALISADE_ERR_CONFIG', `${where}: rule override '${id}': ${msg}`);
    };
    const idx = byId.get(id);
    if (idx === undefined) {
      const hint = closest(id, [...byId.keys()]);
      fail(`unknown rule id${hint ? ` (did you mean '${hint}'?)` : ''}`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`expected a mapping, got ${describeType(raw)}`);
    const res = overrideSchema.safeParse(raw);
    if (!res.success) {
      const pr = issueProblems(res.error.issues, raw, [], (p) => (p.length === 0 ? Object.keys(overrideSchema.shape) : p[0] === 'threshold' ? ['mode', 'count', 'window', 'track'] : []))[0];
      fail(`${pr.path.length > 0 ? fieldLabel(pr.path) + ': ' : ''}${pr.message}`);
    }
    const o = res.data;
    const s: RuleSpec = { ...out[idx!] };
    if (o.enabled !== undefined) s.enabled = o.enabled;
    if (o.mode !== undefined) s.mode = o.mode;
    if (o.severity !== undefined) s.severity = o.severity;
    if (o.threshold !== undefined) s.threshold = o.threshold;
    if ('dst_ports' in (raw as object)) s.dst_ports = o.dst_ports ?? null;
    if ('src_ports' in (raw as object)) s.src_ports = o.src_ports ?? null;
    if ((s.src_ports !== null || s.dst_ports !== null) && s.protocol !== 'tcp' && s.protocol !== 'udp' && s.protocol !== 'any') {
      fail(`ports apply to tcp and udp only, not ${s.protocol}`);
    }
    out[idx!] = s;
  }
  return out;
}
