// A small lab of network namespaces for privileged tests: one victim joined to any number of peer
// namespaces by veth pairs, IPv4 and IPv6. Names carry the test's pid so parallel runs never collide,
// and dispose() deletes everything it created (namespaces take their veth ends with them; ns.ts
// deletes them at exit when a test dies first). Namespaces come from ns.ts's freshNamespace (no DAD).

import { freshNamespace, removeNamespace, run } from './ns.js';

export interface Peer {
  ns: string;
  /** The peer's addresses (as seen by the victim). */
  v4: string;
  v6: string;
  /** The victim's addresses on this link. */
  victimV4: string;
  victimV6: string;
  /** The victim's end of the link (the interface the peer's packets arrive on). */
  victimIface: string;
  /** The peer's end of the link. */
  peerIface: string;
}

export class Lab {
  readonly victim: string;
  readonly peers = new Map<string, Peer>();
  private readonly tag: string;
  private links = 0;
  /** Every peer namespace created, in order (dispose deletes them even when a set-up step failed). */
  private readonly namespaces: string[] = [];

  constructor(prefix: string) {
    this.tag = `${prefix}${process.pid % 100000}`;
    this.victim = `${this.tag}-v`;
    freshNamespace(this.victim);
  }

  /** Adds a peer namespace on its own /24 and /64: 10.<a>.<n>.2 and fd00:<a>:<n>::2. */
  addPeer(name: string): Peer {
    const n = ++this.links;
    const ns = `${this.tag}-${name}`;
    const a = 200 + (process.pid % 50);
    // Interface names hold at most 15 bytes: shorten the tag, never the suffix that tells the
    // links apart (a long tag once gave two links the same name).
    const ifname = (suffix: string) => `${this.tag.slice(0, 15 - suffix.length)}${suffix}`;
    const vEnd = ifname(`v${n}`);
    const pEnd = ifname(`p${n}`);
    freshNamespace(ns);
    // Remembered at once: a step below that fails must not leave the namespace behind.
    this.namespaces.push(ns);
    run('ip', ['link', 'add', vEnd, 'netns', this.victim, 'type', 'veth', 'peer', 'name', pEnd, 'netns', ns]);
    const peer: Peer = { ns, v4: `10.${a}.${n}.2`, v6: `fd00:${a}:${n}::2`, victimV4: `10.${a}.${n}.1`, victimV6: `fd00:${a}:${n}::1`, victimIface: vEnd, peerIface: pEnd };
    this.exec(this.victim, ['ip', 'addr', 'add', `${peer.victimV4}/24`, 'dev', vEnd]);
    this.exec(this.victim, ['ip', '-6', 'addr', 'add', `${peer.victimV6}/64`, 'dev', vEnd, 'nodad']);
    this.exec(this.victim, ['ip', 'link', 'set', vEnd, 'up']);
    this.exec(ns, ['ip', 'addr', 'add', `${peer.v4}/24`, 'dev', pEnd]);
    this.exec(ns, ['ip', '-6', 'addr', 'add', `${peer.v6}/64`, 'dev', pEnd, 'nodad']);
    this.exec(ns, ['ip', 'link', 'set', pEnd, 'up']);
    this.peers.set(name, peer);
    return peer;
  }

  exec(ns: string, argv: string[], opts: { input?: string; allowFail?: boolean } = {}): { status: number; stdout: string; stderr: string } {
    return run('ip', ['netns', 'exec', ns, ...argv], opts);
  }

  /** argv that runs `argv` inside namespace `ns` (for spawn). */
  static inNs(ns: string, argv: string[]): string[] {
    return ['ip', 'netns', 'exec', ns, ...argv];
  }

  dispose(): void {
    for (const ns of this.namespaces) removeNamespace(ns);
    removeNamespace(this.victim);
  }
}
