// selectEnforcer: which backend runs where, and that probing never changes the firewall.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import { DryRunEnforcer } from '../src/enforce/dryrun/index.js';
import { IpsetEnforcer } from '../src/enforce/ipset/index.js';
import { NftablesEnforcer } from '../src/enforce/nftables/index.js';
import { selectEnforcer } from '../src/enforce/select.js';
import { createNamespace } from './support/netns-lab.js';
import { nsRun, requireRootAndTools } from './support/ns.js';

function which(tool: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, tool);
    if (dir && existsSync(p)) return p;
  }
  throw new Error(`REQUIRED TOOL MISSING: ${tool}`);
}

/** A PATH holding only these tools (symlinks to the real ones). */
function pathWith(dir: string, tools: string[]): string {
  for (const t of tools) symlinkSync(which(t), path.join(dir, t));
  return dir;
}

describe('selectEnforcer', { concurrency: false }, () => {
  let ns: ReturnType<typeof createNamespace>;
  let tmp: string;
  const settings = (over: Partial<ReturnType<typeof defaultConfig>['enforce']> = {}) => ({ ...defaultConfig().enforce, ...over, maxElements: 50_000 });
  const firewall = () => ['nft list ruleset', 'iptables-save', 'ip6tables-save', 'ipset save'].map((c) => nsRun(ns.ns, c.split(' ')).stdout.replace(/^# .*$/gm, '')).join('\n');

  before(() => {
    requireRootAndTools(['ip', 'nft', 'ipset', 'iptables', 'ip6tables'], 'backend selection (nft, ipset and iptables probed in a namespace)');
    ns = createNamespace('sel');
    tmp = mkdtempSync(path.join(tmpdir(), 'pal-enf-sel-'));
  });
  after(() => {
    ns?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('not root: dry-run, and says so', async () => {
    const s = await selectEnforcer(settings({ dry_run: false }), { uid: 1000, netns: ns.ns });
    assert.ok(s.enforcer instanceof DryRunEnforcer);
    assert.equal(s.row, 'Linux, not root: dry-run');
    assert.match(s.why, /^not root/);
  });

  it('not Linux: dry-run ("anywhere" row)', async () => {
    const s = await selectEnforcer(settings({ dry_run: false }), { platform: 'darwin' });
    assert.ok(s.enforcer instanceof DryRunEnforcer);
    assert.equal(s.row, 'anywhere: dry-run');
  });

  it('dry_run on: the requested backend\'s command format, not run', async () => {
    const a = await selectEnforcer(settings({ dry_run: true }), { uid: 0, netns: ns.ns });
    assert.ok(a.enforcer instanceof DryRunEnforcer);
    assert.equal((a.enforcer as DryRunEnforcer).format, 'nftables');
    assert.equal(a.why, 'dry_run is on: commands are logged, not run');
    const b = await selectEnforcer(settings({ dry_run: true, backend: 'iptables' }), { uid: 0, netns: ns.ns });
    assert.equal((b.enforcer as DryRunEnforcer).format, 'iptables');
    const r = await b.enforcer.start([{ target: '203.0.113.9', family: 4, network: false, expiresAt: null }]);
    assert.equal(r.executed, false);
    assert.ok(r.commands.some((c) => c.includes('add palisade-v4-t 203.0.113.9 timeout 0')));
  });

  it('root with nft working: nftables, and probing changed nothing', async () => {
    const before = firewall();
    const s = await selectEnforcer(settings({ dry_run: false }), { uid: 0, netns: ns.ns });
    assert.ok(s.enforcer instanceof NftablesEnforcer, s.why);
    assert.equal(s.row, 'Linux, root, no BPF: nftables');
    const i = await selectEnforcer(settings({ dry_run: false, backend: 'iptables' }), { uid: 0, netns: ns.ns });
    assert.ok(i.enforcer instanceof IpsetEnforcer, i.why);
    assert.equal(i.row, 'Linux, root, no BPF: iptables+ipset');
    assert.equal(firewall(), before);
  });

  it('nftables requested but nft missing: iptables+ipset; nothing usable: dry-run', async () => {
    const noNft = pathWith(mkdtempSync(path.join(tmp, 'a-')), ['ip', 'ipset', 'iptables', 'ip6tables', 'iptables-restore', 'ip6tables-restore']);
    const s = await selectEnforcer(settings({ dry_run: false }), { uid: 0, netns: ns.ns, path: noNft });
    assert.ok(s.enforcer instanceof IpsetEnforcer, s.why);
    assert.equal(s.row, 'Linux, root, no BPF: iptables+ipset');
    assert.match(s.why, /nft is unusable \(.*nft.*\)/);
    const nothing = pathWith(mkdtempSync(path.join(tmp, 'b-')), ['ip']);
    const d = await selectEnforcer(settings({ dry_run: false }), { uid: 0, netns: ns.ns, path: nothing });
    assert.ok(d.enforcer instanceof DryRunEnforcer);
    assert.equal(d.row, 'Linux, root, no BPF: dry-run');
    assert.match(d.why, /nothing can enforce here/);
  });
});
