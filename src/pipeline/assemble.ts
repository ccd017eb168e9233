// Builds the detect and decide stages from a resolved config. Shared by every mode (analyze,
// replay, and later the daemon) so the same config gives the same detectors everywhere.

import { AddrSet, parseCidr } from '../decode/ip-addr.js';
import type { Config } from '../config/defaults.js';
import type { DetectionSink } from '../detect/detection.js';
import { DetectEngine } from '../detect/engine.js';
import { applyOverrides, defaultRulesPath, loadRuleFile, SignatureEngine, type RuleSpec } from '../detect/signatures/index.js';
import { OfflinePolicy } from '../decide/offline-policy.js';

export interface Stages {
  detect: DetectEngine;
  signatures: SignatureEngine;
  policy: OfflinePolicy;
  rules: RuleSpec[];
}

/** Loads the signature rules the config names (default set first, then files, then overrides). */
export function loadRules(config: Config): RuleSpec[] {
  const specs: RuleSpec[] = [];
  if (config.signatures.default_rules) specs.push(...loadRuleFile(defaultRulesPath()));
  for (const f of config.signatures.files) specs.push(...loadRuleFile(f));
  return applyOverrides(specs, config.signatures.overrides as never);
}

/** The signature engine for the config's rules and home_net. */
export function buildSignatures(config: Config, rules: RuleSpec[] = loadRules(config)): SignatureEngine {
  const homeNet = new AddrSet(config.home_net.map((t) => parseCidr(t)!));
  return new SignatureEngine(rules, { homeNet });
}

export function assemble(config: Config, sink: DetectionSink): Stages {
  const rules = loadRules(config);
  const signatures = buildSignatures(config, rules);
  const detect = new DetectEngine(config.detect, sink, [signatures]);
  const policy = new OfflinePolicy(config.policy);
  return { detect, signatures, policy, rules };
}
