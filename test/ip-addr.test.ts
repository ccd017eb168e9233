import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddrSet, formatIPv4, formatIPv6, ipv6Key, keyToString, parseAddress, parseCidr } from '../src/decode/ip-addr.js';

describe('addresses', () => {
  it('parses and formats IPv4', () => {
    assert.equal(parseAddress('192.0.2.1')?.v4, 0xc0000201);
    assert.equal(formatIPv4(0xc0000201), '192.0.2.1');
    for (const bad of ['256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4 ', '1.2.3.4;rm -rf /', '', 'a.b.c.d', '1.2.3.4/33']) {
      assert.equal(parseAddress(bad), null, bad);
    }
  });

  it('parses IPv6 forms and prints RFC 5952 text', () => {
    const cases: [string, string][] = [
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:DB8::1', '2001:db8::1'],
      ['::1', '::1'],
      ['::', '::'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
      ['fe80::1:2', 'fe80::1:2'],
    ];
    for (const [input, want] of cases) {
      const a = parseAddress(input);
      assert.ok(a && a.version === 6, input);
      assert.equal(formatIPv6(a.bytes, 0), want);
    }
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':::', 'g::1', '::1%eth0']) assert.equal(parseAddress(bad), null, bad);
  });

  it('parses CIDRs, clearing host bits', () => {
    assert.equal(parseCidr('10.1.2.3/8')?.text, '10.0.0.0/8');
    assert.equal(parseCidr('2001:db8::1/48')?.text, '2001:db8::/48');
    assert.equal(parseCidr('10.0.0.1')?.bits, 32);
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0.0/x'), null);
  });

  it('tests membership for packet addresses and keys', () => {
    const set = AddrSet.parse(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '172.16.0.0/12'], 'test');
    assert.ok(set.has4(parseAddress('10.200.1.1')!.v4));
    assert.ok(set.has4(parseAddress('192.0.2.7')!.v4));
    assert.ok(!set.has4(parseAddress('192.0.2.8')!.v4));
    assert.ok(set.hasText('2001:db8:ffff::1'));
    assert.ok(!set.hasText('2001:db9::1'));
    const b = parseAddress('2001:db8::5')!.bytes;
    assert.ok(set.hasKey(ipv6Key(b, 0)));
    assert.equal(keyToString(ipv6Key(b, 0)), '2001:db8::5');
    assert.ok(AddrSet.parse(['0.0.0.0/0'], 't').has4(0xffffffff));
    assert.throws(() => AddrSet.parse(['10.0.0.0/40'], 'whitelist'), /whitelist: '10.0.0.0\/40'/);
  });
});
