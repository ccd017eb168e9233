import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openGeoIp, shippedGeoIpPath, type GeoIp } from '../src/decide/geoip.js';
import { PalisadeError } from '../src/errors.js';
import { buildMmdb } from './support/mmdb-writer.js';

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pal-decide-geoip-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('GeoIP over the shipped DB-IP Lite database', () => {
  let geo: GeoIp;
  before(() => {
    geo = openGeoIp();
  });

  it('resolves from the npm package, not a fixed path', () => {
    assert.match(shippedGeoIpPath(), /@ip-location-db[/\\]dbip-country-mmdb[/\\]dbip-country\.mmdb$/);
    assert.equal(geo.path, shippedGeoIpPath());
    assert.match(geo.description, /country/i);
  });

  it('knows long-standing allocations, IPv4 and IPv6', () => {
    // Allocations that have not moved in decades: Google DNS, RIPE NCC's own networks (Amsterdam),
    // the WIDE project and Osaka University (Japan), Hetzner (Germany).
    assert.equal(geo.lookup('8.8.8.8'), 'US');
    assert.equal(geo.lookup('193.0.6.139'), 'NL');
    assert.equal(geo.lookup('133.1.1.1'), 'JP');
    assert.equal(geo.lookup('2001:67c:2e8::2'), 'NL');
    assert.equal(geo.lookup('2001:200::1'), 'JP');
    assert.equal(geo.lookup('2a01:4f8::1'), 'DE');
  });

  it('has no country for private, loopback, CGNAT, link-local and unique-local addresses', () => {
    for (const ip of ['10.1.2.3', '192.168.1.1', '172.16.5.5', '127.0.0.1', '100.64.0.1', '::1', 'fe80::1', 'fd00::1']) {
      assert.equal(geo.lookup(ip), null, ip);
    }
  });

  it('returns null for text that is not an address instead of throwing', () => {
    for (const t of ['', 'example.com', '1.2.3', '1.2.3.4/24', '::g', '01.2.3.4']) assert.equal(geo.lookup(t), null, t);
    assert.equal(geo.errors, 0);
  });

  it('answers with ISO alpha-2 codes for most public addresses (a walk over the IPv4 space)', () => {
    let found = 0;
    let total = 0;
    // Every 7th /8 at a fixed offset inside it: unicast space only (1..223, not 10/127).
    for (let a = 1; a < 224; a += 7) {
      if (a === 10 || a === 127) continue;
      for (const b of [17, 99, 201]) {
        const cc = geo.lookup(`${a}.${b}.33.44`);
        total++;
        if (cc !== null) {
          assert.match(cc, /^[A-Z]{2}$/);
          found++;
        }
      }
    }
    assert.ok(found / total > 0.8, `only ${found}/${total} addresses had a country`);
  });
});

describe('GeoIP over a MaxMind GeoLite2-shaped file', () => {
  it('reads country.iso_code (and registered_country as a fallback)', () => {
    const file = path.join(dir, 'GeoLite2-Country.mmdb');
    writeFileSync(
      file,
      buildMmdb([
        { cidr: '198.51.100.0/24', record: { continent: { code: 'EU' }, country: { iso_code: 'DE', names: { en: 'Germany' } } } },
        { cidr: '203.0.113.0/25', record: { registered_country: { iso_code: 'RU', names: { en: 'Russia' } } } },
        { cidr: '2001:db8:1::/48', record: { country: { iso_code: 'FR', names: { en: 'France' } } } },
        { cidr: '192.0.2.0/24', record: { country_code: 'kp' } },
      ]),
    );
    const geo = openGeoIp(file);
    assert.equal(geo.lookup('198.51.100.7'), 'DE');
    assert.equal(geo.lookup('203.0.113.5'), 'RU');
    assert.equal(geo.lookup('203.0.113.200'), null); // outside the /25
    assert.equal(geo.lookup('2001:db8:1:ffff::1'), 'FR');
    assert.equal(geo.lookup('2001:db8:2::1'), null);
    assert.equal(geo.lookup('192.0.2.1'), 'KP'); // ip-location-db shape, lower case upper-cased
    assert.match(geo.description, /^GeoLite2-Country built 2023-11-14$/);
  });
});

describe('GeoIP errors name the file', () => {
  it('missing file', () => {
    const f = path.join(dir, 'nope.mmdb');
    assert.throws(() => openGeoIp(f), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_GEOIP' && e.message.startsWith(f) && /no such file/.test(e.message));
  });

  it('a directory', () => {
    const d = path.join(dir, 'adir');
    mkdirSync(d);
    assert.throws(() => openGeoIp(d), (e: unknown) => e instanceof PalisadeError && e.message.startsWith(d) && /directory/.test(e.message));
  });

  it('a file that is not an mmdb', () => {
    const f = path.join(dir, 'garbage.mmdb');
    writeFileSync(f, Buffer.alloc(4096, 0x5a));
    assert.throws(() => openGeoIp(f), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_GEOIP' && e.message.startsWith(f) && /not a MaxMind DB/.test(e.message));
  });

  it('a truncated copy of the real database', () => {
    const real = readFileSync(shippedGeoIpPath());
    // Keep the metadata (it sits at the end) but cut the search tree short.
    const f = path.join(dir, 'truncated.mmdb');
    writeFileSync(f, Buffer.concat([real.subarray(0, 1_000_000), real.subarray(real.length - 2000)]));
    assert.throws(() => openGeoIp(f), (e: unknown) => e instanceof PalisadeError && e.message.startsWith(f) && /truncated/.test(e.message));
  });
});
