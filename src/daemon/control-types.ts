// What the daemon answers on its control socket; the CLI renders these, the REST API will serve them.

export interface SourceStatus {
  kind: 'auth-log' | 'access-log' | 'journald';
  /** File path or "journald (units)". */
  name: string;
  /** e.g. "following", "waiting for file", "unavailable: journalctl not found". */
  state: string;
  lines: number;
  detail?: Record<string, unknown>;
}

export interface StatusReport {
  version: string;
  pid: number;
  started_at: string;
  uptime_s: number;
  state_dir: string;
  config_file: string | null;
  /** The DESIGN.md fallback row in effect, and why. */
  row: { environment: string; packet_source: string; enforcement: string; host_events: string };
  why: string[];
  enforcer: { backend: string; dry_run: boolean; dry_run_origin: 'config' | 'runtime'; why: string };
  sources: SourceStatus[];
  /** Live packet sources (XDP ring buffer, libpcap, NFQUEUE) with their packet and loss counts. */
  packet_sources: { kind: string; name: string; packets: number; lost: number; dropped: number; problem: string | null }[];
  /** Connection tracing (tracepoints), or why it is off; null when not configured. */
  sock_trace: { name: string; problem: string | null; events?: number; lost?: number } | null;
  counts: {
    lines: number;
    alerts: number;
    blocks_active: number;
    decisions: number;
    whitelisted_skips: number;
    blocks_refused_capacity: number;
  };
  last_reload: { at: string; ok: boolean; message: string } | null;
}

export interface BlacklistRow {
  target: string;
  family: 4 | 6;
  network: boolean;
  expires_at: number | null;
  rule: string;
  reason: string;
  origin: string;
  parent: string | null;
  country: string | null;
  since: number;
}

export interface WhitelistRow {
  cidr: string;
  why: string;
  removable: boolean;
}

export interface AlertRow {
  timestamp: string;
  rule_id: string;
  severity: string;
  action: string;
  src: string | null;
  dst: string | null;
  dport: number | null;
  reason: string;
  origin?: string;
}

export interface ChangeResult {
  /** What was decided ("blocked 203.0.113.7 for 3600 s", ...). */
  message: string;
  commands: string[];
  executed: boolean;
  dry_run: boolean;
}
