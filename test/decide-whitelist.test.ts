import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { parseCidr } from '../src/decode/ip-addr.js';
import { cidrContains, cidrOverlaps, sshClientAddress, Whitelist } from '../src/decide/whitelist.js';
import { PalisadeError } from '../src/errors.js';

function iface(address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo {
  return { address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null, scopeid: 0 } as NetworkInterfaceInfo;
}

const c = (t: string) => parseCidr(t)!;

describe('CIDR overlap', () => {
  it('overlap is symmetric containment; families never overlap', () => {
    assert.ok(cidrOverlaps(c('203.0.113.0/24'), c('203.0.113.9')));
    assert.ok(cidrOverlaps(c('203.0.113.9'), c('203.0.113.0/24')));
    assert.ok(cidrOverlaps(c('0.0.0.0/0'), c('8.8.8.8')));
    assert.ok(!cidrOverlaps(c('203.0.113.0/25'), c('203.0.113.128/25')));
    assert.ok(cidrOverlaps(c('2001:db8::/32'), c('2001:db8:ffff::1')));
    assert.ok(!cidrOverlaps(c('::/0'), c('1.2.3.4')));
    assert.ok(cidrOverlaps(c('10.0.0.0/9'), c('10.127.0.0/16')));
    assert.ok(!cidrOverlaps(c('10.0.0.0/9'), c('10.128.0.0/16')));
    assert.ok(cidrContains(c('10.0.0.0/8'), c('10.1.0.0/16')));
    assert.ok(!cidrContains(c('10.1.0.0/16'), c('10.0.0.0/8')));
  });
});

describe('SSH client of the session that started the daemon', () => {
  it('takes the first field of SSH_CONNECTION, else SSH_CLIENT', () => {
    assert.deepEqual(sshClientAddress({ SSH_CONNECTION: '198.51.100.23 51234 192.0.2.1 22' }), { address: '198.51.100.23', variable: 'SSH_CONNECTION' });
    assert.deepEqual(sshClientAddress({ SSH_CLIENT: '2001:DB8::7 51234 22' }), { address: '2001:db8::7', variable: 'SSH_CLIENT' });
    assert.equal(sshClientAddress({ SSH_CONNECTION: 'not-an-ip 1 2 3' }), null);
    assert.equal(sshClientAddress({ SSH_CONNECTION: '10.0.0.0/8 1 2 3' }), null);
    assert.equal(sshClientAddress({}), null);
  });
});

describe('Whitelist', () => {
  const interfaces = () => ({ lo: [iface('127.0.0.1', 'IPv4'), iface('::1', 'IPv6')], eth0: [iface('192.0.2.10', 'IPv4'), iface('fe80::1c2d:3eff:fe4f:5a6b', 'IPv6')] });

  it('lists every entry with why it is there', () => {
    const wl = new Whitelist({ config: ['10.0.0.0/8', '2001:db8:aa::/48 '], env: { SSH_CONNECTION: '::ffff:198.51.100.23 5 6 7' }, interfaces, runtime: ['203.0.113.5'] });
    const byWhy = (why: string) => wl.list().filter((e) => e.why === why).map((e) => e.target).sort();
    assert.deepEqual(byWhy('loopback'), ['127.0.0.0/8', '::1']);
    assert.deepEqual(byWhy('config'), ['10.0.0.0/8', '2001:db8:aa::/48']);
    // An IPv4 client that reached an IPv6 socket is whitelisted in both forms.
    assert.deepEqual(byWhy('ssh-client'), ['198.51.100.23', '::ffff:198.51.100.23']);
    assert.deepEqual(byWhy('host-address'), ['127.0.0.1', '192.0.2.10', '::1', 'fe80::1c2d:3eff:fe4f:5a6b']);
    assert.deepEqual(byWhy('runtime'), ['203.0.113.5']);
    assert.equal(wl.list().find((e) => e.target === '192.0.2.10')!.note, 'interface eth0');
    assert.equal(wl.list().find((e) => e.why === 'ssh-client')!.note, 'SSH_CONNECTION');
  });

  it('covers addresses inside entries and networks that overlap them', () => {
    const wl = new Whitelist({ config: ['10.0.0.0/8'], env: { SSH_CLIENT: '198.51.100.23 5 22' }, interfaces: () => ({}) });
    assert.equal(wl.covers('10.200.3.4')?.why, 'config');
    assert.equal(wl.covers('127.5.5.5')?.why, 'loopback');
    assert.equal(wl.covers('::1')?.why, 'loopback');
    assert.equal(wl.covers('198.51.100.23')?.why, 'ssh-client');
    assert.equal(wl.covers('198.51.100.24'), null);
    // The /24 around the SSH client contains it: blocking it would lock the owner out.
    assert.equal(wl.covers('198.51.100.0/24')?.target, '198.51.100.23');
    assert.equal(wl.covers('0.0.0.0/0')?.why, 'loopback');
    assert.equal(wl.covers('198.51.101.0/24'), null);
    assert.equal(wl.covers('not an address'), null);
    assert.ok(wl.has('10.0.0.1'));
    assert.ok(!wl.has('11.0.0.1'));
  });

  it('adds and removes run-time entries; built-in ones cannot be removed', () => {
    const wl = new Whitelist({ config: ['10.0.0.0/8'], env: { SSH_CLIENT: '198.51.100.23 5 22' }, interfaces });
    assert.equal(wl.covers('203.0.113.7'), null);
    const e = wl.add('203.0.113.0/24');
    assert.deepEqual(e, { target: '203.0.113.0/24', why: 'runtime', note: 'added at run time' });
    assert.equal(wl.covers('203.0.113.7')?.why, 'runtime');
    assert.deepEqual(wl.runtimeEntries(), ['203.0.113.0/24']);
    assert.equal(wl.add('203.0.113.0/24').target, '203.0.113.0/24'); // idempotent
    assert.equal(wl.list().filter((x) => x.why === 'runtime').length, 1);
    wl.remove('203.0.113.0/24');
    assert.equal(wl.covers('203.0.113.7'), null);
    assert.deepEqual(wl.runtimeEntries(), []);

    const refused = (target: string, re: RegExp) =>
      assert.throws(() => wl.remove(target), (err: unknown) => err instanceof PalisadeError && err.code === 'PALISADE_ERR_REFUSED' && re.test(err.message));
    refused('10.0.0.0/8', /built-in entry \(config: policy\.whitelist\); remove it from policy\.whitelist/);
    refused('127.0.0.0/8', /built-in entry \(loopback/);
    refused('198.51.100.23', /built-in entry \(ssh-client: SSH_CLIENT\)/);
    refused('192.0.2.10', /built-in entry \(host-address: interface eth0\)/);
    refused('192.0.2.99', /not in the whitelist/);
    assert.throws(() => wl.add('300.1.1.1'), /'300\.1\.1\.1' is not an IPv4\/IPv6 address or CIDR/);
    assert.ok(wl.covers('10.1.1.1') !== null, 'refused removals change nothing');
  });

  it('re-reads the host addresses when interfaces change', () => {
    let addrs = [iface('192.0.2.10', 'IPv4')];
    const wl = new Whitelist({ config: [], env: {}, interfaces: () => ({ eth0: addrs }) });
    assert.ok(wl.has('192.0.2.10'));
    addrs = [iface('192.0.2.11', 'IPv4'), iface('2001:db8::5', 'IPv6')];
    assert.deepEqual(wl.refreshHostAddresses(), { added: ['192.0.2.11', '2001:db8::5'], removed: ['192.0.2.10'] });
    assert.ok(!wl.has('192.0.2.10'));
    assert.ok(wl.has('192.0.2.11'));
    assert.ok(wl.has('2001:db8::5'));
  });

  it('uses the real host interfaces by default (loopback is always there)', () => {
    const wl = new Whitelist({ config: [], env: {} });
    assert.ok(wl.list().some((e) => e.why === 'host-address' && e.target === '127.0.0.1'));
  });

  it('rejects a bad config entry with the setting named', () => {
    assert.throws(() => new Whitelist({ config: ['10.0.0.0/33'], env: {}, interfaces: () => ({}) }), /policy\.whitelist: '10\.0\.0\.0\/33' is not/);
  });
});
