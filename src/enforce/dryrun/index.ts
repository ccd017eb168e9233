export { DryRunEnforcer, type DryRunOptions } from './enforcer.js';
