// Default settings. Thresholds are chosen so that none of the normal captures in the public
// corpus alerts while the real scans and floods there do; docs/configuration.md explains each.

import type { DetectSettings } from '../detect/settings.js';

export interface PolicySettings {
  /** Detections from one source before it would be blocked even by alert-mode rules (seed 002). */
  auto_blacklist_threshold: number;
  /** Addresses/CIDRs never blocked (loopback is always added). */
  whitelist: string[];
}

export interface SignatureSettings {
  /** Load the shipped rules/default.yaml. */
  default_rules: boolean;
  /** Extra rule files. */
  files: string[];
  /** Per-rule changes by id: enabled, mode, severity, threshold, dst_ports, src_ports. */
  overrides: Record<string, Record<string, unknown>>;
}

export interface Config {
  /** Networks that are "ours": decides inbound/outbound for rules with a direction. */
  home_net: string[];
  detect: DetectSettings;
  signatures: SignatureSettings;
  policy: PolicySettings;
}

export function defaultConfig(): Config {
  return {
    home_net: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fe80::/10'],
    detect: {
      cooldown: 60,
      max_sources: 65536,
      max_destinations: 4096,
      handshake_slots: 65536,
      icmp_flood: { enabled: true, mode: 'block', severity: 'high', threshold: 100, window: 1 },
      udp_flood: { enabled: true, mode: 'block', severity: 'high', threshold: 1000, window: 1 },
      syn_flood: {
        enabled: true,
        mode: 'block',
        severity: 'high',
        threshold: 100,
        window: 5,
        per_destination: { enabled: true, threshold: 1000, min_sources: 100, window: 10 },
        global: { enabled: true, threshold: 100, min_destinations: 50, window: 1 },
      },
      port_scan: { enabled: true, mode: 'block', severity: 'high', threshold: 20, window: 60 },
      tcp_null_scan: { enabled: true, mode: 'block', severity: 'high' },
      tcp_fin_scan: { enabled: true, mode: 'block', severity: 'high' },
      tcp_xmas_scan: { enabled: true, mode: 'block', severity: 'high' },
      tcp_invalid_flags: { enabled: true, mode: 'block', severity: 'medium' },
    },
    signatures: { default_rules: true, files: [], overrides: {} },
    policy: { auto_blacklist_threshold: 5, whitelist: [] },
  };
}
