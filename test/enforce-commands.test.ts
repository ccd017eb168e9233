// The command builders without a kernel: the exact text they produce for the action log and the
// choices that text encodes (removal as add+delete, networks rewritten whole, timeouts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DryRunEnforcer } from '../src/enforce/dryrun/index.js';
import { IpsetCommands } from '../src/enforce/ipset/index.js';
import { NFT_MAX_TIMEOUT, NftablesCommands } from '../src/enforce/nftables/index.js';
import { nftDuration, NFT_CHUNK } from '../src/enforce/nftables/commands.js';
import { showPlan } from '../src/enforce/plan.js';
import { parseCidr } from '../src/decode/ip-addr.js';
import { outermostNetworks, toTargets } from '../src/enforce/target.js';
import { entry } from './support/enforce-suite.js';

const T0 = 1_800_000_000;
const targets = (...xs: [string, number | null][]) => toTargets(xs.map(([t, e]) => entry(t, e)), 'test');

describe('enforce command builders', () => {
  it('keeps only the outermost of nested networks (nft interval sets refuse overlaps)', () => {
    const kept = outermostNetworks(targets(['10.1.2.0/24', null], ['10.0.0.0/8', null], ['10.1.0.0/16', null], ['11.0.0.0/24', null], ['2001:db8:1::/48', null], ['2001:db8::/32', null], ['2001:db9::/48', null]));
    assert.deepEqual(kept.map((t) => t.text).sort(), ['10.0.0.0/8', '11.0.0.0/24', '2001:db8::/32', '2001:db9::/48']);
  });

  it('validates exactly as parseCidr does (fast IPv4 path included)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const alphabet = '0123456789....:/ax';
    const samples = ['1.2.3.4', '01.2.3.4', '1.2.3.04', '255.255.255.255', '256.0.0.0', '1.2.3', '1.2.3.4.', '.1.2.3', '0.0.0.0', '10.0.0.0/8', '1.2.3.4/32'];
    for (let i = 0; i < 20_000; i++) {
      let t = '';
      const len = 1 + rnd(16);
      for (let j = 0; j < len; j++) t += alphabet[rnd(alphabet.length)];
      samples.push(t);
    }
    for (let i = 0; i < 2000; i++) samples.push(`${rnd(300)}.${rnd(300)}.${rnd(300)}.${rnd(300)}`);
    for (const text of samples) {
      const c = parseCidr(text.trim());
      let got: string | null;
      try {
        got = toTargets([{ target: text, family: c?.version ?? 4, network: false, expiresAt: null }], 'fuzz')[0].text;
      } catch {
        got = null;
      }
      assert.equal(got, c?.text ?? null, `'${text}'`);
    }
  });

  it('nft: timeouts in seconds, at least 1 s, clamped to 10 years; an expired entry is left out', () => {
    assert.equal(nftDuration(3600), '3600s');
    assert.equal(nftDuration(NFT_MAX_TIMEOUT), '3650d0h0m0s');
    const c = new NftablesCommands({ table: 'palisade', forward: false });
    const p = c.start(targets(['192.0.2.1', T0 + 0.2], ['192.0.2.2', T0 + 20 * 365 * 86400], ['192.0.2.3', T0 - 1], ['192.0.2.4', null]), T0);
    const text = p.plan.steps[0].stdin!;
    assert.match(text, /^add element inet palisade v4 \{ 192\.0\.2\.1 timeout 1s, 192\.0\.2\.2 timeout 3650d0h0m0s, 192\.0\.2\.4 \}$/m);
    assert.ok(!text.includes('192.0.2.3'));
    assert.ok(!text.includes('chain forward'), 'no forward chain when forward is off');
  });

  it('nft apply: removal is add+delete, a changed expiry is re-added, networks are rewritten whole', () => {
    const c = new NftablesCommands({ table: 'pal', forward: true });
    c.start(targets(['192.0.2.1', null], ['10.0.0.0/8', null]), T0).commit();
    const p = c.apply(targets(['192.0.2.1', T0 + 60], ['192.0.2.9', null], ['10.1.0.0/16', T0 + 30], ['198.51.100.0/24', null]), targets(['203.0.113.5', null], ['10.0.0.0/8', null]), T0);
    assert.deepEqual(showPlan(p.plan, undefined), [
      "nft -f - <<'EOF'\n" +
        'add element inet pal v4 { 192.0.2.9 }\n' +
        'add element inet pal v4 { 192.0.2.1 }\n' +
        'delete element inet pal v4 { 192.0.2.1 }\n' +
        'add element inet pal v4 { 192.0.2.1 timeout 60s }\n' +
        'add element inet pal v4 { 203.0.113.5 }\n' +
        'delete element inet pal v4 { 203.0.113.5 }\n' +
        'flush set inet pal v4net\n' +
        'add element inet pal v4net { 10.1.0.0/16 timeout 30s, 198.51.100.0/24 }\n' +
        'EOF',
    ]);
    p.commit();
    // Same expiry again: a plain add (no delete of something that may have expired meanwhile).
    const again = c.apply(targets(['192.0.2.1', T0 + 60]), [], T0);
    assert.equal(again.plan.steps[0].stdin, 'add element inet pal v4 { 192.0.2.1 timeout 60s }\n');
    assert.deepEqual(c.apply([], [], T0).plan.steps, [], 'an empty batch runs nothing');
  });

  it('nft: a huge batch is chunked in one transaction and shortened for the log', () => {
    const c = new NftablesCommands({ table: 'palisade', forward: true });
    const many = [];
    for (let i = 0; i < 10_000; i++) many.push(entry(`100.64.${i >> 8}.${i & 255}`, null));
    const p = c.apply(toTargets(many, 'test'), [], T0);
    assert.equal(p.plan.steps.length, 1, 'one nft -f - process, one transaction');
    const full = p.plan.steps[0].stdin!;
    assert.equal(full.split('\n').filter((l) => l.startsWith('add element')).length, Math.ceil(10_000 / NFT_CHUNK));
    assert.equal(full.match(/100\.64\.\d+\.\d+/g)!.length, 10_000);
    const shown = showPlan(p.plan, 'ns1')[0];
    assert.ok(shown.startsWith("ip netns exec ns1 nft -f - <<'EOF'\nadd element inet palisade v4 { 100.64.0.0, "));
    assert.match(shown, /# \.\.\. 9950 more elements\nEOF$/);
    assert.ok(shown.length < 2000);
  });

  it('ipset: timeouts clamp to 2147483 s, permanent is timeout 0, an expired add is a delete', () => {
    const c = new IpsetCommands({ table: 'palisade', forward: false, maxElements: 1000 });
    const p = c.apply(targets(['192.0.2.1', T0 + 100 * 86400], ['192.0.2.2', null], ['192.0.2.3', T0 - 1], ['2001:db8::/48', T0 + 9.5]), targets(['10.0.0.0/8', null]), T0);
    assert.equal(
      p.plan.steps[0].stdin,
      'add palisade-v4 192.0.2.1 timeout 2147483\nadd palisade-v4 192.0.2.2 timeout 0\ndel palisade-v4 192.0.2.3\nadd palisade-v6net 2001:db8::/48 timeout 10\ndel palisade-v4net 10.0.0.0/8\n',
    );
    const start = showPlan(c.start([], T0).plan, undefined);
    assert.ok(start.includes('iptables -w -C INPUT -j PALISADE >/dev/null 2>&1 || iptables -w -I INPUT 1 -j PALISADE'));
    assert.ok(start.includes('iptables -w -D FORWARD -j PALISADE 2>/dev/null || true'), 'forward off removes an old FORWARD jump');
  });

  it('dry-run keeps a bounded list of recent commands and an in-memory picture', async () => {
    const d = new DryRunEnforcer({ format: 'nftables', table: 'palisade', forward: true, keep: 3, now: () => T0 });
    await d.start([entry('192.0.2.1'), entry('10.0.0.0/8'), entry('10.1.0.0/16')]);
    for (let i = 0; i < 5; i++) {
      const r = await d.apply([entry(`192.0.2.${10 + i}`, T0 + 60)], []);
      assert.equal(r.executed, false);
      assert.equal(r.error, null);
    }
    assert.equal(d.recent().length, 3);
    assert.equal(d.droppedCommands, 3);
    assert.ok(d.recent()[2].includes('192.0.2.14 timeout 60s'));
    const listed = (await d.list()).sort();
    assert.deepEqual(listed, ['10.0.0.0/8', '192.0.2.1', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']);
    const drift = await d.reconcile([entry('192.0.2.1'), entry('198.51.100.7')]);
    assert.deepEqual(drift.missing, ['198.51.100.7']);
    assert.deepEqual(drift.extra.sort(), ['10.0.0.0/8', '192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14']);
    assert.deepEqual((await d.list()).sort(), ['192.0.2.1', '198.51.100.7']);
  });
});
