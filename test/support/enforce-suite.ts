// The behaviour every kernel backend must show, run against nftables and against iptables+ipset
// in a namespace pair: what a blocked or unblocked source sees when it connects, what the kernel
// holds, and how Palisade repairs what others changed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlockEntry } from '../../src/decide/decision.js';
import { parseCidr } from '../../src/decode/ip-addr.js';
import { DryRunEnforcer } from '../../src/enforce/dryrun/index.js';
import type { Enforcer } from '../../src/enforce/enforcer.js';
import { PalisadeError } from '../../src/errors.js';
import { ADDR, ATTACKER_SOURCES, Lab } from './netns-lab.js';
import { nsRun, requireRootAndTools } from './ns.js';

export type KernelEnforcer = Enforcer & { drops(): Promise<{ packets: number; bytes: number }> };

export interface BackendUnderTest {
  kind: 'nftables' | 'iptables';
  tools: string[];
  make(lab: Lab, now?: () => number): KernelEnforcer;
  /** Behind Palisade's back, with the tool itself. */
  deleteElement(lab: Lab, target: string): void;
  addElement(lab: Lab, target: string): void;
  /** Deletes Palisade's table (nft) or chain and jumps (iptables): nothing drops any more. */
  breakStructure(lab: Lab): void;
  /** Makes the next element batch fail (its sets are gone). */
  breakSets(lab: Lab): void;
  /** Lines of the kernel's firewall state that are Palisade's. */
  leftovers(lab: Lab): string[];
  /** The whole firewall state of the victim, to show nothing changed. */
  snapshot(lab: Lab): string;
}

export function entry(target: string, expiresAt: number | null = null): BlockEntry {
  const c = parseCidr(target);
  if (!c) throw new Error(`test entry ${target} is not an address`);
  return { target: c.text, family: c.version, network: c.bits < (c.version === 4 ? 32 : 128), expiresAt };
}

const sorted = (xs: Iterable<string>) => [...xs].sort();
const now = () => Date.now() / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function expectReach(got: Record<string, boolean>, blocked: readonly string[]): void {
  const want = Object.fromEntries(ATTACKER_SOURCES.map((s) => [s, !blocked.includes(s)]));
  assert.deepEqual(got, want, 'which attacker sources can connect to the victim');
}

/** Deterministic addresses outside the lab's ranges, to make a batch large. */
function filler(n: number, salt: number): BlockEntry[] {
  const out: BlockEntry[] = [];
  for (let i = 0; i < n; i++) out.push(entry(`100.${64 + salt}.${(i >> 8) & 255}.${i & 255}`, now() + 3600));
  return out;
}

export function enforcerSuite(b: BackendUnderTest): void {
  describe(`${b.kind} enforcer in a victim/attacker namespace pair`, { concurrency: false }, () => {
    let lab: Lab;
    let enf: KernelEnforcer;
    const base = () => [entry(ADDR.blocked4), entry(ADDR.blocked6), entry(ADDR.net4), entry(ADDR.net6)];

    before(async () => {
      requireRootAndTools(b.tools, `the ${b.kind} enforce tests (network namespaces)`);
      lab = await Lab.create(b.kind === 'nftables' ? 'nft' : 'ips');
      enf = b.make(lab);
    });
    after(() => lab?.close());

    it('blocks an IPv4 and an IPv6 address, a /24 and a /48; unblocked neighbours still connect', async () => {
      expectReach(await lab.reach(), []);
      const r = await enf.start(base());
      assert.equal(r.error, null);
      assert.equal(r.executed, true);
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6, ADDR.net4, ADDR.net6]));
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
      assert.ok((await enf.drops()).packets > 0, 'the drop rules counted the refused SYNs');
    });

    it('a 2 s block leaves the kernel by itself; permanent blocks stay', async () => {
      const r = await enf.apply([entry(ADDR.neighbour4, now() + 2), entry(ADDR.neighbour6, now() + 2)], []);
      assert.equal(r.error, null);
      assert.ok((await enf.list()).includes(ADDR.neighbour4));
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6, ADDR.neighbour4, ADDR.neighbour6]);
      await sleep(2300);
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6, ADDR.net4, ADDR.net6]));
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
    });

    it('an already expired entry is not added; a re-added address takes its new expiry', async () => {
      let r = await enf.apply([entry(ADDR.outside4, now() - 5)], []);
      assert.equal(r.error, null);
      assert.ok(!(await enf.list()).includes(ADDR.outside4));
      // Permanent first, then the same address with a 2 s expiry: it must leave after 2 s.
      r = await enf.apply([entry(ADDR.outside4)], []);
      assert.equal(r.error, null);
      r = await enf.apply([entry(ADDR.outside4, now() + 2)], []);
      assert.equal(r.error, null);
      assert.ok((await enf.list()).includes(ADDR.outside4));
      await sleep(2300);
      assert.ok(!(await enf.list()).includes(ADDR.outside4), 'the new 2 s timeout replaced "permanent"');
    });

    it('apply removes what it is asked to; removing an absent element does not fail the batch', async () => {
      const r = await enf.apply([], [entry(ADDR.net4), entry(ADDR.net6), entry('203.0.113.99'), entry('2001:db8::99'), entry('198.51.100.0/24')]);
      assert.equal(r.error, null, 'removing absent elements is not an error');
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6]));
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6]);
    });

    it('reconcile puts back an element deleted behind its back and removes an extra one', async () => {
      await enf.start(base());
      b.deleteElement(lab, ADDR.blocked4);
      b.deleteElement(lab, ADDR.net6);
      b.addElement(lab, ADDR.outside4);
      b.addElement(lab, ADDR.outside6);
      expectReach(await lab.reach(), [ADDR.blocked6, ADDR.inNet4, ADDR.outside4, ADDR.outside6]);
      const drift = await enf.reconcile(base());
      assert.deepEqual(sorted(drift.missing), sorted([ADDR.blocked4, ADDR.net6]));
      assert.deepEqual(sorted(drift.extra), sorted([ADDR.outside4, ADDR.outside6]));
      assert.equal(drift.recreated, false);
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6, ADDR.net4, ADDR.net6]));
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
      const again = await enf.reconcile(base());
      assert.deepEqual(again, { missing: [], extra: [], recreated: false });
    });

    it('reconcile recreates a deleted table/chain', async () => {
      b.breakStructure(lab);
      expectReach(await lab.reach(), []);
      const drift = await enf.reconcile(base());
      assert.equal(drift.recreated, true);
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6, ADDR.net4, ADDR.net6]));
    });

    it('start() replaces an existing table atomically: a source blocked before and after never gets through', async () => {
      // Large sets make a non-atomic replacement (flush, then refill) leave a long gap.
      const generations = [0, 1, 2, 3].map((g) => [...base(), ...filler(20_000, g)]);
      await enf.start(generations[0]);
      const hammer = lab.hammer(ADDR.blocked4, 2500);
      await sleep(200);
      for (const g of [1, 2, 3, 0, 1]) {
        const r = await enf.start(generations[g]);
        assert.equal(r.error, null);
      }
      const got = await hammer;
      assert.ok(got.attempts > 50, `the hammer tried (${got.attempts} attempts)`);
      assert.equal(got.connected, 0, 'no connection from the blocked source got through during the replacements');
      const held = new Set(await enf.list());
      assert.equal(held.size, generations[1].length);
      assert.ok(held.has('100.65.0.0') && !held.has('100.64.0.0'), 'exactly the last generation is in the kernel');
      await enf.start(base());
      assert.deepEqual(sorted(await enf.list()), sorted([ADDR.blocked4, ADDR.blocked6, ADDR.net4, ADDR.net6]));
    });

    it('a bad address is refused before anything runs', async () => {
      const before = b.snapshot(lab);
      for (const bad of ['10.99.1', '10.99.1.5/33', 'fd99::1::2', '10.99.1.5; reboot', '-s', '']) {
        await assert.rejects(enf.apply([entry(ADDR.outside4), { target: bad, family: 4, network: false, expiresAt: null }], []), (err: unknown) => {
          assert.ok(err instanceof PalisadeError);
          assert.equal(err.code, 'PALISADE_ERR_ENFORCE_TARGET');
          return true;
        });
      }
      await assert.rejects(enf.start([{ target: '300.1.1.1', family: 4, network: false, expiresAt: null }]), /not an IPv4\/IPv6 address/);
      await assert.rejects(enf.apply([], [{ target: '10.99.1.5', family: 6, network: false, expiresAt: null }]), /family/);
      assert.equal(b.snapshot(lab), before, 'the kernel is unchanged');
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
    });

    it("a failed batch reports one line with the tool's own message", async () => {
      b.breakSets(lab);
      const r = await enf.apply([entry(ADDR.outside4)], []);
      assert.equal(r.executed, false);
      assert.ok(r.error !== null && !r.error.includes('\n'), `one line: ${r.error}`);
      assert.match(r.error!, b.kind === 'nftables' ? /nft -f -: .*No such file or directory/ : /ipset restore -exist: .*does not exist/);
      const drift = await enf.reconcile(base());
      assert.equal(drift.recreated, true);
      expectReach(await lab.reach(), [ADDR.blocked4, ADDR.blocked6, ADDR.inNet4, ADDR.inNet6]);
    });

    it('dry-run gives the exact commands the real backend runs, and changes nothing', async () => {
      const t0 = now();
      const clock = () => t0;
      const real = b.make(lab, clock);
      const dry = new DryRunEnforcer({ format: b.kind, table: 'palisade', forward: true, maxElements: 100_000, netns: lab.victim, now: clock });
      const steps = async (e: Enforcer) => {
        const out: string[][] = [];
        out.push((await e.start([...base(), entry(ADDR.outside4, t0 + 600)])).commands);
        out.push((await e.apply([entry(ADDR.neighbour4, t0 + 60), entry('10.99.0.0/16', t0 + 30), entry(ADDR.outside4)], [entry(ADDR.blocked6)])).commands);
        out.push((await e.apply(filler(300, 9), [entry(ADDR.net4)])).commands);
        return out;
      };
      const before = b.snapshot(lab);
      const dryCmds = await steps(dry);
      assert.equal(b.snapshot(lab), before, 'dry-run changed nothing in the kernel');
      for (const cmds of dryCmds) assert.ok(cmds.length > 0);
      const realCmds = await steps(real);
      assert.deepEqual(dryCmds, realCmds);
      assert.ok(dryCmds[2][0].includes('more elements'), 'a large batch is shortened in the log');
      assert.ok(dry.recent().length > 0 && dry.recent().length <= 200);
      // The dry-run picture follows the same operations as the kernel did.
      assert.deepEqual(sorted(await dry.list()), sorted(await real.list()));
    });

    it('stop(true) leaves nothing of Palisade in the kernel', async () => {
      await enf.start(base());
      await enf.stop(true);
      assert.deepEqual(b.leftovers(lab), []);
      expectReach(await lab.reach(), []);
      await enf.stop(true); // again: already gone is not an error
      assert.deepEqual(b.leftovers(lab), []);
    });
  });
}

export function firewallSnapshot(lab: Lab): string {
  return ['nft list ruleset', 'ipset save', 'iptables-save', 'ip6tables-save']
    .map((cmd) =>
      nsRun(lab.victim, cmd.split(' '))
        .stdout.replace(/^# .*$/gm, '')
        // What ticks on its own: remaining timeouts and counters.
        .replace(/expires [^,} \n]+/g, '')
        .replace(/^(add \S+ \S+) timeout \d+/gm, '$1')
        .replace(/packets \d+ bytes \d+/g, ''),
    )
    .join('\n');
}
