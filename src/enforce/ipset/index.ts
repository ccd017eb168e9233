export { IpsetEnforcer, type IpsetOptions } from './enforcer.js';
export { IpsetCommands, IPSET_MAX_TIMEOUT, type IpsetLayout } from './commands.js';
