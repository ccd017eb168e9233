// The signature rule schema: what a rule file may say, validated with zod, and the normalised
// RuleSpec the engine compiles. Field syntaxes live in fields.ts; file handling in rule-file.ts.

import { z } from 'zod';
import type { RuleMode, Severity } from '../detection.js';
import {
  FieldError,
  parseAddressList,
  parseNumCompare,
  parsePorts,
  parseTcpFlags,
  translatePattern,
  type NumCompare,
  type PortRanges,
  type TcpFlagsSpec,
  type TranslatedPattern,
} from './fields.js';

export type RuleProtocol = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'any';
export type RuleDirection = 'inbound' | 'outbound' | 'any';
export type ThresholdMode = 'limit' | 'threshold' | 'both';
export type TrackBy = 'by_src' | 'by_dst' | 'by_flow' | 'by_rule' | 'by_both';
export type SuppressTrack = 'by_src' | 'by_dst' | 'by_either';

export interface ThresholdSpec {
  mode: ThresholdMode;
  count: number;
  /** Seconds of event time. */
  window: number;
  track: TrackBy;
}

export interface DetectionFilterSpec {
  count: number;
  window: number;
  track: TrackBy;
}

export interface SuppressSpec {
  track: SuppressTrack;
  /** Normalised CIDR texts. */
  ip: string[];
}

export interface RuleSource {
  file: string;
  /** 1-based line of the rule in its file (0 when not from a file). */
  line: number;
}

/** A validated, normalised rule: plain data (no compiled objects), safe to copy and serialise. */
export interface RuleSpec {
  id: string;
  description: string;
  enabled: boolean;
  protocol: RuleProtocol;
  src_ports: PortRanges | null;
  dst_ports: PortRanges | null;
  direction: RuleDirection;
  http: boolean;
  /** The pattern as written (one regex or a list of alternatives); '' for header-only rules. */
  pattern: string | string[];
  /** The pattern translated to JavaScript; null when there is none. */
  regex: TranslatedPattern | null;
  content: string | null;
  tcp_flags: TcpFlagsSpec | null;
  icmp_type: NumCompare | null;
  icmp_code: NumCompare | null;
  dsize: NumCompare | null;
  severity: Severity;
  mode: RuleMode;
  threshold: ThresholdSpec | null;
  detection_filter: DetectionFilterSpec | null;
  suppress: SuppressSpec[];
  source: RuleSource;
}

export const RULE_ID_RE = /^[a-z0-9][a-z0-9._-]*$/;

/** Wraps a field parser so its FieldError becomes a zod issue on the same path. */
function parsed<T>(parse: (v: unknown) => T) {
  return z.unknown().transform((v, ctx): T => {
    try {
      return parse(v);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      ctx.issues.push({ code: 'custom', message: err.message, input: v, path: err.index === undefined ? [] : [err.index] });
      return z.NEVER;
    }
  });
}

const trackSchema = z.enum(['by_src', 'by_dst', 'by_flow', 'by_rule', 'by_both']);
const windowSchema = z.number().positive().max(31 * 86400);
const countSchema = z.number().int().min(1).max(1_000_000_000);

export const thresholdSchema = z.strictObject({
  mode: z.enum(['limit', 'threshold', 'both']),
  count: countSchema,
  window: windowSchema,
  track: trackSchema.default('by_src'),
});

export const detectionFilterSchema = z.strictObject({
  count: countSchema,
  window: windowSchema,
  track: trackSchema.default('by_src'),
});

const suppressSchema = z.strictObject({
  track: z.enum(['by_src', 'by_dst', 'by_either']),
  ip: parsed((v) => parseAddressList(v).map((c) => c.text)),
});

export const portsSchema = parsed(parsePorts);

const patternSchema = z.union([z.string(), z.array(z.string()).min(1)]);

export const severitySchema = z.enum(['low', 'medium', 'high', 'critical']);
export const modeSchema = z.enum(['alert', 'block']);

/** One rule as written in a file; `.default`s give the documented defaults. */
export const ruleSchema = z.strictObject({
  id: z.string().max(128).regex(RULE_ID_RE, 'must match [a-z0-9][a-z0-9._-]* (lowercase)'),
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  protocol: z.enum(['tcp', 'udp', 'icmp', 'icmpv6', 'any']).default('any'),
  src_ports: portsSchema.optional(),
  dst_ports: portsSchema.optional(),
  direction: z.enum(['inbound', 'outbound', 'any']).default('any'),
  http: z.boolean().default(false),
  pattern: patternSchema.default(''),
  content: z.string().min(1).optional(),
  tcp_flags: parsed(parseTcpFlags).optional(),
  icmp_type: parsed((v) => parseNumCompare(v, 255)).optional(),
  icmp_code: parsed((v) => parseNumCompare(v, 255)).optional(),
  dsize: parsed((v) => parseNumCompare(v, 65535)).optional(),
  severity: severitySchema.default('medium'),
  mode: modeSchema.default('alert'),
  threshold: thresholdSchema.optional(),
  detection_filter: detectionFilterSchema.optional(),
  suppress: z.array(suppressSchema).default([]),
});

export type RuleInput = z.input<typeof ruleSchema>;
type RuleParsed = z.output<typeof ruleSchema>;

/** Every key a rule may have (for "did you mean" hints). */
export const RULE_KEYS = Object.keys(ruleSchema.shape);

/** A problem found after the schema passed: which field, and why. */
export interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks that fields make sense together and builds the RuleSpec. Returns the problems instead of
 * throwing so the loader can point at the offending field's line.
 */
export function finishRule(r: RuleParsed, source: RuleSource): { spec: RuleSpec | null; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const p = r.protocol;
  const hasPorts = r.src_ports != null || r.dst_ports != null;
  if (hasPorts && p !== 'tcp' && p !== 'udp' && p !== 'any') {
    problems.push({ path: [r.dst_ports != null ? 'dst_ports' : 'src_ports'], message: `ports apply to tcp and udp only, not ${p}` });
  }
  if (r.http && p !== 'tcp' && p !== 'any') problems.push({ path: ['http'], message: `HTTP rules need protocol tcp (or any), not ${p}` });
  if (r.tcp_flags !== undefined && p !== 'tcp') problems.push({ path: ['tcp_flags'], message: 'tcp_flags needs protocol: tcp' });
  if (r.icmp_type !== undefined && p !== 'icmp' && p !== 'icmpv6') problems.push({ path: ['icmp_type'], message: 'icmp_type needs protocol: icmp or icmpv6' });
  if (r.icmp_code !== undefined && p !== 'icmp' && p !== 'icmpv6') problems.push({ path: ['icmp_code'], message: 'icmp_code needs protocol: icmp or icmpv6' });
  let regex: TranslatedPattern | null = null;
  try {
    regex = translatePattern(r.pattern);
  } catch (err) {
    if (!(err instanceof FieldError)) throw err;
    problems.push({ path: err.index === undefined ? ['pattern'] : ['pattern', err.index], message: err.message });
  }
  if (problems.length > 0) return { spec: null, problems };
  return {
    spec: {
      id: r.id,
      description: r.description ?? r.id,
      enabled: r.enabled,
      protocol: r.http && p === 'any' ? 'tcp' : p,
      src_ports: r.src_ports ?? null,
      dst_ports: r.dst_ports ?? null,
      direction: r.direction,
      http: r.http,
      pattern: r.pattern,
      regex,
      content: r.content ?? null,
      tcp_flags: r.tcp_flags ?? null,
      icmp_type: r.icmp_type ?? null,
      icmp_code: r.icmp_code ?? null,
      dsize: r.dsize ?? null,
      severity: r.severity,
      mode: r.mode,
      threshold: r.threshold ?? null,
      detection_filter: r.detection_filter ?? null,
      suppress: r.suppress,
      source,
    },
    problems,
  };
}

/** What a config file may override per rule. */
export const overrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  mode: modeSchema.optional(),
  severity: severitySchema.optional(),
  threshold: thresholdSchema.nullable().optional(),
  dst_ports: portsSchema.optional(),
  src_ports: portsSchema.optional(),
});

export type RuleOverride = z.input<typeof overrideSchema>;
