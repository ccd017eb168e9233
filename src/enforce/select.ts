// Chooses the enforce backend from the config and from what works on this host, and says which
// row of DESIGN.md's fallback table is active and why (for `palisade status`). Probing only
// reads or checks (`nft --check`, `ipset list -n`, `iptables -S`): it never changes the firewall.
// The xdp backend is the exception that proves it works by doing: its guard is loaded (the kernel
// verifier checks it) and attached with empty maps, which pass every packet; when that fails, the
// reason is kept and nftables (else iptables+ipset) takes over.

import type { EnforceSettings } from '../config/defaults.js';
import { DryRunEnforcer } from './dryrun/enforcer.js';
import type { Enforcer } from './enforcer.js';
import { IpsetEnforcer } from './ipset/enforcer.js';
import { NftablesEnforcer } from './nftables/enforcer.js';
import type { CommandFormat } from './planner.js';
import { XdpEnforcer } from './xdp/enforcer.js';
import { bpfUnavailable } from '../kernel/bpf.js';

export interface SelectEnv {
  /** Effective uid (default process.geteuid()). */
  uid?: number;
  /** Default process.platform. */
  platform?: string;
  /** Run probes and the chosen backend inside this network namespace (tests). */
  netns?: string;
  /** PATH for the tools (tests take a tool away with it). */
  path?: string;
  now?: () => number;
  /** The XDP guard's object file (tests point to a missing one). */
  xdpObject?: string;
}

export type SelectSettings = EnforceSettings & {
  maxElements: number;
  /** sources.packets.interfaces: the xdp backend's interfaces when enforce.xdp_interfaces is empty. */
  packetInterfaces?: readonly string[];
};

export interface Selection {
  enforcer: Enforcer;
  /** DESIGN.md fallback-table row, e.g. "Linux, root, no BPF: nftables". */
  row: string;
  why: string;
}

const ROOT_ROW = 'Linux, root, no BPF';
const BPF_ROW = 'Linux, root, BPF';

/** The interfaces the xdp backend guards: enforce.xdp_interfaces, else sources.packets.interfaces. */
export function xdpInterfaces(settings: SelectSettings): string[] {
  return [...(settings.xdp_interfaces.length > 0 ? settings.xdp_interfaces : (settings.packetInterfaces ?? []))];
}

export async function selectEnforcer(settings: SelectSettings, env: SelectEnv = {}): Promise<Selection> {
  const platform = env.platform ?? process.platform;
  const uid = env.uid ?? (typeof process.geteuid === 'function' ? process.geteuid() : -1);
  const common = { table: settings.table, forward: settings.forward, netns: env.netns, path: env.path, now: env.now };
  const interfaces = xdpInterfaces(settings);
  const dryRun = (format: CommandFormat) =>
    format === 'xdp'
      ? // Map changes are not commands run in a namespace: no `ip netns exec` prefix.
        new DryRunEnforcer({ ...common, netns: undefined, format, interfaces, xdpMode: settings.xdp_mode, maxElements: settings.maxElements })
      : new DryRunEnforcer({ ...common, format, maxElements: settings.maxElements });
  const requested: CommandFormat = settings.backend === 'iptables' ? 'iptables' : settings.backend === 'xdp' ? 'xdp' : 'nftables';

  if (platform !== 'linux') {
    return { enforcer: dryRun(requested), row: 'anywhere: dry-run', why: `not Linux (${platform}): there is no kernel firewall to drive` };
  }
  if (uid !== 0) {
    const also = settings.dry_run ? ' (dry_run is on as well)' : '';
    return { enforcer: dryRun(requested), row: 'Linux, not root: dry-run', why: `not root: commands are logged, not run${also}` };
  }
  if (settings.backend === 'dry-run') {
    return { enforcer: dryRun('nftables'), row: `${ROOT_ROW}: dry-run`, why: 'enforce.backend is dry-run: commands are logged, not run' };
  }
  if (settings.dry_run) {
    if (requested === 'xdp') {
      const noBpf = bpfUnavailable();
      return {
        enforcer: dryRun('xdp'),
        row: `${noBpf === null ? BPF_ROW : ROOT_ROW}: dry-run (xdp map changes)`,
        why: `dry_run is on: map changes are logged, not made${noBpf === null ? '' : ` (and BPF is unavailable: ${noBpf})`}`,
      };
    }
    return {
      enforcer: dryRun(requested),
      row: `${ROOT_ROW}: dry-run (${requested === 'nftables' ? 'nftables' : 'iptables+ipset'} commands)`,
      why: 'dry_run is on: commands are logged, not run',
    };
  }

  const nftWhyNot = () => NftablesEnforcer.probe(common);
  const ipsetWhyNot = () => IpsetEnforcer.probe(common);
  const nft = () => new NftablesEnforcer(common);
  const ipset = () => new IpsetEnforcer({ ...common, maxElements: settings.maxElements });

  if (requested === 'xdp') {
    let xdpErr: string;
    if (env.netns !== undefined) {
      xdpErr = `the guard attaches in this process's network namespace, not inside ${env.netns}`;
    } else {
      try {
        const x = XdpEnforcer.open({ interfaces, mode: settings.xdp_mode, maxBlocks: settings.maxElements, objectPath: env.xdpObject, now: env.now });
        const where = Object.entries(x.modes())
          .map(([i, m]) => `${i} (${m})`)
          .join(', ');
        return { enforcer: x, row: `${BPF_ROW}: XDP maps`, why: `xdp requested; the XDP guard is attached to ${where}` };
      } catch (err) {
        xdpErr = (err as Error).message;
      }
    }
    const nftErr = await nftWhyNot();
    if (nftErr === null) return { enforcer: nft(), row: `${ROOT_ROW}: nftables`, why: `xdp requested but the XDP guard cannot run here (${xdpErr}); nft works` };
    const ipErr = await ipsetWhyNot();
    if (ipErr === null) {
      return { enforcer: ipset(), row: `${ROOT_ROW}: iptables+ipset`, why: `xdp requested but the XDP guard cannot run here (${xdpErr}) and nft is unusable (${nftErr}); iptables and ipset work` };
    }
    return {
      enforcer: dryRun('nftables'),
      row: `${ROOT_ROW}: dry-run`,
      why: `nothing can enforce here: the XDP guard cannot run (${xdpErr}), nft is unusable (${nftErr}) and so is iptables+ipset (${ipErr})`,
    };
  }

  if (requested === 'nftables') {
    const nftErr = await nftWhyNot();
    if (nftErr === null) return { enforcer: nft(), row: `${ROOT_ROW}: nftables`, why: 'nftables requested; nft accepts Palisade\'s table here (nft --check)' };
    const ipErr = await ipsetWhyNot();
    if (ipErr === null) {
      return { enforcer: ipset(), row: `${ROOT_ROW}: iptables+ipset`, why: `nftables requested but nft is unusable (${nftErr}); iptables and ipset work` };
    }
    return {
      enforcer: dryRun('nftables'),
      row: `${ROOT_ROW}: dry-run`,
      why: `nothing can enforce here: nft is unusable (${nftErr}) and so is iptables+ipset (${ipErr})`,
    };
  }
  const ipErr = await ipsetWhyNot();
  if (ipErr === null) return { enforcer: ipset(), row: `${ROOT_ROW}: iptables+ipset`, why: 'iptables requested; iptables, ip6tables and ipset work here' };
  const nftErr = await nftWhyNot();
  if (nftErr === null) {
    return { enforcer: nft(), row: `${ROOT_ROW}: nftables`, why: `iptables requested but iptables+ipset is unusable (${ipErr}); nft works` };
  }
  return {
    enforcer: dryRun('iptables'),
    row: `${ROOT_ROW}: dry-run`,
    why: `nothing can enforce here: iptables+ipset is unusable (${ipErr}) and so is nft (${nftErr})`,
  };
}
