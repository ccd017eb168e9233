// Runs inside the victim namespace (`ip netns exec NS node xdp-agent.js`): XDP attaches by ifindex
// in the caller's own network namespace, so the test drives the real selectEnforcer / XdpEnforcer /
// XdpPacketSource from here. One JSON request per stdin line ({id, op, args}), one JSON answer per
// stdout line ({id, ok, result} or {id, ok: false, error, code}).

import { createInterface } from 'node:readline';
import { defaultConfig } from '../../src/config/defaults.js';
import type { BlockEntry } from '../../src/decide/decision.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import type { Enforcer } from '../../src/enforce/enforcer.js';
import { selectEnforcer, type SelectEnv } from '../../src/enforce/select.js';
import { XdpEnforcer } from '../../src/enforce/xdp/enforcer.js';
import { XdpPacketSource } from '../../src/sources/xdp/xdp-packet-source.js';

interface Seen {
  src: string;
  dst: string;
  proto: number;
  dport: number;
  tcpFlags: number;
  caplen: number;
  wirelen: number;
  ts: number;
}

const MAX_SEEN = 5000;
let enforcer: Enforcer | null = null;
let source: XdpPacketSource | null = null;
let seen: Seen[] = [];

function xdp(): XdpEnforcer {
  if (!(enforcer instanceof XdpEnforcer)) throw new Error(`the selected enforcer is ${enforcer?.name ?? 'none'}, not xdp`);
  return enforcer;
}

const ops: Record<string, (a: any) => unknown> = {
  async select(a: { enforce: Record<string, unknown>; packetInterfaces?: string[]; env?: SelectEnv }) {
    if (enforcer) await enforcer.stop(true);
    const settings = { ...defaultConfig().enforce, ...a.enforce, maxElements: 1000, packetInterfaces: a.packetInterfaces };
    const sel = await selectEnforcer(settings as never, a.env ?? {});
    enforcer = sel.enforcer;
    return { name: sel.enforcer.name, row: sel.row, why: sel.why, modes: sel.enforcer instanceof XdpEnforcer ? sel.enforcer.modes() : null };
  },
  start: (a: { entries: BlockEntry[] }) => enforcer!.start(a.entries),
  apply: (a: { add: BlockEntry[]; remove: BlockEntry[] }) => enforcer!.apply(a.add, a.remove),
  reconcile: (a: { entries: BlockEntry[] }) => enforcer!.reconcile(a.entries),
  list: () => enforcer!.list(),
  drops: () => enforcer!.drops!(),
  stats: () => xdp().stats(),
  whitelist: (a: { cidrs: string[] }) => xdp().setWhitelist(a.cidrs),
  mapIds: () => xdp().guardList()[0].mapIds(),
  modes: () => xdp().modes(),
  counts: () => xdp().guardList()[0].entryCounts(),
  topSources: (a: { n: number }) => xdp().guardList()[0].topSources(a.n),
  async stop(a: { remove: boolean }) {
    await source?.stop();
    source = null;
    await enforcer?.stop(a.remove);
    enforcer = null;
    return null;
  },
  sourceStart(a: { sampleRate: number; snaplen: number }) {
    source = new XdpPacketSource(xdp().guardList()[0], a);
    source.start((view) => {
      decodeFrame(view);
      if (seen.length < MAX_SEEN) {
        seen.push({ src: view.srcString(), dst: view.dstString(), proto: view.proto, dport: view.dport, tcpFlags: view.tcpFlags, caplen: view.caplen, wirelen: view.wirelen, ts: view.ts });
      }
      return false;
    });
    return null;
  },
  sourceTake() {
    const out = seen;
    seen = [];
    return out;
  },
  sourceStatus: () => source?.status() ?? null,
  async sourceStop() {
    await source?.stop();
    source = null;
    return null;
  },
};

const rl = createInterface({ input: process.stdin });
let chain: Promise<void> = Promise.resolve();
rl.on('line', (line) => {
  // One request at a time, in order, as the test sends them.
  chain = chain.then(async () => {
    const req = JSON.parse(line) as { id: number; op: string; args?: unknown };
    try {
      const fn = ops[req.op];
      if (!fn) throw new Error(`unknown op ${req.op}`);
      const result = await fn(req.args ?? {});
      process.stdout.write(JSON.stringify({ id: req.id, ok: true, result: result ?? null }) + '\n');
    } catch (err) {
      process.stdout.write(JSON.stringify({ id: req.id, ok: false, error: (err as Error).message, code: (err as { code?: string }).code ?? null }) + '\n');
    }
  });
});
rl.on('close', () => {
  void chain.then(async () => {
    await source?.stop();
    // The test ends: take the guard off (a crash leaves it to the namespace's deletion).
    await enforcer?.stop(true).catch(() => undefined);
    process.exit(0);
  });
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
