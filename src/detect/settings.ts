// Settings of the stateful detectors, as the config stage resolves them (defaults in
// src/config/defaults.ts). Every window is in seconds of event time.

import type { RuleMode, Severity } from './detection.js';

export interface RuleSettings {
  enabled: boolean;
  mode: RuleMode;
  severity: Severity;
}

export interface RateRuleSettings extends RuleSettings {
  /** Packets per second that must be reached. */
  threshold: number;
  /** Averaging window, seconds. */
  window: number;
}

export interface SynFloodSettings extends RuleSettings {
  /** Half-open connections from one source within `window` seconds. */
  threshold: number;
  window: number;
  per_destination: {
    enabled: boolean;
    /** Half-open connections to one address:port within `window`. */
    threshold: number;
    /** Distinct sources needed before the flood is called spoofed/distributed. */
    min_sources: number;
    window: number;
  };
  global: {
    enabled: boolean;
    /** Half-open connections across all targets within `window`. */
    threshold: number;
    /** Distinct destinations needed (random-destination floods that no single target sees). */
    min_destinations: number;
    window: number;
  };
}

export interface PortScanSettings extends RuleSettings {
  /** Distinct destination ports probed by one source within `window`. */
  threshold: number;
  window: number;
}

export interface DetectSettings {
  /** Seconds without the condition before the same rule alerts again for the same key. */
  cooldown: number;
  /** Cap on per-source state entries (oldest evicted). */
  max_sources: number;
  /** Cap on per-destination flood state entries. */
  max_destinations: number;
  /** Pending-handshake slots for half-open tracking. */
  handshake_slots: number;
  icmp_flood: RateRuleSettings;
  udp_flood: RateRuleSettings;
  syn_flood: SynFloodSettings;
  port_scan: PortScanSettings;
  tcp_null_scan: RuleSettings;
  tcp_fin_scan: RuleSettings;
  tcp_xmas_scan: RuleSettings;
  tcp_invalid_flags: RuleSettings;
  ssh_bruteforce: SshBruteforceSettings;
  /** Connection events (sock_trace): handshakes left half-open by one remote. */
  tcp_half_open: RateRuleSettings;
  /** Connection events: distinct closed ports a remote drew resets from. */
  tcp_reset_scan: RateRuleSettings;
  /** Connection events: resets received from one remote. */
  tcp_reset_storm: RateRuleSettings;
}

export interface SshBruteforceSettings extends RuleSettings {
  /** Failed authentications from one source within `time_window_sec` (seed 000 names). */
  fail_threshold: number;
  time_window_sec: number;
}
