// V4Table, the process's copy of the guard's tab_v4 and bloom_v4 (no kernel needed): where an
// address goes, what spills, which buckets and filter words are written, and rebuilding from what
// the kernel holds.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bloomWords, BUCKET_WORDS, rawOf, TAB_OVERFLOW, TAB_SLOTS, tabBuckets, tabHash, V4Table } from '../src/kernel/xdp-table.js';

const raw = (a: string) => rawOf(Uint8Array.from(a.split('.').map(Number)));

/** `k` distinct addresses that share a bucket of `t`. */
function sameBucket(t: V4Table, k: number): number[] {
  const want = t.bucketOf(raw('10.0.0.1'));
  const out: number[] = [];
  for (let i = 1; out.length < k; i++) {
    const r = raw(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    if (t.bucketOf(r) === want) out.push(r);
  }
  return out;
}

describe('V4Table', () => {
  it('sizes: about 8 addresses per bucket and 8 filter bits per address, powers of two', () => {
    assert.equal(tabBuckets(1), 64);
    assert.equal(tabBuckets(100_000), 16_384);
    assert.equal(tabBuckets(1_001_024), 131_072);
    assert.equal(bloomWords(64), 64);
    assert.equal(bloomWords(1_001_024), 131_072);
    // Other densities (the benchmark's --filter-bits): 1 M addresses at 2 bits is 256 KB, at 16 is 2 MB.
    assert.equal(bloomWords(1_001_024, 2) * 8, 256 * 1024);
    assert.equal(bloomWords(1_001_024, 16) * 8, 2 * 1024 * 1024);
    assert.throws(() => new V4Table(100, 64, 1), /power of two/);
  });

  it('the hash spreads a /16 over the buckets', () => {
    const t = new V4Table(8192, 1024, 0x1234);
    const per = new Uint32Array(t.buckets);
    for (let i = 0; i < 65_536; i++) per[t.bucketOf(raw(`172.16.${i >> 8}.${i & 255}`))]++;
    assert.ok(Math.max(...per) <= 24, `fullest bucket holds ${Math.max(...per)} of a mean of 8`);
    assert.notEqual(tabHash(1, 1), tabHash(1, 2), 'the seed changes the placement');
  });

  it('places, finds and frees; a full bucket says so; bloom bits follow the addresses', () => {
    const t = new V4Table(64, 64, 7);
    const same = sameBucket(t, TAB_SLOTS + 1);
    for (const r of same.slice(0, TAB_SLOTS)) assert.equal(t.place(r), 'placed');
    assert.equal(t.place(same[0]), 'present');
    assert.equal(t.place(same[TAB_SLOTS]), 'full');
    assert.equal(t.count, TAB_SLOTS);
    assert.ok(t.has(same[3]));
    const d = t.takeDirty();
    assert.equal(d.count, 1, 'one bucket changed');
    assert.equal(d.values.length, 4 * BUCKET_WORDS);
    assert.equal(t.takeDirty().count, 0);
    assert.ok(t.takeDirtyBloom().count >= 1);
    assert.ok(t.remove(same[3]));
    assert.equal(t.remove(same[3]), false);
    assert.equal(t.count, TAB_SLOTS - 1);
    assert.equal(t.place(same[TAB_SLOTS]), 'placed', 'the freed slot is reused');
  });

  it('the filter: no false negatives, and about 1 unblocked address in 20 goes on to the table when full', () => {
    const max = 100_000;
    const t = new V4Table(tabBuckets(max), bloomWords(max), 0xc0ffee);
    let x = 1;
    const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
    const blocked: number[] = [];
    for (let i = 0; i < max; i++) {
      const r = next() | 1; // odd: never 0
      blocked.push(r);
      if (t.place(r) === 'full') t.spill(r, 1);
    }
    assert.ok(blocked.every((r) => t.mayHold(r)));
    let pass = 0;
    for (let i = 0; i < 100_000; i++) if (t.mayHold(next() & ~1)) pass++; // even: never blocked
    assert.ok(pass < 7_000, `${pass} of 100,000 unblocked addresses pass the filter`);
    for (const r of blocked) if (!t.remove(r)) t.spill(r, -1);
    assert.equal(t.bloom.every((w) => w === 0), true, 'unblocking everything clears every bit');
  });

  it('spilled addresses flag their bucket until the last one leaves', () => {
    const t = new V4Table(64, 64, 9);
    const [a, b] = sameBucket(t, 2);
    const flag = () => t.words[t.bucketOf(a) * BUCKET_WORDS + TAB_SLOTS] & TAB_OVERFLOW;
    t.spill(a, 1);
    t.spill(b, 1);
    assert.equal(flag(), TAB_OVERFLOW);
    t.spill(a, -1);
    assert.equal(flag(), TAB_OVERFLOW);
    t.spill(b, -1);
    assert.equal(flag(), 0);
  });

  it('loadFrom takes the kernel as the truth and rewrites only what disagrees', () => {
    const src = new V4Table(64, 64, 11);
    for (const a of ['192.0.2.1', '192.0.2.2', '198.51.100.7']) src.place(raw(a));
    src.takeDirty();
    const bloom = src.takeDirtyBloom();
    const keys = Buffer.alloc(4 * 64);
    for (let i = 0; i < 64; i++) keys.writeUInt32LE(i, 4 * i);
    const values = Buffer.from(src.words.buffer.slice(0));
    const t = new V4Table(64, 64, 11);
    // blk_v4 holds one more address, which the copy did not know about: its bucket gets the flag.
    const extra = raw('203.0.113.9');
    t.loadFrom(keys, values, 64, [extra], bloom);
    assert.equal(t.count, 3);
    assert.ok(t.has(raw('198.51.100.7')));
    const d = t.takeDirty();
    assert.equal(d.count, 1, 'only the bucket of the blk_v4 address is rewritten (its flag)');
    assert.equal(d.keys.readUInt32LE(0), t.bucketOf(extra));
    const words = t.takeDirtyBloom();
    assert.ok(words.count <= 1, 'the filter gains at most the extra address\'s word');
  });
});
