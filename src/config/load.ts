// Resolves the configuration: defaults < YAML file < PALISADE_* environment < command-line flags.
// Option names of the seed systems are accepted as aliases. Every error is one line naming where
// the bad value came from: "palisade.yaml:12: detect.port_scan.threshold: ...", an environment
// variable, or a command-line flag.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml';
import { PalisadeError } from '../errors.js';
import { defaultConfig, type Config } from './defaults.js';
import { configSchema } from './schema.js';

type Path = (string | number)[];

/** One value set from outside the file: an environment variable or a command-line flag. */
export interface ConfigOverride {
  path: string[];
  value: unknown;
  /** Where it came from, for error messages: "--set detect.cooldown", "environment PALISADE_X". */
  origin: string;
}

/** Seed option names (000-004) accepted where they mean the same thing as ours. */
export const CONFIG_ALIASES: readonly { from: string[]; to: string[] }[] = [
  { from: ['auto_blacklist_threshold'], to: ['policy', 'auto_blacklist_threshold'] },
  { from: ['ips', 'auto_blacklist_threshold'], to: ['policy', 'auto_blacklist_threshold'] },
  { from: ['whitelist'], to: ['policy', 'whitelist'] },
  { from: ['admin_whitelist'], to: ['policy', 'whitelist'] },
  { from: ['ips', 'whitelist'], to: ['policy', 'whitelist'] },
  { from: ['PortScanThreshold'], to: ['detect', 'port_scan', 'threshold'] },
  { from: ['tcp_threshold'], to: ['detect', 'port_scan', 'threshold'] },
  { from: ['tcp_window_seconds'], to: ['detect', 'port_scan', 'window'] },
  { from: ['SensitivePorts'], to: ['signatures', 'overrides', 'inbound-sensitive-port', 'dst_ports'] },
  { from: ['DedupSeconds'], to: ['detect', 'cooldown'] },
  { from: ['fail_threshold'], to: ['detect', 'ssh_bruteforce', 'fail_threshold'] },
  { from: ['time_window_sec'], to: ['detect', 'ssh_bruteforce', 'time_window_sec'] },
  { from: ['ssh_threshold'], to: ['detect', 'ssh_bruteforce', 'fail_threshold'] },
  { from: ['ssh_window_seconds'], to: ['detect', 'ssh_bruteforce', 'time_window_sec'] },
  { from: ['dry_run'], to: ['enforce', 'dry_run'] },
  { from: ['block_tool'], to: ['enforce', 'backend'] },
  { from: ['blacklist_ttl'], to: ['policy', 'blacklist_ttl'] },
  { from: ['ips', 'blacklist_ttl'], to: ['policy', 'blacklist_ttl'] },
  { from: ['country_thresholds'], to: ['policy', 'country_thresholds'] },
  { from: ['ips', 'country_thresholds'], to: ['policy', 'country_thresholds'] },
  { from: ['log_file'], to: ['daemon', 'log_file'] },
  { from: ['log_level'], to: ['daemon', 'log_level'] },
];

const TOP_KEYS = new Set(Object.keys(defaultConfig()));

export interface LoadOptions {
  /** YAML config file; none means defaults (plus env and flags). */
  file?: string;
  /** Environment to read PALISADE_* overrides from (default: none). */
  env?: NodeJS.ProcessEnv;
  /** Command-line overrides, applied last. */
  overrides?: ConfigOverride[];
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const merged = defaultConfig() as unknown as Record<string, unknown>;
  let fileInfo: FileInfo | null = null;
  if (opts.file !== undefined) {
    fileInfo = readConfigFile(opts.file);
    deepMerge(merged, fileInfo.data);
  }
  const overrides = [...(opts.env ? envOverrides(opts.env) : []), ...(opts.overrides ?? [])];
  for (const o of overrides) setPath(merged, canonicalPath(o.path), o.value);

  const parsed = configSchema.safeParse(merged);
  if (parsed.success) return parsed.data as Config;

  const issue = parsed.error.issues[0];
  let path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)) as Path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = (issue as { keys: string[] }).keys[0];
    path = [...path, key];
    message = `unknown setting '${key}'${suggest(key, path.slice(0, -1), merged)}`;
  }
  throw new PalisadeError('PALISADE_ERR_CONFIG', `${whereIs(path, overrides, fileInfo)}${path.join('.')}: ${message}`);
}

/** Parses "a.b.c=value" from --set; the value is read as YAML (numbers, booleans, lists). */
export function parseSetArg(text: string, origin = `--set ${text}`): ConfigOverride {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new PalisadeError('PALISADE_ERR_USAGE', `${origin}: expected KEY=VALUE, e.g. detect.port_scan.threshold=30`);
  const key = text.slice(0, eq).trim();
  return { path: key.split('.'), value: yamlScalar(text.slice(eq + 1), origin), origin: `--set ${key}` };
}

interface FileInfo {
  path: string;
  data: Record<string, unknown>;
  doc: Document;
  lines: LineCounter;
  /** canonical dotted path -> the alias path used in the file */
  aliased: Map<string, Path>;
}

function readConfigFile(file: string): FileInfo {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new PalisadeError('PALISADE_ERR_CONFIG', `${file}: cannot read config file: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line ?? lines.linePos(e.pos[0]).line;
    throw new PalisadeError('PALISADE_ERR_CONFIG', `${file}:${line}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const data = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new PalisadeError('PALISADE_ERR_CONFIG', `${file}:1: the config must be a mapping of settings (key: value)`);
  }
  const aliased = new Map<string, Path>();
  for (const a of CONFIG_ALIASES) {
    const v = getPath(data, a.from);
    if (v === undefined) continue;
    if (getPath(data, a.to) !== undefined) {
      const line = lineOf(doc, lines, a.from);
      throw new PalisadeError('PALISADE_ERR_CONFIG', `${file}:${line}: '${a.from.join('.')}' and '${a.to.join('.')}' are the same setting; give only one`);
    }
    deletePath(data, a.from);
    setPath(data, a.to, v);
    aliased.set(a.to.join('.'), a.from);
  }
  if (isEmptyObject(data.ips)) delete data.ips;
  return { path: file, data, doc, lines, aliased };
}

function canonicalPath(path: string[]): string[] {
  for (const a of CONFIG_ALIASES) {
    if (a.from.length === path.length && a.from.every((k, i) => k === path[i])) return a.to;
  }
  return path;
}

function envOverrides(env: NodeJS.ProcessEnv): ConfigOverride[] {
  const out: ConfigOverride[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('PALISADE_') || value === undefined) continue;
    const path = name.slice('PALISADE_'.length).toLowerCase().split('__');
    const isAlias = CONFIG_ALIASES.some((a) => a.from.length === 1 && a.from[0].toLowerCase() === path[0] && path.length === 1);
    if (!TOP_KEYS.has(path[0]) && !isAlias) continue; // other PALISADE_* variables (e.g. PALISADE_CORPUS) are not settings
    const p = isAlias ? [CONFIG_ALIASES.find((a) => a.from[0].toLowerCase() === path[0])!.from[0]] : path;
    out.push({ path: p, value: yamlScalar(value, `environment ${name}`), origin: `environment ${name}` });
  }
  return out;
}

function yamlScalar(text: string, origin: string): unknown {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new PalisadeError('PALISADE_ERR_CONFIG', `${origin}: invalid value '${text}': ${doc.errors[0].message.split('\n')[0]}`);
  return doc.toJS();
}

function whereIs(path: Path, overrides: ConfigOverride[], file: FileInfo | null): string {
  // The last override that covers this path set the value.
  for (let i = overrides.length - 1; i >= 0; i--) {
    const o = canonicalPath(overrides[i].path);
    if (o.length <= path.length && o.every((k, j) => String(k) === String(path[j]))) return `${overrides[i].origin}: `;
  }
  if (file) {
    let filePath: Path = path;
    for (const [canon, alias] of file.aliased) {
      const c = canon.split('.');
      if (c.length <= path.length && c.every((k, j) => k === String(path[j]))) filePath = [...alias, ...path.slice(c.length)];
    }
    return `${file.path}:${lineOf(file.doc, file.lines, filePath)}: `;
  }
  return '';
}

/** Line of the deepest node of `path` that exists in the document (1 when none does). */
function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  for (let n = path.length; n > 0; n--) {
    const parent = n > 1 ? doc.getIn(path.slice(0, n - 1), true) : doc.contents;
    if (isMap(parent)) {
      const pair = parent.items.find((it) => (isScalar(it.key) ? it.key.value : it.key) === path[n - 1]);
      const node = (pair?.value ?? pair?.key) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    } else {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
  }
  return 1;
}

function suggest(key: string, parentPath: Path, root: Record<string, unknown>): string {
  const parent = getPath(root, parentPath as string[]);
  if (!parent || typeof parent !== 'object') return '';
  const known = Object.keys(defaultAt(parentPath) ?? {});
  const near = known.find((k) => editDistance(k, key) <= 2);
  return near ? ` (did you mean '${near}'?)` : '';
}

function defaultAt(path: Path): Record<string, unknown> | undefined {
  const v = getPath(defaultConfig() as unknown as Record<string, unknown>, path as string[]);
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyObject(v: unknown): boolean {
  return isPlainObject(v) && Object.keys(v).length === 0;
}

function deepMerge(target: Record<string, unknown>, src: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(src)) {
    if (isPlainObject(v) && isPlainObject(target[k])) deepMerge(target[k] as Record<string, unknown>, v);
    else target[k] = v;
  }
}

function getPath(obj: Record<string, unknown>, path: readonly (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k as string];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    if (!isPlainObject(cur[path[i]])) cur[path[i]] = {};
    cur = cur[path[i]] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

function deletePath(obj: Record<string, unknown>, path: readonly string[]): void {
  const parent = getPath(obj, path.slice(0, -1));
  if (isPlainObject(parent)) delete parent[path[path.length - 1]];
}
