// Signature rules: YAML rule files, HTTP-aware payload matching, Suricata threshold semantics.

export { SignatureEngine, MATCH_EVIDENCE_MAX, type SignatureEngineOptions, type RuleSummary } from './engine.js';
export { loadRuleFile, loadRuleFiles, parseRules, defaultRulesPath, applyOverrides, assertUniqueIds } from './rule-file.js';
export type {
  RuleSpec,
  RuleSource,
  RuleProtocol,
  RuleDirection,
  ThresholdSpec,
  ThresholdMode,
  DetectionFilterSpec,
  SuppressSpec,
  SuppressTrack,
  TrackBy,
  RuleOverride,
  RuleInput,
} from './rule-schema.js';
export { isHttpRequest, httpSubject, urlDecodeTarget, HTTP_SUBJECT_CAP, HTTP_DECODE_ROUNDS } from './http.js';
export { DEFAULT_MAX_TRACKED_KEYS } from './threshold.js';
export { FieldError, parsePorts, parseTcpFlags, parseNumCompare, tcpFlagsMatch, translatePattern, portRangesText } from './fields.js';
