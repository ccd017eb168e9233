export { NftablesEnforcer, type NftablesOptions } from './enforcer.js';
export { NftablesCommands, NFT_SETS, NFT_MAX_TIMEOUT, type NftablesLayout } from './commands.js';
export type { DropCounters } from './listing.js';
