export { XdpEnforcer, type XdpEnforcerOptions } from './enforcer.js';
export { XdpPlanner, xdpMapFor, type XdpOps } from './planner.js';
