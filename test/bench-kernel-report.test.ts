// bench/kernel/report.ts: how the kernel benchmark turns runs into ratios and verdicts. The
// overhead on legitimate traffic pairs each guard run with the baseline run of the same repetition
// and the same kind of traffic; mixing kinds would compare a cold sweep with recurring sources.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Traffic } from '../bench/kernel/addresses.js';
import type { ReceiverName } from '../bench/kernel/receivers.js';
import { summarize, type RunRecord } from '../bench/kernel/report.js';

const CLK = 100; // ticks per second: 1 tick per 1e6 packets = 10 ns per packet

function run(receiver: ReceiverName, traffic: Traffic, rep: number, nsPerPkt: number, delivered = 1_000_000): RunRecord {
  return {
    receiver, n: 1_000_000, traffic, rep, sent: 1_000_000, genSeconds: 4, genCpuSeconds: 0.4,
    arrived: 1_000_000, delivered, ringFull: 0, napiTicks: nsPerPkt / 10, napiRunNs: nsPerPkt * 1_000_000, methodDrops: null,
  };
}

describe('bench-kernel report', () => {
  const runs: RunRecord[] = [];
  // Two repetitions; the no-filter cost differs between kinds of traffic and between repetitions.
  for (const [rep, slow] of [[1, 1], [2, 1.5]] as const) {
    runs.push(run('none', 'miss', rep, 1000 * slow), run('none', 'miss-1k', rep, 2000 * slow));
    runs.push(run('xdp-guard', 'hit', rep, 300, 0));
    runs.push(run('xdp-guard', 'miss', rep, 1200 * slow), run('xdp-guard', 'miss-1k', rep, 2100 * slow));
  }
  const s = summarize(runs, [], CLK);

  it('pairs each guard run with the baseline of the same repetition and traffic', () => {
    const r = s.ratios.find((x) => x.n === 1_000_000)!;
    assert.ok(Math.abs(r.xdpMissOverhead! - 0.2) < 1e-9, `miss overhead ${r.xdpMissOverhead}`);
    assert.ok(Math.abs(r.xdpRecurringOverhead! - 0.05) < 1e-9, `miss-1k overhead ${r.xdpRecurringOverhead}`);
  });

  it('judges the goal on the cold sweep and shows the recurring sources beside it', () => {
    const goal = s.verdicts.find((v) => v.goal.startsWith('XDP guard adds under 10%'))!;
    assert.equal(goal.met, false);
    assert.match(goal.value, /\+20\.0% at 1 M/);
    const rec = s.verdicts.find((v) => v.goal.includes('recurring sources'))!;
    assert.equal(rec.met, true);
    assert.match(rec.value, /\+5\.0%/);
  });

  it('labels baseline rows by traffic and flags legitimate traffic that was dropped', () => {
    assert.deepEqual(
      s.rows.filter((r) => r.receiver === 'none').map((r) => r.traffic),
      ['-', 'miss-1k'],
    );
    const bad = summarize([run('xdp-guard', 'miss-1k', 1, 1000, 900_000)], [], CLK);
    assert.match(bad.rows[0].check, /legitimate traffic dropped \(100000 of 1000000\)/);
  });
});
