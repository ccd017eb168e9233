// Cuts a blocked source's tracked connections (config enforce.kill_connections): a drop rule
// stops new packets, but a firewall that accepts "established" traffic before Palisade's chain
// would keep an open session alive until its conntrack entry is gone.

import { parseCidr } from '../decode/ip-addr.js';
import { PalisadeError } from '../errors.js';
import { showArgv } from './plan.js';
import { describeFailure, runCommand } from './run.js';

export interface KillResult {
  /** Exact command text, as for the action log. */
  command: string;
  /** Flow entries deleted. */
  count: number;
  /** One-line failure, or null ("0 flow entries" is not a failure). */
  error: string | null;
}

/**
 * `conntrack -D -f ipv4|ipv6 -s <target>`: deletes the entries whose original source is the
 * target (an address, or a network in CIDR form). Throws PALISADE_ERR_ENFORCE_TARGET for a bad
 * target before anything runs.
 */
export async function killConnections(target: string, opts: { netns?: string; path?: string } = {}): Promise<KillResult> {
  const c = parseCidr(String(target).trim());
  if (!c) throw new PalisadeError('PALISADE_ERR_ENFORCE_TARGET', `conntrack: '${String(target)}' is not an IPv4/IPv6 address or CIDR; nothing was run`);
  const argv = ['conntrack', '-D', '-f', c.version === 4 ? 'ipv4' : 'ipv6', '-s', c.text];
  const command = showArgv(argv, opts.netns);
  const out = await runCommand(argv, opts);
  const m = /(\d+) flow entr(?:y|ies) ha(?:s|ve) been deleted/.exec(out.stderr + out.stdout);
  const count = m ? Number(m[1]) : 0;
  // conntrack exits 1 when nothing matched; that is the normal case for a fresh block.
  if (out.code === 0 || (m && count === 0)) return { command, count, error: null };
  return { command, count, error: describeFailure(argv, out, opts.netns) };
}
