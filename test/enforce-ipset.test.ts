// iptables + ipset backend against the kernel, in namespaces this test creates and deletes.

import { IpsetEnforcer } from '../src/enforce/ipset/index.js';
import { enforcerSuite, firewallSnapshot } from './support/enforce-suite.js';
import type { Lab } from './support/netns-lab.js';
import { nsExec, nsRun } from './support/ns.js';

const setOf = (t: string) => `palisade-${t.includes('/') ? (t.includes(':') ? 'v6net' : 'v4net') : t.includes(':') ? 'v6' : 'v4'}`;

function dropChain(lab: Lab): void {
  for (const tool of ['iptables', 'ip6tables']) {
    nsExec(lab.victim, [tool, '-w', '-D', 'INPUT', '-j', 'PALISADE']);
    nsExec(lab.victim, [tool, '-w', '-D', 'FORWARD', '-j', 'PALISADE']);
    nsExec(lab.victim, [tool, '-w', '-F', 'PALISADE']);
    nsExec(lab.victim, [tool, '-w', '-X', 'PALISADE']);
  }
}

enforcerSuite({
  kind: 'iptables',
  tools: ['ip', 'nft', 'ipset', 'iptables', 'ip6tables', 'iptables-restore', 'ip6tables-restore', 'iptables-save', 'ip6tables-save'],
  make: (lab, now) => new IpsetEnforcer({ table: 'palisade', forward: true, maxElements: 100_000, netns: lab.victim, now }),
  deleteElement: (lab, t) => void nsExec(lab.victim, ['ipset', 'del', setOf(t), t]),
  addElement: (lab, t) => void nsExec(lab.victim, ['ipset', 'add', setOf(t), t]),
  breakStructure: dropChain,
  breakSets: (lab) => {
    dropChain(lab);
    for (const s of ['v4', 'v6', 'v4net', 'v6net']) nsExec(lab.victim, ['ipset', 'destroy', `palisade-${s}`]);
  },
  leftovers: (lab) => [
    ...nsRun(lab.victim, ['ipset', 'list', '-n']).stdout.split('\n').filter((l) => /palisade/i.test(l)),
    ...nsRun(lab.victim, ['iptables', '-w', '-S']).stdout.split('\n').filter((l) => /palisade/i.test(l)),
    ...nsRun(lab.victim, ['ip6tables', '-w', '-S']).stdout.split('\n').filter((l) => /palisade/i.test(l)),
    ...nsRun(lab.victim, ['nft', 'list', 'ruleset']).stdout.split('\n').filter((l) => /palisade/i.test(l)),
  ],
  snapshot: firewallSnapshot,
});
