// Default settings. Thresholds are chosen so that none of the normal captures in the public
// corpus alerts while the real scans and floods there do; docs/configuration.md explains each.

import type { DetectSettings } from '../detect/settings.js';

export interface PolicySettings {
  /** Detections from one source before it would be blocked even by alert-mode rules (seed 002). */
  auto_blacklist_threshold: number;
  /** Addresses/CIDRs never blocked (loopback, the host's own addresses and the SSH client that
   * started the daemon are always added). */
  whitelist: string[];
  /** Seconds a block lasts; 0 = permanent (seed 002 blacklist_ttl). */
  blacklist_ttl: number;
  /** Each repeat block of the same source lasts this many times longer than the previous (1 = off). */
  repeat_multiplier: number;
  /** Upper bound of a multiplied TTL in seconds (0 = none). */
  max_ttl: number;
  /** Per-country auto_blacklist_threshold (ISO 3166 alpha-2 code -> detections). */
  country_thresholds: Record<string, number>;
  /** A GeoLite2/DB-IP country mmdb file; empty = the DB-IP Lite database shipped from npm. */
  geoip_db: string;
  /** Also block the /24 (IPv4) or /48 (IPv6) of a blocked source from a listed country. */
  subnet_injection: boolean;
  /** Block the whole /64 of an IPv6 source instead of the single address. */
  ipv6_aggregate: boolean;
  /** Most blocks at once (addresses and networks); further blocks are refused and counted. */
  max_blocks: number;
}

export interface SourceSettings {
  /** Auth log files to follow (missing files are reported in status, not an error). */
  auth_logs: string[];
  /** Follow the journal (journalctl -f -o json) for the sshd units: auto = when no auth log is readable. */
  journald: boolean | 'auto';
  /** systemd units whose journal lines are read. */
  journald_units: string[];
  /** Web access logs (nginx/apache combined format). */
  access_logs: string[];
  /** On the first start, read existing files from the beginning instead of the end. */
  from_start: boolean;
  /** Passive packet capture (palisade monitor, and the daemon with --iface). */
  packets: PacketSourceSettings;
  /** Inline NFQUEUE verdicts (palisade live, and the daemon). */
  nfqueue: NfqueueSettings;
  /** Connection events from the sock/inet_sock_set_state tracepoint: auto = when BPF works. */
  sock_trace: boolean | 'auto';
}

export type CaptureMethod = 'auto' | 'xdp' | 'pcap';

export interface PacketSourceSettings {
  /** Interfaces watched passively (also --iface). */
  interfaces: string[];
  /** auto = the XDP guard's ring buffer when BPF works, else libpcap. */
  capture: CaptureMethod;
  /** XDP: hand every Nth packet to the engine (1 = all, 0 = none; drops by the guard are never sampled). */
  sample_rate: number;
  /** Bytes of each packet (from the start of the frame) handed to the engine. */
  snaplen: number;
  /** libpcap capture filter (tcpdump syntax); empty = everything. */
  pcap_filter: string;
}

export interface NfqueueSettings {
  /** Read verdicts from this queue in the daemon (palisade live takes --queue). */
  enabled: boolean;
  queue: number;
  /** Accept packets when Palisade is gone or its queue is full (false = drop them: fail-closed). */
  fail_open: boolean;
  /** Bytes of each packet copied to Palisade. */
  copy_range: number;
  /** Packets the kernel holds for Palisade before the fail-open/closed rule applies. */
  max_len: number;
}

export type EnforceBackend = 'nftables' | 'iptables' | 'xdp' | 'dry-run';
export type XdpMode = 'auto' | 'native' | 'generic';

export interface EnforceSettings {
  /** Kernel backend: nftables (default), iptables + ipset (fallback), xdp (drop in the XDP guard), or dry-run. */
  backend: EnforceBackend;
  /** xdp backend: interfaces to guard (empty = sources.packets.interfaces). */
  xdp_interfaces: string[];
  /** xdp backend: attach mode; auto = native, falling back to generic. */
  xdp_mode: XdpMode;
  /** Log the exact commands instead of running them (seed 000: on until the user turns it off). */
  dry_run: boolean;
  /** Name of Palisade's own nftables table / prefix of its ipsets and chains. */
  table: string;
  /** Also drop forwarded traffic (containers and hosts behind this one). */
  forward: boolean;
  /** Cut a blocked source's established connections (conntrack -D). */
  kill_connections: boolean;
  /** Seconds between checks that the kernel still holds exactly the blocks of the store (0 = off). */
  drift_check_interval: number;
  /** Remove Palisade's table/chains/sets on a clean stop (blocks come back from the store at start). */
  remove_on_stop: boolean;
}

export interface RecordSettings {
  /** Days of alerts, actions and lifted decisions kept in the store and JSONL files (0 = forever). */
  retention_days: number;
  /** Write alerts.jsonl / actions.jsonl in the state directory. */
  alerts_jsonl: boolean;
  actions_jsonl: boolean;
}

export interface DaemonSettings {
  /** Every file the daemon writes (store, JSONL logs, pid file, control socket) is under here. */
  state_dir: string;
  /** Structured (JSON) log file; empty = standard error. */
  log_file: string;
  log_level: 'debug' | 'info' | 'warn' | 'error';
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
  sources: SourceSettings;
  enforce: EnforceSettings;
  record: RecordSettings;
  daemon: DaemonSettings;
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
      tcp_half_open: { enabled: true, mode: 'block', severity: 'high', threshold: 20, window: 10 },
      tcp_reset_scan: { enabled: true, mode: 'block', severity: 'high', threshold: 20, window: 60 },
      tcp_reset_storm: { enabled: true, mode: 'alert', severity: 'medium', threshold: 100, window: 10 },
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
      ssh_bruteforce: { enabled: true, mode: 'block', severity: 'high', fail_threshold: 5, time_window_sec: 300 },
    },
    signatures: { default_rules: true, files: [], overrides: {} },
    policy: {
      auto_blacklist_threshold: 5,
      whitelist: [],
      blacklist_ttl: 3600,
      repeat_multiplier: 1,
      max_ttl: 0,
      country_thresholds: {},
      geoip_db: '',
      subnet_injection: true,
      ipv6_aggregate: false,
      max_blocks: 100_000,
    },
    sources: {
      auth_logs: ['/var/log/auth.log', '/var/log/secure'],
      journald: 'auto',
      journald_units: ['ssh.service', 'sshd.service'],
      access_logs: [],
      from_start: false,
      packets: { interfaces: [], capture: 'auto', sample_rate: 1, snaplen: 256, pcap_filter: '' },
      nfqueue: { enabled: false, queue: 0, fail_open: true, copy_range: 4096, max_len: 8192 },
      sock_trace: 'auto',
    },
    enforce: {
      backend: 'nftables',
      xdp_interfaces: [],
      xdp_mode: 'auto',
      dry_run: true,
      table: 'palisade',
      forward: true,
      kill_connections: false,
      drift_check_interval: 60,
      remove_on_stop: true,
    },
    record: { retention_days: 30, alerts_jsonl: true, actions_jsonl: true },
    daemon: { state_dir: '/var/lib/palisade', log_file: '', log_level: 'info' },
  };
}
