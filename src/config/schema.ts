// The config schema (zod, strict: an unknown key is an error, so a typo never goes unnoticed).
// Values are validated after defaults are merged in, so every field is required here.

import { z } from 'zod';
import { parseCidr } from '../decode/ip-addr.js';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const mode = z.enum(['alert', 'block']);
const positive = z.number().positive();
const count = z.number().int().min(1);
const cidr = z.string().refine((s) => parseCidr(s) !== null, { message: 'not an IPv4/IPv6 address or CIDR' });
// Linux interface names: at most 15 bytes, no '/', whitespace or ':' (IFNAMSIZ and dev_valid_name()).
const ifaceName = z.string().regex(/^[A-Za-z0-9_.@-]{1,15}$/, 'not a network interface name (1-15 letters, digits, _ . @ -)');

const rule = { enabled: z.boolean(), mode, severity };
const rateRule = z.object({ ...rule, threshold: positive, window: positive }).strict();

export const configSchema = z
  .object({
    home_net: z.array(cidr),
    detect: z
      .object({
        cooldown: z.number().min(0),
        max_sources: count,
        max_destinations: count,
        handshake_slots: count,
        icmp_flood: rateRule,
        tcp_half_open: rateRule,
        tcp_reset_scan: rateRule,
        tcp_reset_storm: rateRule,
        udp_flood: rateRule,
        syn_flood: z
          .object({
            ...rule,
            threshold: count,
            window: positive,
            per_destination: z.object({ enabled: z.boolean(), threshold: count, min_sources: count, window: positive }).strict(),
            global: z.object({ enabled: z.boolean(), threshold: count, min_destinations: count, window: positive }).strict(),
          })
          .strict(),
        port_scan: z.object({ ...rule, threshold: count, window: positive }).strict(),
        tcp_null_scan: z.object(rule).strict(),
        tcp_fin_scan: z.object(rule).strict(),
        tcp_xmas_scan: z.object(rule).strict(),
        tcp_invalid_flags: z.object(rule).strict(),
        ssh_bruteforce: z.object({ ...rule, fail_threshold: count, time_window_sec: positive }).strict(),
      })
      .strict(),
    signatures: z
      .object({
        default_rules: z.boolean(),
        files: z.array(z.string().min(1)),
        overrides: z.record(z.string(), z.record(z.string(), z.unknown())),
      })
      .strict(),
    policy: z
      .object({
        auto_blacklist_threshold: count,
        whitelist: z.array(cidr),
        blacklist_ttl: z.number().int().min(0),
        repeat_multiplier: z.number().min(1),
        max_ttl: z.number().int().min(0),
        country_thresholds: z.record(z.string().regex(/^[A-Z]{2}$/, 'country codes are two capital letters (ISO 3166), e.g. RU'), count),
        geoip_db: z.string(),
        subnet_injection: z.boolean(),
        ipv6_aggregate: z.boolean(),
        max_blocks: count,
      })
      .strict(),
    sources: z
      .object({
        auth_logs: z.array(z.string().min(1)),
        journald: z.union([z.boolean(), z.literal('auto')]),
        journald_units: z.array(z.string().regex(/^[\w@.:-]+$/, 'not a systemd unit name')),
        access_logs: z.array(z.string().min(1)),
        from_start: z.boolean(),
        packets: z
          .object({
            interfaces: z.array(ifaceName),
            capture: z.enum(['auto', 'xdp', 'pcap']),
            sample_rate: z.number().int().min(0),
            snaplen: z.number().int().min(64).max(65535),
            pcap_filter: z.string(),
          })
          .strict(),
        nfqueue: z
          .object({
            enabled: z.boolean(),
            queue: z.number().int().min(0).max(65535),
            fail_open: z.boolean(),
            copy_range: z.number().int().min(64).max(65535),
            max_len: z.number().int().min(1),
          })
          .strict(),
        sock_trace: z.union([z.boolean(), z.literal('auto')]),
      })
      .strict(),
    enforce: z
      .object({
        backend: z.enum(['nftables', 'iptables', 'xdp', 'dry-run']),
        xdp_interfaces: z.array(ifaceName),
        xdp_mode: z.enum(['auto', 'native', 'generic']),
        dry_run: z.boolean(),
        table: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, 'lower-case letters, digits and _, at most 16, starting with a letter'),
        forward: z.boolean(),
        kill_connections: z.boolean(),
        drift_check_interval: z.number().min(0),
        remove_on_stop: z.boolean(),
      })
      .strict(),
    record: z
      .object({ retention_days: z.number().min(0), alerts_jsonl: z.boolean(), actions_jsonl: z.boolean() })
      .strict(),
    daemon: z
      .object({
        state_dir: z.string().min(1),
        log_file: z.string(),
        log_level: z.enum(['debug', 'info', 'warn', 'error']),
      })
      .strict(),
  })
  .strict();
