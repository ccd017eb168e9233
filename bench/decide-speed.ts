// Costs of the decide and record stages: GeoIP open and lookup, Policy.onDetection with many
// sources, and batched alert inserts into the SQLite store.
//
//   node dist/bench/decide-speed.js

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../src/config/defaults.js';
import { openGeoIp } from '../src/decide/geoip.js';
import { Policy } from '../src/decide/policy.js';
import { Whitelist } from '../src/decide/whitelist.js';
import type { Detection } from '../src/detect/detection.js';
import { Store } from '../src/record/store.js';
import { mulberry32 } from './synth/prng.js';

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const rnd = mulberry32(7);
const v4 = () => `${1 + Math.floor(rnd() * 222)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}`;
const h = () => Math.floor(rnd() * 65536).toString(16);
const v6 = () => `2${Math.floor(rnd() * 3)}0${Math.floor(rnd() * 10)}:${h()}:${h()}::${h()}`;

// GeoIP: cold open (first in this process) and lookups.
let t = process.hrtime.bigint();
const geo = openGeoIp();
const openMs = ms(t);
const N = 200_000;
const a4 = Array.from({ length: N }, v4);
const a6 = Array.from({ length: N }, v6);
t = process.hrtime.bigint();
geo.lookup('8.8.8.8');
const firstMs = ms(t);
let hits = 0;
t = process.hrtime.bigint();
for (const a of a4) if (geo.lookup(a) !== null) hits++;
const us4 = (ms(t) * 1000) / N;
t = process.hrtime.bigint();
for (const a of a6) if (geo.lookup(a) !== null) hits++;
const us6 = (ms(t) * 1000) / N;
console.log(`geoip: open ${openMs.toFixed(1)} ms (${geo.description}), first lookup ${firstMs.toFixed(2)} ms`);
console.log(`geoip: lookup ${us4.toFixed(2)} us/IPv4, ${us6.toFixed(2)} us/IPv6 (${N} random addresses each, ${hits} with a country)`);

// Policy: detections from many sources with country thresholds (one GeoIP lookup per new source).
const settings = { ...defaultConfig().policy, auto_blacklist_threshold: 5, country_thresholds: { RU: 2, CN: 3 } };
const policy = new Policy(settings, { whitelist: new Whitelist({ config: ['10.0.0.0/8'], env: {} }), geo, offenses: () => 0 });
const det = (src: string): Detection => ({
  ruleId: 'port-scan', severity: 'high', action: 'alert', scope: 'source', ts: 0, src, dst: '192.0.2.1',
  sport: 1, dport: 2, proto: 'tcp', reason: 'r', evidence: {}, packet: 0,
});
const srcs = Array.from({ length: 50_000 }, v4);
const dets = Array.from({ length: 500_000 }, (_, i) => det(srcs[i % srcs.length]));
let decisions = 0;
t = process.hrtime.bigint();
for (let i = 0; i < dets.length; i++) decisions += policy.onDetection(dets[i], 1_750_000_000 + i / 1000).length;
const pol = ms(t);
console.log(
  `policy: ${dets.length} detections from ${srcs.length} sources: ${((pol * 1000) / dets.length).toFixed(2)} us each, ` +
    `${decisions} decisions, ${policy.counters().active_blocks} active blocks`,
);
t = process.hrtime.bigint();
const expired = policy.expire(1_750_000_000 + 10_000).length;
console.log(`policy: expire() over ${policy.counters().active_blocks + expired} blocks: ${ms(t).toFixed(1)} ms (${expired} lifted)`);

// Store: batched alert inserts.
const dir = mkdtempSync(path.join(tmpdir(), 'pal-bench-store-'));
try {
  const store = Store.open(path.join(dir, 'palisade.db'));
  for (const batch of [1, 100, 1000]) {
    const total = batch === 1 ? 5_000 : 100_000;
    const rows = Array.from({ length: batch }, (_, i) => ({ d: { ...det(srcs[i]), evidence: { ports: 25, window: 60 } }, origin: 'pcap:eth0' }));
    t = process.hrtime.bigint();
    for (let i = 0; i < total; i += batch) store.insertAlerts(rows);
    const s = ms(t) / 1000;
    console.log(`store: ${total} alerts in batches of ${batch}: ${Math.round(total / s)} alerts/s`);
  }
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
