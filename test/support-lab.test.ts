// The namespace lab the privileged tests and demos build on: links stay distinct whatever the
// length of the lab's tag (interface names are cut to 15 bytes; the part that tells links apart
// must survive the cut).

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from './support/netns.js';
import { requireRoot } from './support/ns.js';
import { startTcpListener, tcpConnects } from './support/ns-tcp.js';

describe('test lab', () => {
  let lab: Lab | null = null;
  after(() => lab?.dispose());

  it('a long tag still gives every link its own interface, and each link carries traffic', async () => {
    requireRoot('the lab test');
    lab = new Lab('pal-longtag-');
    const a = lab.addPeer('a');
    const b = lab.addPeer('b');
    assert.notEqual(a.victimIface, b.victimIface);
    assert.ok(a.victimIface.length <= 15 && b.peerIface.length <= 15);
    const l = await startTcpListener(lab.victim, 9093);
    try {
      assert.equal(tcpConnects(a.ns, a.v4, a.victimV4, 9093), true);
      assert.equal(tcpConnects(b.ns, b.v4, b.victimV4, 9093), true);
    } finally {
      l.kill('SIGKILL');
    }
  });
});
