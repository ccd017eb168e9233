import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, parseSetArg } from '../src/config/load.js';
import { defaultConfig } from '../src/config/defaults.js';
import { PalisadeError } from '../src/errors.js';

let dir: string;
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'palisade-config-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PalisadeError, `expected PalisadeError, got ${err}`);
    assert.equal(err.code, 'PALISADE_ERR_CONFIG');
    assert.ok(!err.message.includes('\n'), 'one line');
    return err.message;
  }
  assert.fail('expected an error');
}

describe('config', () => {
  it('gives the defaults without a file', () => {
    assert.deepEqual(loadConfig(), defaultConfig());
  });

  it('merges a file over the defaults', () => {
    const c = loadConfig({ file: file('a.yaml', 'detect:\n  port_scan:\n    threshold: 50\npolicy:\n  whitelist: [192.0.2.0/24]\n') });
    assert.equal(c.detect.port_scan.threshold, 50);
    assert.equal(c.detect.port_scan.window, 60);
    assert.deepEqual(c.policy.whitelist, ['192.0.2.0/24']);
  });

  it('names file and line of a wrong value', () => {
    const p = file('b.yaml', 'detect:\n  cooldown: 5\n  port_scan:\n    threshold: many\n');
    const msg = configError(() => loadConfig({ file: p }));
    assert.match(msg, new RegExp(`^${p.replace(/[.]/g, '\\.')}:4: detect\\.port_scan\\.threshold: `));
  });

  it('names an unknown key with a suggestion', () => {
    const p = file('c.yaml', 'detect:\n  port_scan:\n    treshold: 5\n');
    const msg = configError(() => loadConfig({ file: p }));
    assert.match(msg, /c\.yaml:3: detect\.port_scan\.treshold: unknown setting 'treshold' \(did you mean 'threshold'\?\)/);
  });

  it('rejects an invalid CIDR in the whitelist', () => {
    const p = file('d.yaml', 'policy:\n  whitelist:\n    - 10.0.0.0/8\n    - 10.0.0.300\n');
    assert.match(configError(() => loadConfig({ file: p })), /d\.yaml:4: policy\.whitelist\.1: not an IPv4\/IPv6 address or CIDR/);
  });

  it('reports broken YAML with its line', () => {
    const p = file('e.yaml', 'detect:\n  cooldown: 5\n   bad: [\n');
    assert.match(configError(() => loadConfig({ file: p })), /e\.yaml:\d+: invalid YAML: /);
  });

  it('reports a missing file', () => {
    assert.match(configError(() => loadConfig({ file: path.join(dir, 'nope.yaml') })), /nope\.yaml: cannot read config file: no such file/);
  });

  it("accepts the seeds' option names as aliases", () => {
    const p = file('f.yaml', 'PortScanThreshold: 10\nauto_blacklist_threshold: 3\nadmin_whitelist: ["203.0.113.1"]\nDedupSeconds: 5\n');
    const c = loadConfig({ file: p });
    assert.equal(c.detect.port_scan.threshold, 10);
    assert.equal(c.policy.auto_blacklist_threshold, 3);
    assert.deepEqual(c.policy.whitelist, ['203.0.113.1']);
    assert.equal(c.detect.cooldown, 5);
  });

  it('maps an error in an aliased value back to the alias line', () => {
    const p = file('g.yaml', '# seed 004 name\nPortScanThreshold: -1\n');
    assert.match(configError(() => loadConfig({ file: p })), /g\.yaml:2: detect\.port_scan\.threshold: /);
  });

  it('refuses an alias and its canonical name together', () => {
    const p = file('h.yaml', 'auto_blacklist_threshold: 3\npolicy:\n  auto_blacklist_threshold: 4\n');
    assert.match(configError(() => loadConfig({ file: p })), /h\.yaml:1: 'auto_blacklist_threshold' and 'policy\.auto_blacklist_threshold' are the same setting/);
  });

  it('applies PALISADE_* environment overrides over the file, and flags over both', () => {
    const p = file('i.yaml', 'detect:\n  port_scan:\n    threshold: 50\n');
    const env = { PALISADE_DETECT__PORT_SCAN__THRESHOLD: '40', PALISADE_CORPUS: '/elsewhere', PALISADE_AUTO_BLACKLIST_THRESHOLD: '2' };
    let c = loadConfig({ file: p, env });
    assert.equal(c.detect.port_scan.threshold, 40);
    assert.equal(c.policy.auto_blacklist_threshold, 2);
    c = loadConfig({ file: p, env, overrides: [parseSetArg('detect.port_scan.threshold=30')] });
    assert.equal(c.detect.port_scan.threshold, 30);
  });

  it('names the environment variable or flag that set a bad value', () => {
    assert.match(configError(() => loadConfig({ env: { PALISADE_DETECT__COOLDOWN: 'soon' } })), /^environment PALISADE_DETECT__COOLDOWN: detect\.cooldown: /);
    assert.match(configError(() => loadConfig({ overrides: [parseSetArg('detect.icmp_flood.mode=drop')] })), /^--set detect\.icmp_flood\.mode: detect\.icmp_flood\.mode: /);
  });
});
