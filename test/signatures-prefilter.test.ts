// The literal prefilter: which literals a regex cannot match without (necessaryLiterals), the
// Aho-Corasick scanner, and the guarantee that gating never changes a result: the engine with its
// gates must report exactly what running every alternative's regex would.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddrSet } from '../src/decode/ip-addr.js';
import type { Detection } from '../src/detect/detection.js';
import { necessaryLiterals, splitTopLevel } from '../src/detect/signatures/fields.js';
import { SignatureEngine, defaultRulesPath, httpSubject, isHttpRequest, loadRuleFile, parseRules } from '../src/detect/signatures/index.js';
import { LiteralScanner } from '../src/detect/signatures/prefilter.js';
import { mulberry32 as prng } from '../bench/synth/prng.js';
import { requestView } from './support/packets.js';

describe('signatures: necessary literals of a regex', () => {
  const cases: [string, boolean, string[] | null][] = [
    ['abc', false, ['abc']],
    ['a?bc+d', false, ['bc']],
    ['(?:foo|bar)baz', false, ['baz']],
    ['(?:foo|bar)\\d', false, ['foo', 'bar']],
    ['(foo|)x', false, ['x']],
    ['(?:ab)?cd', false, ['cd']],
    ['(?:ab)*', false, null],
    ['(?:ab)+', false, ['ab']],
    ['x{0,3}', false, null],
    ['\\.{2,}/', false, ['..']],
    ['a|b', false, ['a', 'b']],
    ['a|\\d', false, null],
    ['[^ab]', false, null],
    ['[a-c]', false, null],
    ['[\\x27\\x22]x', false, ["'x", '"x']],
    ['[\\x27\\x22]\\s*x', false, ["'", '"']],
    ['etc[/\\\\]+passwd', false, ['passwd']],
    ['[ \\t]-e', false, [' -e', '\t-e']],
    ['[abcdefghij]xyz', false, ['xyz']],
    ['x(?=abc)', false, ['x']],
    ['(?<!abc)x', false, ['x']],
    ['(?<n>ab)\\k<n>cd', false, ['ab']],
    ['a\\1bcd', false, ['bcd']],
    ['\\cJab', false, ['ab']],
    ['\\x27\\s*or', true, ["'"]],
    ['\\bUNION\\b', true, ['union']],
    ['Élan', true, ['lan']],
    ['Élan', false, ['Élan']],
    ['\\d+\\s*', false, null],
    ['', false, null],
  ];
  for (const [src, ci, want] of cases) {
    it(`${JSON.stringify(src)}${ci ? ' /i' : ''} -> ${JSON.stringify(want)}`, () => {
      const got = necessaryLiterals(src, ci);
      assert.deepEqual(got === null ? null : [...got].sort(), want === null ? null : [...want].sort());
    });
  }

  it('splits top-level alternations, but not inside groups or with back-references', () => {
    assert.deepEqual(splitTopLevel('a|b(c|d)|[|]'), ['a', 'b(c|d)', '[|]']);
    assert.deepEqual(splitTopLevel('(a)\\1|b'), ['(a)\\1|b']);
    assert.deepEqual(splitTopLevel('a||b'), ['a||b'], 'an empty branch keeps the source whole');
    assert.deepEqual(splitTopLevel('a\\|b'), ['a\\|b']);
  });
});


describe('signatures: literal scanner', () => {
  it('finds exactly the literals that occur, ASCII case-insensitively', () => {
    const lits = ['select', 'or', "'", 'sleep(', 'a', 'aa', 'aab', 'b', '\n', 'Élan', '<script'];
    const s = new LiteralScanner(lits);
    const rnd = prng(7);
    const alphabet = ["SeLeCt", 'or', 'OR', "'", 'sleep(', 'a', 'b', 'A', 'x', ' ', '\n', 'Élan', 'élan', '<ScRiPt', '\u2215', '%'];
    for (let round = 0; round < 2000; round++) {
      let text = '';
      const n = Math.floor(rnd() * 12);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rnd() * alphabet.length)];
      const hits = new Uint8Array(lits.length);
      s.scan(text, hits);
      const fold = (x: string): string => x.replace(/[A-Z]/g, (c) => c.toLowerCase());
      const want = lits.map((l) => (fold(text).includes(fold(l)) ? 1 : 0));
      assert.deepEqual([...hits], want, JSON.stringify(text));
      const bytes = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
      const hb = new Uint8Array(lits.length);
      s.scanBytes(bytes, 0, bytes.length, hb);
      const wantB = lits.map((l) => (fold(bytes.toString('latin1')).includes(fold(l)) ? 1 : 0));
      assert.deepEqual([...hb], wantB, `bytes ${JSON.stringify(text)}`);
    }
  });

  it('handles an empty literal list', () => {
    const s = new LiteralScanner([]);
    s.scan('anything', new Uint8Array(0));
  });
});


describe('signatures: gating never changes a result', () => {
  const specs = loadRuleFile(defaultRulesPath()).filter((s) => s.http);
  const pieces = specs.map((s) => ({
    id: s.id,
    res: s.regex!.alternatives.flatMap((a) => splitTopLevel(a)).map((p) => new RegExp(p, s.regex!.flags)),
  }));
  const fragments = [
    "'", '"', ' or ', ' OR ', ' and ', '1=1', "'1'='1", 'union', ' ', 'select', 'UNION ALL SELECT', '/**/', '--', '#', ';', '|', '`', '$(',
    '&&', '\n', '%0a', '%27', '%2527', '%u0027', '+', 'sleep(5)', 'SLEEP (5)', 'benchmark(1000,md5(1))', 'extractvalue(', 'information_schema',
    '@@version', 'version()', 'into outfile', 'drop table x', '/*!50000', 'order by 3--', '../', '..\\', '%2e%2e%2f', '....//', '/etc/passwd',
    'php://filter', '=file:///etc', 'cat ', 'id', 'whoami', '${IFS}', '() { :; };', '/bin/sh', 'cmd /c ', 'powershell -enc ', 'nc 1.2.3.4 4444 -e ',
    'wget http://x/ | sh', '<script>', '</SCRIPT>', '<img src=x onerror=', '<svg/onload=', 'javascript:', 'document.cookie', 'alert(1)',
    'String.fromCharCode(', 'srcdoc=', '" onmouseover="', 'Mozilla/5.0 (X11; Linux x86_64)', 'text/html;q=0.9', 'keep-alive', 'a', 'Z', '0',
  ];
  it('matches brute force on 3000 generated requests', () => {
    const rnd = prng(42);
    const e = new SignatureEngine(specs, { homeNet: new AddrSet() });
    let alerts = 0;
    for (let round = 0; round < 3000; round++) {
      let target = '/x?q=';
      let header = '';
      for (let i = Math.floor(rnd() * 6); i > 0; i--) target += fragments[Math.floor(rnd() * fragments.length)];
      for (let i = Math.floor(rnd() * 4); i > 0; i--) header += fragments[Math.floor(rnd() * fragments.length)];
      const req = `GET ${target} HTTP/1.1\r\nHost: h\r\nUser-Agent: ${header.replace(/\r|\n/g, ' ')}\r\nCookie: a=${header}\r\n\r\n`;
      const v = requestView(req);
      const got: Detection[] = [];
      e.onPacket(v, (d) => got.push(d));
      assert.ok(isHttpRequest(v.buf, v.payloadOff, v.payloadLen));
      const subject = httpSubject(v.buf, v.payloadOff, v.payloadLen);
      const want = pieces.filter((p) => p.res.some((re) => re.test(subject))).map((p) => p.id);
      assert.deepEqual(
        got.map((d) => d.ruleId),
        want,
        JSON.stringify(req),
      );
      alerts += got.length;
    }
    assert.ok(alerts > 1000, `the fuzz exercises matches too (${alerts})`);
  });

  it('works for raw payload rules and case-sensitive patterns', () => {
    const e = new SignatureEngine(
      parseRules("rules:\n  - {id: cs, protocol: tcp, pattern: ['Secret\\d+', '(?:TOKEN|KEY)=']}\n  - {id: ci, protocol: tcp, pattern: '(?i)x-evil'}\n", 't.yaml'),
      { homeNet: new AddrSet() },
    );
    const run = (payload: string): string[] => {
      const out: Detection[] = [];
      e.onPacket(requestView(payload), (d) => out.push(d));
      return out.map((d) => `${d.ruleId}:${d.evidence.matched}`);
    };
    assert.deepEqual(run('\x00\x01Secret42'), ['cs:Secret42']);
    assert.deepEqual(run('\x00\x01secret42'), [], 'case-sensitive');
    assert.deepEqual(run('KEY=1 X-EVIL'), ['cs:KEY=', 'ci:X-EVIL']);
    assert.deepEqual(run('key=1'), []);
  });
});
