// What the decide stage hands to enforce and record: block and unblock decisions about one
// address or network. Targets are canonical text: "203.0.113.7", "2001:db8::1", "198.51.100.0/24",
// "2001:db8:1::/48" (a single address never carries /32 or /128).

export type DecisionKind = 'block' | 'unblock';

/** Who asked: a detection, an operator (CLI/API), a country subnet injection, or TTL expiry. */
export type DecisionOrigin = 'auto' | 'manual' | 'subnet' | 'expiry';

export interface Decision {
  kind: DecisionKind;
  target: string;
  family: 4 | 6;
  /** True for a CIDR wider than one address (goes to the network sets). */
  network: boolean;
  /** Block lifetime in seconds, 0 = permanent (blocks only). */
  ttl: number;
  /** Wall-clock expiry, seconds since the epoch; null = permanent or an unblock. */
  expiresAt: number | null;
  /** Rule that caused it ("ssh-bruteforce", "manual", "subnet-injection", ...). */
  rule: string;
  /** One sentence a user reads in `palisade blacklist` and the action log. */
  reason: string;
  origin: DecisionOrigin;
  /** Subnet injection: the blocked address that brought this network in. */
  parent: string | null;
  /** Detections of the source when decided (0 for manual). */
  detections: number;
  country: string | null;
  /** Wall-clock time of the decision, seconds since the epoch. */
  at: number;
}

/** One active block as enforce needs it. */
export interface BlockEntry {
  target: string;
  family: 4 | 6;
  network: boolean;
  /** Wall-clock expiry (seconds since the epoch), null = permanent. */
  expiresAt: number | null;
}
