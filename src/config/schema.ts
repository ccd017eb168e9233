// The config schema (zod, strict: an unknown key is an error, so a typo never goes unnoticed).
// Values are validated after defaults are merged in, so every field is required here.

import { z } from 'zod';
import { parseCidr } from '../decode/ip-addr.js';

const severity = z.enum(['low', 'medium', 'high', 'critical']);
const mode = z.enum(['alert', 'block']);
const positive = z.number().positive();
const count = z.number().int().min(1);
const cidr = z.string().refine((s) => parseCidr(s) !== null, { message: 'not an IPv4/IPv6 address or CIDR' });

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
      })
      .strict(),
  })
  .strict();
