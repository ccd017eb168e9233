import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, type PolicySettings } from '../src/config/defaults.js';
import type { Decision } from '../src/decide/decision.js';
import { openGeoIp, type GeoIp } from '../src/decide/geoip.js';
import { Policy, TALLY_IDLE_SECONDS, type PolicyNotice } from '../src/decide/policy.js';
import { Whitelist } from '../src/decide/whitelist.js';
import type { Detection } from '../src/detect/detection.js';
import { PalisadeError } from '../src/errors.js';
import { buildMmdb } from './support/mmdb-writer.js';

const T0 = 1_750_000_000;
let dir: string;
let geo: GeoIp;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pal-decide-policy-'));
  const file = path.join(dir, 'countries.mmdb');
  // Documentation ranges given countries in a real MMDB file, so results do not depend on DB-IP's data.
  writeFileSync(
    file,
    buildMmdb([
      { cidr: '198.51.100.0/24', record: { country: { iso_code: 'RU' } } },
      { cidr: '203.0.113.0/24', record: { country: { iso_code: 'CN' } } },
      { cidr: '192.0.2.0/24', record: { country: { iso_code: 'US' } } },
      { cidr: '2001:db8:1::/48', record: { country: { iso_code: 'RU' } } },
      { cidr: '2001:db8:2::/48', record: { country: { iso_code: 'DE' } } },
    ]),
  );
  geo = openGeoIp(file);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function det(src: string | null, o: Partial<Detection> = {}): Detection {
  return {
    ruleId: 'port-scan',
    severity: 'high',
    action: 'alert',
    scope: 'source',
    ts: T0,
    src,
    dst: '192.0.2.1',
    sport: 40000,
    dport: 22,
    proto: 'tcp',
    reason: `${src} probed 25 ports in 60 s`,
    evidence: {},
    packet: 1,
    ...o,
  };
}

interface Harness {
  policy: Policy;
  /** Every decision so far, as the store would record them. */
  log: Decision[];
  notices: PolicyNotice[];
  on(d: Detection, now?: number): Decision[];
}

function harness(p: Partial<PolicySettings> = {}, wl: { config?: string[]; env?: NodeJS.ProcessEnv } = {}, maxTracked?: number): Harness {
  const settings = { ...defaultConfig().policy, ...p };
  const log: Decision[] = [];
  const notices: PolicyNotice[] = [];
  const whitelist = new Whitelist({ config: wl.config ?? [], env: wl.env ?? {}, interfaces: () => ({}) });
  // Offenses as the store counts them: earlier block decisions of the same target.
  const offenses = (t: string) => log.filter((d) => d.kind === 'block' && d.target === t).length;
  const policy = new Policy(settings, { whitelist, geo, offenses, maxTracked, notify: (n) => notices.push(n) });
  const rec = (ds: Decision[]) => {
    log.push(...ds);
    return ds;
  };
  return { policy, log, notices, on: (d, now = T0) => rec(policy.onDetection(d, now)) };
}

const refused = (re: RegExp) => (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_REFUSED' && re.test(e.message);

describe('Policy: detection counts and thresholds', () => {
  it('blocks a source when it reaches auto_blacklist_threshold, once', () => {
    const h = harness({ auto_blacklist_threshold: 5 });
    for (let i = 0; i < 4; i++) assert.deepEqual(h.on(det('192.0.2.50')), []);
    const ds = h.on(det('192.0.2.50'), T0 + 10);
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0], {
      kind: 'block',
      target: '192.0.2.50',
      family: 4,
      network: false,
      ttl: 3600,
      expiresAt: T0 + 10 + 3600,
      rule: 'port-scan',
      reason: '5 detections reached the threshold of 5; last: 192.0.2.50 probed 25 ports in 60 s',
      origin: 'auto',
      parent: null,
      detections: 5,
      country: 'US',
      at: T0 + 10,
    });
    assert.deepEqual(h.on(det('192.0.2.50')), [], 'not again while blocked');
    const c = h.policy.counters();
    assert.equal(c.blocks_auto, 1);
    assert.equal(c.already_blocked, 1);
    assert.equal(c.detections, 6);
    assert.equal(c.tracked_sources, 0, 'the count resets after a block');
    assert.deepEqual(h.policy.active().map((b) => [b.target, b.rule, b.origin, b.since]), [['192.0.2.50', 'port-scan', 'auto', T0 + 10]]);
  });

  it('a block-mode rule blocks on its first detection', () => {
    const h = harness();
    const ds = h.on(det('192.0.2.51', { action: 'would-block', ruleId: 'ssh-bruteforce', reason: 'SSH brute force: 8 failures in 300 s' }));
    assert.equal(ds.length, 1);
    assert.equal(ds[0].rule, 'ssh-bruteforce');
    assert.equal(ds[0].reason, 'SSH brute force: 8 failures in 300 s');
    assert.equal(ds[0].detections, 1);
  });

  it('ignores destination and global detections and detections without a usable source', () => {
    const h = harness({ auto_blacklist_threshold: 1 });
    assert.deepEqual(h.on(det('192.0.2.52', { scope: 'destination', action: 'would-block' })), []);
    assert.deepEqual(h.on(det('192.0.2.52', { scope: 'global', action: 'would-block' })), []);
    assert.deepEqual(h.on(det(null, { action: 'would-block' })), []);
    assert.deepEqual(h.on(det('not-an-ip', { action: 'would-block' })), []);
    assert.deepEqual(h.on(det('192.0.2.0/24', { action: 'would-block' })), []);
    assert.equal(h.policy.counters().detections_ignored, 5);
    assert.equal(h.policy.active().length, 0);
  });

  it('never blocks a whitelisted source, and counts the skips', () => {
    const h = harness({ auto_blacklist_threshold: 1 }, { config: ['192.0.2.0/28'], env: { SSH_CONNECTION: '2001:db8:2::99 50000 2001:db8::1 22' } });
    for (const src of ['192.0.2.5', '127.0.0.1', '::1', '2001:db8:2::99']) {
      assert.deepEqual(h.on(det(src, { action: 'would-block' })), [], src);
    }
    assert.equal(h.policy.counters().whitelisted_skips, 4);
    assert.equal(h.policy.active().length, 0);
  });

  it('uses the per-country threshold of the source country', () => {
    const h = harness({ auto_blacklist_threshold: 5, country_thresholds: { RU: 2, CN: 3 }, subnet_injection: false });
    assert.deepEqual(h.on(det('198.51.100.7')), []);
    const ru = h.on(det('198.51.100.7'));
    assert.equal(ru.length, 1);
    assert.equal(ru[0].country, 'RU');
    assert.match(ru[0].reason, /^2 detections reached the threshold of 2 for RU; /);
    for (let i = 0; i < 2; i++) assert.deepEqual(h.on(det('203.0.113.9')), []);
    assert.equal(h.on(det('203.0.113.9')).length, 1);
    for (let i = 0; i < 4; i++) assert.deepEqual(h.on(det('192.0.2.9')), [], 'US is not listed: global threshold');
    assert.equal(h.on(det('192.0.2.9')).length, 1);
  });

  it('counts canonical addresses: one source however its text is written', () => {
    const h = harness({ auto_blacklist_threshold: 2 });
    assert.deepEqual(h.on(det('2001:DB8:2:0::7')), []);
    const ds = h.on(det('2001:db8:2::7'));
    assert.equal(ds[0].target, '2001:db8:2::7');
    assert.equal(ds[0].family, 6);
  });

  it('counts an IPv4 client printed as ::ffff:a.b.c.d as its IPv4 address', () => {
    const h = harness({ auto_blacklist_threshold: 2 });
    assert.deepEqual(h.on(det('::ffff:192.0.2.33')), []);
    assert.deepEqual(h.on(det('192.0.2.33')).map((d) => [d.target, d.family]), [['192.0.2.33', 4]]);
  });

  it('bounds the per-source tallies, evicting the least recently seen', () => {
    const h = harness({ auto_blacklist_threshold: 3 }, {}, 3);
    h.on(det('192.0.2.1'));
    h.on(det('192.0.2.1'));
    h.on(det('192.0.2.2'));
    h.on(det('192.0.2.3'));
    h.on(det('192.0.2.2')); // .1 is now the least recent
    h.on(det('192.0.2.4')); // evicts .1
    assert.equal(h.policy.counters().tracked_evictions, 1);
    assert.equal(h.policy.counters().tracked_sources, 3);
    assert.deepEqual(h.on(det('192.0.2.1')), [], '.1 starts from zero again (evicted .3)');
    assert.deepEqual(h.on(det('192.0.2.2')).map((d) => d.target), ['192.0.2.2'], '.2 kept its count');
  });

  it('forgets a count after a day without detections', () => {
    const h = harness({ auto_blacklist_threshold: 3 });
    h.on(det('192.0.2.1'), T0);
    h.on(det('192.0.2.1'), T0 + 10);
    assert.deepEqual(h.on(det('192.0.2.1'), T0 + 10 + TALLY_IDLE_SECONDS + 1), []);
    assert.equal(h.on(det('192.0.2.1'), T0 + 10 + TALLY_IDLE_SECONDS + 2).length, 0);
    assert.equal(h.on(det('192.0.2.1'), T0 + 10 + TALLY_IDLE_SECONDS + 3).length, 1);
  });
});

describe('Policy: TTL', () => {
  it('multiplies the TTL by repeat_multiplier per earlier block, capped by max_ttl', () => {
    const h = harness({ blacklist_ttl: 3600, repeat_multiplier: 2, max_ttl: 10_000 });
    const ttls: number[] = [];
    let now = T0;
    for (let i = 0; i < 4; i++) {
      const [b] = h.on(det('192.0.2.60', { action: 'would-block' }), now);
      ttls.push(b.ttl);
      assert.equal(b.expiresAt, now + b.ttl);
      now += b.ttl;
      const un = h.policy.expire(now);
      assert.deepEqual(un.map((d) => [d.kind, d.target, d.origin]), [['unblock', '192.0.2.60', 'expiry']]);
      h.log.push(...un);
    }
    assert.deepEqual(ttls, [3600, 7200, 10_000, 10_000]);
  });

  it('blacklist_ttl 0 blocks permanently', () => {
    const h = harness({ blacklist_ttl: 0, repeat_multiplier: 3 });
    const [b] = h.on(det('192.0.2.61', { action: 'would-block' }));
    assert.equal(b.ttl, 0);
    assert.equal(b.expiresAt, null);
    assert.deepEqual(h.policy.expire(T0 + 10 * 365 * 86_400), []);
    assert.equal(h.policy.active().length, 1);
  });

  it('expires exactly at expiresAt, not before', () => {
    const h = harness({ blacklist_ttl: 600 });
    h.on(det('192.0.2.62', { action: 'would-block' }), T0);
    h.on(det('192.0.2.63', { action: 'would-block' }), T0 + 100);
    assert.deepEqual(h.policy.expire(T0 + 599), []);
    assert.deepEqual(h.policy.expire(T0 + 600).map((d) => d.target), ['192.0.2.62']);
    assert.deepEqual(h.policy.expire(T0 + 699), []);
    const [u] = h.policy.expire(T0 + 700);
    assert.equal(u.reason, 'expired after 600 s');
    assert.equal(u.at, T0 + 700);
    assert.equal(u.expiresAt, null);
    assert.equal(h.policy.counters().unblocks_expiry, 2);
    assert.equal(h.policy.active().length, 0);
  });
});

describe('Policy: subnet injection and IPv6 aggregation', () => {
  it('blocks the /24 of a source from a listed country with the same expiry, and lifts it with the parent', () => {
    const h = harness({ country_thresholds: { RU: 1 }, blacklist_ttl: 900 });
    const ds = h.on(det('198.51.100.7'), T0);
    assert.deepEqual(
      ds.map((d) => [d.kind, d.target, d.network, d.origin, d.parent, d.rule, d.expiresAt, d.country]),
      [
        ['block', '198.51.100.7', false, 'auto', null, 'port-scan', T0 + 900, 'RU'],
        ['block', '198.51.100.0/24', true, 'subnet', '198.51.100.7', 'subnet-injection', T0 + 900, 'RU'],
      ],
    );
    // Another address of that /24 is already covered.
    assert.deepEqual(h.on(det('198.51.100.8', { action: 'would-block' })), []);
    assert.equal(h.policy.counters().already_blocked, 1);
    assert.equal(h.policy.blockFor('198.51.100.200')?.target, '198.51.100.0/24');
    const un = h.policy.expire(T0 + 900);
    assert.deepEqual(un.map((d) => [d.kind, d.target, d.origin]), [
      ['unblock', '198.51.100.7', 'expiry'],
      ['unblock', '198.51.100.0/24', 'expiry'],
    ]);
    assert.equal(h.policy.active().length, 0);
  });

  it('blocks the /48 of an IPv6 source from a listed country', () => {
    const h = harness({ country_thresholds: { RU: 1 } });
    assert.deepEqual(h.on(det('2001:db8:1:2:3::4')).map((d) => d.target), ['2001:db8:1:2:3::4', '2001:db8:1::/48']);
  });

  it('no injection for an unlisted country or when subnet_injection is off', () => {
    const h = harness({ country_thresholds: { RU: 1 }, auto_blacklist_threshold: 1 });
    assert.deepEqual(h.on(det('203.0.113.5')).map((d) => d.target), ['203.0.113.5']);
    const off = harness({ country_thresholds: { RU: 1 }, subnet_injection: false });
    assert.deepEqual(off.on(det('198.51.100.7')).map((d) => d.target), ['198.51.100.7']);
  });

  it('skips a subnet that overlaps the whitelist, and says why', () => {
    const h = harness({ country_thresholds: { RU: 1 } }, { env: { SSH_CLIENT: '198.51.100.200 40000 22' } });
    assert.deepEqual(h.on(det('198.51.100.7')).map((d) => d.target), ['198.51.100.7']);
    assert.equal(h.policy.counters().subnet_skipped_whitelist, 1);
    assert.equal(h.notices.length, 1);
    assert.equal(h.notices[0].event, 'subnet-skipped');
    assert.equal(h.notices[0].target, '198.51.100.0/24');
    assert.match(h.notices[0].reason, /overlaps whitelisted 198\.51\.100\.200 \(ssh-client\)/);
  });

  it('a manual unblock of the parent lifts its subnet', () => {
    const h = harness({ country_thresholds: { CN: 1 } });
    h.on(det('203.0.113.77'));
    const un = h.policy.unblock('203.0.113.77', T0 + 5);
    assert.deepEqual(un.map((d) => [d.kind, d.target, d.origin, d.reason]), [
      ['unblock', '203.0.113.77', 'manual', 'manual unblock'],
      ['unblock', '203.0.113.0/24', 'manual', 'subnet of 203.0.113.77: manual unblock'],
    ]);
    assert.equal(h.policy.active().length, 0);
  });

  it('ipv6_aggregate counts and blocks an IPv6 source as its /64', () => {
    const h = harness({ ipv6_aggregate: true, auto_blacklist_threshold: 3 });
    h.on(det('2001:db8:2:5::1'));
    h.on(det('2001:db8:2:5::2'));
    const ds = h.on(det('2001:db8:2:5:ffff::3'));
    assert.deepEqual(ds.map((d) => [d.target, d.network, d.family]), [['2001:db8:2:5::/64', true, 6]]);
    assert.deepEqual(h.on(det('2001:db8:2:5::9', { action: 'would-block' })), [], 'covered by the /64');
    assert.deepEqual(h.on(det('192.0.2.70', { action: 'would-block' })).map((d) => d.target), ['192.0.2.70'], 'IPv4 unchanged');
  });

  it('ipv6_aggregate narrows to the address when the /64 holds a whitelisted address', () => {
    const h = harness({ ipv6_aggregate: true }, { config: ['2001:db8:2:5::10'] });
    assert.deepEqual(h.on(det('2001:db8:2:5::1', { action: 'would-block' })).map((d) => d.target), ['2001:db8:2:5::1']);
    assert.equal(h.policy.counters().aggregate_narrowed, 1);
    assert.equal(h.notices[0].event, 'aggregate-narrowed');
  });
});

describe('Policy: capacity', () => {
  it('refuses blocks beyond max_blocks, counts them and tells why', () => {
    const h = harness({ max_blocks: 2, country_thresholds: { RU: 1 } });
    assert.equal(h.on(det('192.0.2.1', { action: 'would-block' })).length, 1);
    // The RU source fills the last slot; its /24 is refused.
    assert.deepEqual(h.on(det('198.51.100.1', { action: 'would-block' })).map((d) => d.target), ['198.51.100.1']);
    assert.deepEqual(h.on(det('192.0.2.3', { action: 'would-block' })), []);
    assert.equal(h.policy.counters().blocks_refused_capacity, 2);
    assert.deepEqual(h.notices.map((n) => [n.event, n.target]), [
      ['capacity-refused', '198.51.100.0/24'],
      ['capacity-refused', '192.0.2.3'],
    ]);
    assert.match(h.notices[1].reason, /^not blocked: 2 blocks active \(policy\.max_blocks\)/);
    assert.throws(() => h.policy.block('192.0.2.4', undefined, '', T0), refused(/refused, 2 blocks are active \(policy\.max_blocks 2\)/));
    h.policy.unblock('192.0.2.1', T0);
    assert.equal(h.on(det('192.0.2.3', { action: 'would-block' })).length, 1, 'room again after an unblock');
    assert.equal(h.policy.active().length, 2);
  });
});

describe('Policy: manual block and unblock', () => {
  it('canonicalises targets and uses blacklist_ttl unless a TTL is given', () => {
    const h = harness({ blacklist_ttl: 1200 });
    const cases: [string, string, boolean, number | undefined, number | null][] = [
      ['192.0.2.77/32', '192.0.2.77', false, undefined, T0 + 1200],
      ['198.51.100.77/24', '198.51.100.0/24', true, 60, T0 + 60],
      ['2001:DB8:0:0::0001', '2001:db8::1', false, 0, null],
      ['2001:db8:abcd:12::/48', '2001:db8:abcd::/48', true, undefined, T0 + 1200],
    ];
    for (const [input, target, network, ttl, expiresAt] of cases) {
      const [d] = h.policy.block(input, ttl, 'seen in honeypot', T0);
      assert.deepEqual([d.kind, d.target, d.network, d.expiresAt, d.origin, d.rule, d.reason, d.detections], ['block', target, network, expiresAt, 'manual', 'manual', 'seen in honeypot', 0]);
    }
    assert.equal(h.policy.counters().blocks_manual, 4);
    assert.equal(h.policy.active().find((b) => b.target === '2001:db8::1')!.ttl, 0);
  });

  it('refuses invalid, whitelisted, overlapping and already-blocked targets', () => {
    const h = harness({}, { config: ['10.0.0.0/8'], env: { SSH_CONNECTION: '198.51.100.23 1 2 3' } });
    assert.throws(() => h.policy.block('10.0.0.300', undefined, '', T0), refused(/'10\.0\.0\.300' is not an IPv4\/IPv6 address or CIDR/));
    assert.throws(() => h.policy.block('192.0.2.1', -5, '', T0), refused(/ttl must be a whole number/));
    assert.throws(() => h.policy.block('10.1.2.3', undefined, '', T0), refused(/block 10\.1\.2\.3: refused, it is inside whitelisted 10\.0\.0\.0\/8 \(config: policy\.whitelist\)/));
    assert.throws(() => h.policy.block('198.51.100.0/24', undefined, '', T0), refused(/contains whitelisted 198\.51\.100\.23 \(ssh-client: SSH_CONNECTION\)/));
    assert.throws(() => h.policy.block('127.0.0.1', undefined, '', T0), refused(/inside whitelisted 127\.0\.0\.0\/8 \(loopback/));
    assert.throws(() => h.policy.block('0.0.0.0/0', undefined, '', T0), refused(/contains whitelisted/));
    h.policy.block('192.0.2.9', 0, '', T0);
    assert.throws(() => h.policy.block('192.0.2.9/32', 60, '', T0), refused(/already blocked permanently \(manual\); unblock it first/));
    assert.equal(h.policy.active().length, 1);
  });

  it('unblock refuses what is not blocked, naming a covering network', () => {
    const h = harness();
    h.policy.block('192.0.2.0/24', undefined, '', T0);
    assert.throws(() => h.policy.unblock('192.0.2.5', T0), refused(/192\.0\.2\.5 is not blocked; it is inside blocked 192\.0\.2\.0\/24/));
    assert.throws(() => h.policy.unblock('198.51.100.5', T0), refused(/198\.51\.100\.5 is not blocked$/));
    assert.deepEqual(h.policy.unblock('192.0.2.0/24', T0).map((d) => [d.kind, d.target, d.network]), [['unblock', '192.0.2.0/24', true]]);
  });

  it('an address inside a manually blocked network is not blocked again', () => {
    const h = harness();
    h.policy.block('2001:db8:2::/48', undefined, '', T0);
    assert.deepEqual(h.on(det('2001:db8:2:7::1', { action: 'would-block' })), []);
    assert.equal(h.policy.counters().already_blocked, 1);
  });
});

describe('Policy: whitelist changes at run time', () => {
  it('adding a whitelist entry lifts the blocks it covers, networks included', () => {
    const h = harness({ country_thresholds: { RU: 1 } });
    h.on(det('198.51.100.7')); // address + /24
    h.on(det('192.0.2.5', { action: 'would-block' }));
    const { entry, decisions } = h.policy.whitelistAdd('198.51.100.99', T0 + 1);
    assert.equal(entry.why, 'runtime');
    // The /24 contains the new entry; the address .7 does not, and stays blocked.
    assert.deepEqual(decisions.map((d) => [d.kind, d.target, d.origin]), [['unblock', '198.51.100.0/24', 'manual']]);
    assert.match(decisions[0].reason, /^whitelisted: overlaps 198\.51\.100\.99 \(runtime\)/);
    assert.deepEqual(h.policy.active().map((b) => b.target).sort(), ['192.0.2.5', '198.51.100.7']);
    const all = h.policy.whitelistAdd('198.51.100.0/24', T0 + 2).decisions;
    assert.deepEqual(all.map((d) => d.target), ['198.51.100.7']);
    assert.equal(h.policy.counters().unblocks_whitelisted, 2);
    assert.throws(() => h.policy.whitelistRemove('127.0.0.0/8'), refused(/built-in entry/));
    assert.equal(h.policy.whitelistRemove('198.51.100.99').target, '198.51.100.99');
  });
});

describe('Policy: restore at daemon start', () => {
  it('restores live blocks with parent links; drops expired and whitelisted ones with decisions', () => {
    const first = harness({ country_thresholds: { RU: 1 }, blacklist_ttl: 3600 });
    first.on(det('198.51.100.7'), T0);
    first.policy.block('192.0.2.8', 60, 'short', T0);
    first.policy.block('203.0.113.0/24', 0, 'permanent', T0);
    first.policy.block('192.0.2.200', undefined, 'will be whitelisted', T0);
    const saved = first.policy.active();

    const h = harness({ country_thresholds: { RU: 1 } }, { config: ['192.0.2.200'] });
    const ds = h.policy.restore(saved, T0 + 100);
    assert.deepEqual(ds.map((d) => [d.kind, d.target, d.origin]).sort(), [
      ['unblock', '192.0.2.200', 'manual'],
      ['unblock', '192.0.2.8', 'expiry'],
    ]);
    assert.deepEqual(h.policy.active().map((b) => b.target).sort(), ['198.51.100.0/24', '198.51.100.7', '203.0.113.0/24']);
    const restored = h.policy.active().find((b) => b.target === '198.51.100.0/24')!;
    assert.deepEqual([restored.parent, restored.origin, restored.expiresAt, restored.since], ['198.51.100.7', 'subnet', T0 + 3600, T0]);
    assert.deepEqual(h.policy.entries().find((e) => e.target === '203.0.113.0/24'), { target: '203.0.113.0/24', family: 4, network: true, expiresAt: null });
    // The parent link survived: unblocking the address lifts its /24.
    assert.deepEqual(h.policy.unblock('198.51.100.7', T0 + 200).map((d) => d.target), ['198.51.100.7', '198.51.100.0/24']);
    // Expiry still runs for restored blocks.
    h.policy.block('198.51.100.50', 10, '', T0 + 200);
    assert.deepEqual(h.policy.expire(T0 + 210).map((d) => d.target), ['198.51.100.50']);
  });
});
