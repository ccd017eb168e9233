// Rule files: every problem is one line naming the file, the line, the rule and the field; unknown
// keys are errors; duplicate ids name both places; config overrides are validated the same way.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPalisadeError, type ErrorCode } from '../src/errors.js';
import {
  applyOverrides,
  defaultRulesPath,
  loadRuleFile,
  loadRuleFiles,
  parsePorts,
  parseRules,
  translatePattern,
} from '../src/detect/signatures/index.js';

function fails(fn: () => unknown, message: string, code: ErrorCode = 'PALISADE_ERR_RULE'): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isPalisadeError(err), `not a PalisadeError: ${String(err)}`);
    assert.equal(err.message, message);
    assert.equal(err.code, code);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

const F = 'rules/local.yaml';

describe('signatures: rule file errors name file:line, rule and field', () => {
  const cases: [string, string, string][] = [
    ['invalid regex', 'rules:\n  - id: http-x\n    http: true\n    pattern: "(abc"\n', `${F}:4: rule 'http-x': pattern: invalid regular expression: Unterminated group`],
    [
      'invalid regex in a list',
      "rules:\n  - id: http-x\n    http: true\n    pattern:\n      - 'ok'\n      - '(?i)[z-a]'\n",
      `${F}:6: rule 'http-x': pattern[1]: invalid regular expression: Range out of order in character class`,
    ],
    ['unknown key with a hint', 'rules:\n  - id: a\n    patern: x\n', `${F}:3: rule 'a': patern: unknown key 'patern' (did you mean 'pattern'?)`],
    ['unknown nested key', 'rules:\n  - id: a\n    threshold:\n      mode: limit\n      count: 1\n      window: 5\n      trak: by_src\n', `${F}:7: rule 'a': threshold.trak: unknown key 'trak' (did you mean 'track'?)`],
    ['unknown top-level key', 'rules: []\nrulez: []\n', `${F}:2: unknown key 'rulez' (did you mean 'rules'?)`],
    ['bad enum', 'rules:\n  - id: a\n    protocol: tcpp\n', `${F}:3: rule 'a': protocol: must be one of: tcp, udp, icmp, icmpv6, any`],
    ['missing id', 'rules:\n  - description: x\n', `${F}:2: rule #1: id: missing (expected a string)`],
    ['bad id', 'rules:\n  - id: Bad_Id\n', `${F}:2: rule 'Bad_Id': id: must match [a-z0-9][a-z0-9._-]* (lowercase)`],
    ['duplicate id', 'rules:\n  - id: a\n  - id: b\n  - id: a\n', `${F}:4: rule 'a': duplicate id (first defined at ${F}:2)`],
    ['reversed range', 'rules:\n  - id: a\n    protocol: tcp\n    dst_ports: [80, "90-70"]\n', `${F}:4: rule 'a': dst_ports: range '90-70' is reversed`],
    ['port out of range', 'rules:\n  - id: a\n    protocol: tcp\n    src_ports: 70000\n', `${F}:4: rule 'a': src_ports: port 70000 is out of range 0-65535`],
    ['ports on icmp', 'rules:\n  - id: a\n    protocol: icmp\n    dst_ports: 80\n', `${F}:4: rule 'a': dst_ports: ports apply to tcp and udp only, not icmp`],
    [
      'bad flags',
      'rules:\n  - id: a\n    protocol: tcp\n    tcp_flags: "SX"\n',
      `${F}:4: rule 'a': tcp_flags: 'SX' is not Suricata flags syntax: [+*!]letters FSRPAUCE or 0[,ignored letters]`,
    ],
    ['flags without tcp', 'rules:\n  - id: a\n    tcp_flags: "S"\n', `${F}:3: rule 'a': tcp_flags: tcp_flags needs protocol: tcp`],
    ['icmp_type without icmp', 'rules:\n  - id: a\n    protocol: udp\n    icmp_type: 8\n', `${F}:4: rule 'a': icmp_type: icmp_type needs protocol: icmp or icmpv6`],
    ['http on udp', 'rules:\n  - id: a\n    protocol: udp\n    http: true\n', `${F}:4: rule 'a': http: HTTP rules need protocol tcp (or any), not udp`],
    ['threshold count 0 (and more)', 'rules:\n  - id: a\n    threshold: {mode: limit, count: 0, window: 60, trak: by_src}\n', `${F}:3: rule 'a': threshold.count: must be >= 1 (and 1 more problem)`],
    ['threshold mode', 'rules:\n  - id: a\n    threshold:\n      mode: limt\n      count: 1\n      window: 60\n', `${F}:4: rule 'a': threshold.mode: must be one of: limit, threshold, both`],
    ['threshold window missing', 'rules:\n  - id: a\n    threshold: {mode: limit, count: 1}\n', `${F}:3: rule 'a': threshold.window: missing (expected a number)`],
    ['fractional count', 'rules:\n  - id: a\n    detection_filter: {count: 1.5, window: 60}\n', `${F}:3: rule 'a': detection_filter.count: expected an integer, got number 1.5`],
    ['boolean', 'rules:\n  - id: a\n    enabled: yes please\n', `${F}:3: rule 'a': enabled: expected true or false, got text 'yes please'`],
    ['bad suppress ip', 'rules:\n  - id: a\n    suppress: [{track: by_src, ip: 10.0.0.300}]\n', `${F}:3: rule 'a': suppress[0].ip: '10.0.0.300' is not an IPv4/IPv6 address or CIDR`],
    ['inline flag mid-pattern', 'rules:\n  - id: a\n    pattern: "a(?i)b"\n', `${F}:3: rule 'a': pattern: inline flags are supported only at the start of the pattern`],
    ['unsupported inline flag', 'rules:\n  - id: a\n    pattern: "(?x)a b"\n', `${F}:3: rule 'a': pattern: inline flag (?x) is not supported (use i, s, m)`],
    ['bad dsize', 'rules:\n  - id: a\n    dsize: "5<>2"\n', `${F}:3: rule 'a': dsize: range '5<>2' must have its lower bound first`],
    ['rule not a mapping', 'rules:\n  - 5\n', `${F}:2: rule #1: expected a mapping (id: ..., pattern: ...), got number 5`],
    ['rules not a list', 'rules: 5\n', `${F}:1: rules: expected a list of rules, got number 5`],
    ['YAML syntax', 'rules:\n  - id: a\n    id: b\n', `${F}:3: YAML syntax: Map keys must be unique`],
    ['YAML tab indentation', 'rules:\n\t- id: a\n', `${F}:2: YAML syntax: Tabs are not allowed as indentation`],
    ['first problem by line', 'rules:\n  - id: a\n    severity: huge\n  - id: b\n    mode: drop\n', `${F}:3: rule 'a': severity: must be one of: low, medium, high, critical (and 1 more problem)`],
  ];
  for (const [name, text, message] of cases) {
    it(name, () => fails(() => parseRules(text, F), message));
  }

  it('names the key line even when the value is on a later line', () => {
    fails(() => parseRules('rules:\n  - id: a\n    pattern:\n      "(x"\n', F), `${F}:4: rule 'a': pattern: invalid regular expression: Unterminated group`);
  });

  it('reports an unreadable file as one line', () => {
    fails(() => loadRuleFile('/nonexistent/rules.yaml'), '/nonexistent/rules.yaml: cannot read rule file: no such file', 'PALISADE_ERR_FILE_OPEN');
  });

  it('refuses an id defined in two files, naming both', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'palisade-rules-'));
    const a = path.join(dir, 'a.yaml');
    const b = path.join(dir, 'b.yaml');
    writeFileSync(a, 'rules:\n  - id: one\n  - id: two\n');
    writeFileSync(b, '# local rules\nrules:\n  - id: three\n  - id: two\n');
    fails(() => loadRuleFiles([a, b]), `${b}:4: rule 'two': duplicate id (first defined at ${a}:3)`);
  });
});

describe('signatures: rule file parsing', () => {
  it('applies the documented defaults', () => {
    const [r] = parseRules('rules:\n  - id: bare\n', F);
    assert.deepEqual(
      { ...r, source: undefined },
      {
        id: 'bare',
        description: 'bare',
        enabled: true,
        protocol: 'any',
        src_ports: null,
        dst_ports: null,
        direction: 'any',
        http: false,
        pattern: '',
        regex: null,
        content: null,
        tcp_flags: null,
        icmp_type: null,
        icmp_code: null,
        dsize: null,
        severity: 'medium',
        mode: 'alert',
        threshold: null,
        detection_filter: null,
        suppress: [],
        source: undefined,
      },
    );
    assert.deepEqual(r.source, { file: F, line: 2 });
  });

  it('accepts empty files and an empty rules list', () => {
    assert.deepEqual(parseRules('', F), []);
    assert.deepEqual(parseRules('# nothing yet\n', F), []);
    assert.deepEqual(parseRules('rules:\n', F), []);
    assert.deepEqual(parseRules('rules: []\n', F), []);
  });

  it('parses the port forms: any, number, list, string, ranges, exclusions', () => {
    assert.equal(parsePorts('any'), null);
    assert.deepEqual(parsePorts(22), [[22, 22]]);
    assert.deepEqual(parsePorts([80, 443, '8000-8100']), [[80, 80], [443, 443], [8000, 8100]]);
    assert.deepEqual(parsePorts('80,443,8000-8100'), [[80, 80], [443, 443], [8000, 8100]]);
    assert.deepEqual(parsePorts('1024-65535,!8080'), [[1024, 8079], [8081, 65535]]);
    assert.deepEqual(parsePorts('!0-1023'), [[1024, 65535]]);
    assert.equal(parsePorts('0-65535'), null);
  });

  it('translates leading inline flags and PCRE anchors', () => {
    const t = (p: string | string[]): { source: string; flags: string } | null => {
      const r = translatePattern(p);
      return r && { source: r.source, flags: r.flags };
    };
    assert.deepEqual(t('(?i)union\\s+select'), { source: 'union\\s+select', flags: 'i' });
    assert.deepEqual(t('(?is)a.b'), { source: 'a.b', flags: 'is' });
    assert.deepEqual(t('(?s)(?m)^a'), { source: '^a', flags: 'ms' });
    assert.deepEqual(t('\\Aabc\\z'), { source: '^abc$', flags: '' });
    assert.throws(() => translatePattern('[\\A]'), /\\A is not supported/, 'no anchor inside a class');
    assert.deepEqual(t('(?P<n>x)'), { source: '(?<n>x)', flags: '' });
    assert.deepEqual(t('[]a]'), { source: '[\\]a]', flags: '' }, "a leading ']' stays a literal");
    assert.ok(new RegExp(t('[]a]')!.source).test(']'));
    assert.throws(() => translatePattern('a\\hb'), /\\h is not supported/);
    assert.deepEqual(t(['(?i)a', 'b']), { source: '(?:a)|(?:b)', flags: 'i' });
    assert.deepEqual(translatePattern(['(?i)a', 'b(c)\\1'])?.alternatives, ['a', 'b(c)\\1'], 'a list keeps its elements apart');
    assert.equal(translatePattern(''), null);
    const seed002 = translatePattern('(?i)(union\\s+select|drop\\s+table)')!;
    const re = new RegExp(seed002.source, seed002.flags);
    assert.ok(re.test('1 UNION   SELECT 2'));
    assert.ok(re.test('x; DROP TABLE users'));
  });

  it('rejects mixed flags among alternatives', () => {
    fails(() => parseRules("rules:\n  - id: a\n    pattern: ['(?i)a', '(?s)b']\n", F), `${F}:3: rule 'a': pattern[1]: alternatives of one pattern must use the same inline flags`);
  });
});

describe('signatures: overrides from the config', () => {
  const base = (): ReturnType<typeof parseRules> =>
    parseRules('rules:\n  - {id: a, protocol: tcp, dst_ports: 22, mode: alert}\n  - {id: ping, protocol: icmp}\n', F);

  it('changes enabled, mode, severity, threshold and ports; leaves the input alone', () => {
    const specs = base();
    const out = applyOverrides(specs, {
      a: { mode: 'block', severity: 'critical', dst_ports: '22,2222', threshold: { mode: 'limit', count: 1, window: 60 } },
      ping: { enabled: false },
    });
    assert.equal(out[0].mode, 'block');
    assert.equal(out[0].severity, 'critical');
    assert.deepEqual(out[0].dst_ports, [[22, 22], [2222, 2222]]);
    assert.deepEqual(out[0].threshold, { mode: 'limit', count: 1, window: 60, track: 'by_src' });
    assert.equal(out[1].enabled, false);
    assert.equal(specs[0].mode, 'alert', 'input not modified');
    assert.equal(applyOverrides(out, { a: { threshold: null } })[0].threshold, null, 'null removes a threshold');
    assert.equal(applyOverrides(out, { a: { dst_ports: 'any' } })[0].dst_ports, null);
  });

  it('errors on an unknown rule id, a bad value or an unknown key', () => {
    fails(() => applyOverrides(base(), { pnig: { enabled: false } }, 'palisade.yaml'), "palisade.yaml: rule override 'pnig': unknown rule id (did you mean 'ping'?)", 'PALISADE_ERR_CONFIG');
    fails(() => applyOverrides(base(), { a: { mode: 'drop' } }, 'palisade.yaml'), "palisade.yaml: rule override 'a': mode: must be one of: alert, block", 'PALISADE_ERR_CONFIG');
    fails(
      () => applyOverrides(base(), { a: { threshold: { mode: 'limit', count: 2 } } }, 'palisade.yaml'),
      "palisade.yaml: rule override 'a': threshold.window: missing (expected a number)",
      'PALISADE_ERR_CONFIG',
    );
    fails(() => applyOverrides(base(), { a: { pattern: 'x' } }, 'palisade.yaml'), "palisade.yaml: rule override 'a': pattern: unknown key 'pattern'", 'PALISADE_ERR_CONFIG');
    fails(() => applyOverrides(base(), { ping: { dst_ports: 80 } }, 'palisade.yaml'), "palisade.yaml: rule override 'ping': ports apply to tcp and udp only, not icmp", 'PALISADE_ERR_CONFIG');
  });
});

describe('signatures: the default rule set', () => {
  it('loads and holds the shipped rules', () => {
    const specs = loadRuleFile(defaultRulesPath());
    assert.deepEqual(
      specs.map((s) => [s.id, s.severity, s.mode]),
      [
        ['http-sqli', 'critical', 'block'],
        ['http-path-traversal', 'high', 'block'],
        ['http-cmd-injection', 'critical', 'block'],
        ['http-xss', 'high', 'block'],
        ['inbound-sensitive-port', 'medium', 'alert'],
      ],
    );
    const port = specs[4];
    assert.deepEqual(port.dst_ports, [[22, 23], [2323, 2323], [3389, 3389], [5900, 5900]]);
    assert.equal(port.direction, 'inbound');
    assert.equal(port.tcp_flags?.text, 'S,CE');
    assert.deepEqual(port.threshold, { mode: 'limit', count: 1, window: 60, track: 'by_src' });
    for (const s of specs.slice(0, 4)) assert.equal(s.http, true);
  });
});
