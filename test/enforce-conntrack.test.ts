// killConnections against real conntrack entries of connections held open across a namespace pair.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { killConnections } from '../src/enforce/conntrack.js';
import { PalisadeError } from '../src/errors.js';
import { ADDR, Lab } from './support/netns-lab.js';
import { nsExec, nsRun, requireRootAndTools } from './support/ns.js';

/** Flows conntrack holds in the victim namespace with this original source. */
function flows(lab: Lab, family: 'ipv4' | 'ipv6', src: string): number {
  const r = nsRun(lab.victim, ['conntrack', '-L', '-f', family, '-s', src]);
  return r.stdout.split('\n').filter((l) => l.includes(`src=${src} `)).length;
}

describe('conntrack: cutting a blocked source\'s connections', { concurrency: false }, () => {
  let lab: Lab;
  const held: ChildProcess[] = [];

  before(async () => {
    requireRootAndTools(['ip', 'nft', 'conntrack'], 'the conntrack test (nft and conntrack in network namespaces)');
    lab = await Lab.create('ct');
    // Something must use conntrack in the victim namespace for it to track flows there (as any
    // stateful firewall does): a table of the test's own that only counts established packets.
    nsExec(
      lab.victim,
      ['nft', '-f', '-'],
      'table inet pal_ct_test {\n chain c {\n  type filter hook input priority 0; policy accept;\n  ct state established counter\n }\n}\n',
    );
  });
  after(() => {
    for (const c of held) if (c.exitCode === null) c.kill('SIGKILL');
    lab?.close();
  });

  it('deletes the flows of one IPv4 address, one IPv6 address and a /24, and leaves others', async () => {
    for (const from of [ADDR.blocked4, ADDR.neighbour4, ADDR.blocked6, ADDR.inNet4]) held.push(await lab.hold(from, 20_000));
    assert.equal(flows(lab, 'ipv4', ADDR.blocked4), 1);
    assert.equal(flows(lab, 'ipv6', ADDR.blocked6), 1);

    const v4 = await killConnections(ADDR.blocked4, { netns: lab.victim });
    assert.deepEqual(v4, { command: `ip netns exec ${lab.victim} conntrack -D -f ipv4 -s ${ADDR.blocked4}`, count: 1, error: null });
    assert.equal(flows(lab, 'ipv4', ADDR.blocked4), 0);
    assert.equal(flows(lab, 'ipv4', ADDR.neighbour4), 1, 'the neighbour keeps its connection');

    const v6 = await killConnections(ADDR.blocked6, { netns: lab.victim });
    assert.equal(v6.count, 1);
    assert.equal(v6.error, null);
    assert.equal(flows(lab, 'ipv6', ADDR.blocked6), 0);

    const net = await killConnections(ADDR.net4, { netns: lab.victim });
    assert.equal(net.count, 1, `a network deletes the flows inside it: ${JSON.stringify(net)}`);
    assert.equal(flows(lab, 'ipv4', ADDR.inNet4), 0);
    assert.equal(flows(lab, 'ipv4', ADDR.neighbour4), 1);
  });

  it('no flow to delete is not an error; a bad target is refused before anything runs', async () => {
    const none = await killConnections(ADDR.outside4, { netns: lab.victim });
    assert.deepEqual(none, { command: `ip netns exec ${lab.victim} conntrack -D -f ipv4 -s ${ADDR.outside4}`, count: 0, error: null });
    await assert.rejects(killConnections('10.99.1.5 -D', { netns: lab.victim }), (err: unknown) => err instanceof PalisadeError && err.code === 'PALISADE_ERR_ENFORCE_TARGET');
    assert.equal(flows(lab, 'ipv4', ADDR.neighbour4), 1);
  });
});
