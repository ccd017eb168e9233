// nftables backend against the kernel, in namespaces this test creates and deletes.

import { NftablesEnforcer } from '../src/enforce/nftables/index.js';
import { enforcerSuite, firewallSnapshot } from './support/enforce-suite.js';
import { nsExec, nsRun } from './support/ns.js';

const setOf = (t: string) => (t.includes('/') ? (t.includes(':') ? 'v6net' : 'v4net') : t.includes(':') ? 'v6' : 'v4');

enforcerSuite({
  kind: 'nftables',
  tools: ['ip', 'nft', 'ipset', 'iptables-save', 'ip6tables-save'],
  make: (lab, now) => new NftablesEnforcer({ table: 'palisade', forward: true, netns: lab.victim, now }),
  deleteElement: (lab, t) => void nsExec(lab.victim, ['nft', 'delete', 'element', 'inet', 'palisade', setOf(t), `{ ${t} }`]),
  addElement: (lab, t) => void nsExec(lab.victim, ['nft', 'add', 'element', 'inet', 'palisade', setOf(t), `{ ${t} }`]),
  breakStructure: (lab) => void nsExec(lab.victim, ['nft', 'delete', 'table', 'inet', 'palisade']),
  breakSets: (lab) => void nsExec(lab.victim, ['nft', 'delete', 'table', 'inet', 'palisade']),
  leftovers: (lab) =>
    nsRun(lab.victim, ['nft', 'list', 'ruleset'])
      .stdout.split('\n')
      .filter((l) => /palisade/i.test(l)),
  snapshot: firewallSnapshot,
});
