// The enforce stage: backends keeping the kernel's blocked addresses equal to the decision store.
export type { BackendName, DriftReport, EnforceResult, Enforcer } from './enforcer.js';
export { NftablesEnforcer, type NftablesOptions } from './nftables/index.js';
export { IpsetEnforcer, type IpsetOptions } from './ipset/index.js';
export { DryRunEnforcer, type DryRunOptions } from './dryrun/index.js';
export { XdpEnforcer, type XdpEnforcerOptions } from './xdp/index.js';
export { killConnections, type KillResult } from './conntrack.js';
export { selectEnforcer, type Selection, type SelectEnv } from './select.js';
export type { CommandFormat } from './planner.js';
