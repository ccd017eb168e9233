// Suricata equivalence for thresholds, detection filters and suppress: each folder under
// test/scenarios/suricata-threshold/ holds our YAML translation of one suricata-verify test
// (rules.yaml), the per-rule alert counts (expect.json, rule ids sid-<N>) and the test's name
// (input.json). We run the test's pcap through our reader, decoder and SignatureEngine and require
// our counts to equal Suricata's; expect.json itself is checked against the corpus's
// expected_alerts.json so the expectations cannot drift from Suricata's.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AddrSet } from '../src/decode/ip-addr.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { PacketView } from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import { SignatureEngine, loadRuleFile } from '../src/detect/signatures/index.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import { REPO_ROOT, corpusSkip, svPath } from './support/paths.js';

const SCENARIOS = path.join(REPO_ROOT, 'test', 'scenarios', 'suricata-threshold');

interface SvExpected {
  test: string;
  pcap: string;
  expected: { event_type: string; sid: number | string; count: number }[];
}

function runPcap(file: string, engine: SignatureEngine): { detections: Detection[]; packets: number } {
  const src = openCapture(file);
  const view = new PacketView();
  const detections: Detection[] = [];
  let packets = 0;
  try {
    while (src.next(view)) {
      packets++;
      decodeFrame(view);
      engine.onPacket(view, (d) => detections.push(d));
    }
    assert.equal(src.problem, null, `${file}: ${src.problem?.message}`);
  } finally {
    src.close();
  }
  return { detections, packets };
}

const names = existsSync(SCENARIOS) ? readdirSync(SCENARIOS).sort() : [];

describe('signatures: Suricata threshold equivalence (suricata-verify)', () => {
  it('has scenarios', () => assert.ok(names.length >= 9, `scenarios in ${SCENARIOS}`));

  const svIndex = (): SvExpected[] => JSON.parse(readFileSync(svPath('expected_alerts.json'), 'utf8')) as SvExpected[];

  for (const name of names) {
    it(name, { skip: corpusSkip }, () => {
      const dir = path.join(SCENARIOS, name);
      const input = JSON.parse(readFileSync(path.join(dir, 'input.json'), 'utf8')) as { test: string };
      const expect = JSON.parse(readFileSync(path.join(dir, 'expect.json'), 'utf8')) as Record<string, number>;
      const sv = svIndex().find((t) => t.test === input.test);
      assert.ok(sv, `${input.test} is not in expected_alerts.json`);

      // Our expectations are Suricata's: every sid-N count equals the suricata-verify check.
      for (const [id, count] of Object.entries(expect)) {
        const sid = Number(id.replace(/^sid-/, ''));
        const check: SvExpected['expected'][number] | undefined = sv.expected.find((e) => e.event_type === 'alert' && e.sid === sid);
        assert.ok(check, `${name}: no alert check for sid ${sid} in suricata-verify`);
        assert.equal(count, check.count, `${name}: expect.json ${id} differs from suricata-verify`);
      }

      const specs = loadRuleFile(path.join(dir, 'rules.yaml'));
      const engine = new SignatureEngine(specs, { homeNet: new AddrSet() });
      const { detections, packets } = runPcap(svPath(sv.pcap), engine);
      assert.ok(packets > 0, `${sv.pcap} yielded no packets`);
      const got: Record<string, number> = {};
      for (const id of Object.keys(expect)) got[id] = 0;
      for (const d of detections) got[d.ruleId] = (got[d.ruleId] ?? 0) + 1;
      assert.deepEqual(got, expect, `${name}: per-rule alert counts (ours vs Suricata's)`);

      // Everything a threshold, filter or suppress held back is counted.
      for (const s of specs) {
        const matches = s.threshold || s.detection_filter || s.suppress.length > 0;
        if (!matches) assert.equal(engine.suppressed.get(s.id), 0);
      }
    });
  }
});
