// Cost of the signature engine per packet, with the default rules, on synthetic packets.
//
//   node dist/bench/signature-speed.js [--packets N] [--pool N] [--pcap FILE] [--json]
//
// Packets are built (or read and decoded) up front and kept in memory, so the figure is the
// engine's own cost: onPacket() for every packet, detections counted by the sink. The synthetic
// stream is TLS data, pure ACKs, SYNs (some to remote administration ports), QUIC, DNS, ICMP echo
// and HTTP responses, with 0%, 1% or 5% of packets being HTTP requests (1 in 10 of them an attack);
// HTTP requests alone (normal browser requests only, and with 10% attacks) and an engine without
// rules (the loop's own overhead) are measured too; with --pcap, the capture's HTTP requests alone.
// The stream cycles over a pool of --pool packets (default 2048, ~1.5 MB) so packet bytes sit in
// the CPU cache, as they do right after the reader wrote them. --pcap adds a capture's packets
// (each copied into its own buffer, so a large capture also pays cache misses).

import { AddrSet } from '../src/decode/ip-addr.js';
import { decodeFrame } from '../src/decode/decoder.js';
import { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, PacketView, TCP_ACK, TCP_PSH, TCP_SYN } from '../src/decode/packet-view.js';
import type { Detection } from '../src/detect/detection.js';
import { SignatureEngine, defaultRulesPath, isHttpRequest, loadRuleFile } from '../src/detect/signatures/index.js';
import { openCapture } from '../src/sources/pcap-file/index.js';
import { mulberry32 as prng } from './synth/prng.js';

const HOME = AddrSet.parse(['10.0.0.0/8'], 'home_net');


const NORMAL_REQUESTS = [
  'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\nAccept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://www.example.com/\r\nCookie: session=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYm9iIn0.abc; _ga=GA1.2.1234567890.1700000000\r\nConnection: keep-alive\r\n\r\n',
  'GET /search?q=how+to+cook+pasta&page=2 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\r\n',
  'POST /api/v1/events HTTP/1.1\r\nHost: api.example.com\r\nContent-Type: application/json\r\nContent-Length: 42\r\nAuthorization: Bearer abcdef0123456789\r\n\r\n{"event":"click","target":"#buy","n":1}',
];
const ATTACK_REQUESTS = [
  'GET /dvwa/vulnerabilities/sqli/?id=%25%27+or+%270%27%3D%270&Submit=Submit HTTP/1.1\r\nHost: 10.0.0.5\r\nUser-Agent: sqlmap/1.7\r\nCookie: security=low; PHPSESSID=abc\r\n\r\n',
  'GET /index.php?page=..%2F..%2F..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: 10.0.0.5\r\nUser-Agent: Nikto\r\n\r\n',
];

interface Built {
  views: PacketView[];
  httpRequests: number;
}

function view(
  rnd: () => number,
  proto: number,
  payload: Uint8Array,
  o: { sport: number; dport: number; flags?: number; inbound: boolean; icmpType?: number; ts: number },
): PacketView {
  const v = new PacketView();
  const ext = (0xc6336400 + Math.floor(rnd() * 65536)) >>> 0; // 198.51.x.x
  const int = (0x0a000000 + Math.floor(rnd() * 256)) >>> 0; // 10.0.0.x
  const src = o.inbound ? ext : int;
  const dst = o.inbound ? int : ext;
  const buf = new Uint8Array(14 + 20 + 20 + payload.length);
  const dv = new DataView(buf.buffer);
  dv.setUint32(26, src);
  dv.setUint32(30, dst);
  buf.set(payload, 54);
  v.buf = buf;
  v.ipVersion = 4;
  v.src4 = src;
  v.dst4 = dst;
  v.srcOff = 26;
  v.dstOff = 30;
  v.proto = proto;
  v.sport = o.sport;
  v.dport = o.dport;
  v.tcpFlags = o.flags ?? 0;
  v.icmpType = o.icmpType ?? -1;
  v.icmpCode = o.icmpType === undefined ? -1 : 0;
  v.l4Off = 34;
  v.payloadOff = 54;
  v.payloadLen = payload.length;
  v.ts = o.ts;
  v.caplen = buf.length;
  return v;
}

function randomBytes(rnd: () => number, n: number, first: number[]): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
  b.set(first.slice(0, n));
  return b;
}

function build(n: number, httpShare: number, onlyHttp = false, attackShare = 0.1): Built {
  const rnd = prng(0x5eed);
  const views: PacketView[] = [];
  let httpRequests = 0;
  const t0 = 1_767_225_600;
  for (let i = 0; i < n; i++) {
    const ts = t0 + i / 10000;
    const r = onlyHttp ? 2 : rnd();
    const eph = 32768 + Math.floor(rnd() * 28000);
    const inbound = rnd() < 0.5;
    if (r < 0.4) {
      // TLS application data on 443
      const len = 40 + Math.floor(rnd() * 1400);
      views.push(view(rnd, IPPROTO_TCP, randomBytes(rnd, len, [0x17, 0x03, 0x03]), { sport: inbound ? eph : 443, dport: inbound ? 443 : eph, flags: TCP_ACK | TCP_PSH, inbound, ts }));
    } else if (r < 0.55) {
      // pure ACKs
      views.push(view(rnd, IPPROTO_TCP, new Uint8Array(0), { sport: eph, dport: 443, flags: TCP_ACK, inbound, ts }));
    } else if (r < 0.6) {
      // SYNs, some to remote administration ports
      const dport = rnd() < 0.1 ? [22, 23, 3389, 5900][Math.floor(rnd() * 4)] : Math.floor(rnd() * 65536);
      views.push(view(rnd, IPPROTO_TCP, new Uint8Array(0), { sport: eph, dport, flags: TCP_SYN, inbound, ts }));
    } else if (r < 0.75) {
      // QUIC
      const len = 60 + Math.floor(rnd() * 1200);
      views.push(view(rnd, IPPROTO_UDP, randomBytes(rnd, len, [0x40]), { sport: eph, dport: 443, inbound, ts }));
    } else if (r < 0.83) {
      // DNS
      views.push(view(rnd, IPPROTO_UDP, randomBytes(rnd, 40 + Math.floor(rnd() * 60), [0x12, 0x34, 0x01, 0x00]), { sport: eph, dport: 53, inbound: false, ts }));
    } else if (r < 0.86) {
      // ICMP echo
      views.push(view(rnd, IPPROTO_ICMP, randomBytes(rnd, 56, []), { sport: 0, dport: 0, icmpType: 8, inbound, ts }));
    } else if (r < 1 - httpShare) {
      // HTTP responses and bodies from port 80
      const body = rnd() < 0.3 ? Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1024\r\n\r\n<html><body>hello</body></html>') : randomBytes(rnd, 1000, [0x3c, 0x64, 0x69, 0x76]);
      views.push(view(rnd, IPPROTO_TCP, body, { sport: 80, dport: eph, flags: TCP_ACK | TCP_PSH, inbound: false, ts }));
    } else {
      // HTTP requests (1 in 10 an attack)
      const text = rnd() < attackShare ? ATTACK_REQUESTS[Math.floor(rnd() * ATTACK_REQUESTS.length)] : NORMAL_REQUESTS[Math.floor(rnd() * NORMAL_REQUESTS.length)];
      views.push(view(rnd, IPPROTO_TCP, Buffer.from(text, 'latin1'), { sport: eph, dport: 80, flags: TCP_ACK | TCP_PSH, inbound: true, ts }));
      httpRequests++;
    }
  }
  return { views, httpRequests };
}

function fromPcap(file: string): PacketView[] {
  const src = openCapture(file);
  const v = new PacketView();
  const out: PacketView[] = [];
  try {
    while (src.next(v)) {
      const copy = new PacketView();
      // A copy: the reader's buffer is a Buffer, whose slice() is a view the next read overwrites.
      copy.buf = Uint8Array.prototype.slice.call(v.buf, v.frameOff, v.frameOff + v.caplen);
      copy.frameOff = 0;
      copy.caplen = v.caplen;
      copy.wirelen = v.wirelen;
      copy.linktype = v.linktype;
      copy.ts = v.ts;
      copy.index = v.index;
      decodeFrame(copy);
      out.push(copy);
    }
  } finally {
    src.close();
  }
  return out;
}

interface Result {
  name: string;
  packets: number;
  nsPerPacket: number;
  detections: number;
}

function measure(name: string, engineFor: () => SignatureEngine, views: PacketView[], total: number): Result {
  let detections = 0;
  const sink = (_d: Detection): void => {
    detections++;
  };
  // Warm up on a fresh engine so the JIT has seen every path, then time a fresh one.
  let e = engineFor();
  for (let i = 0; i < Math.min(total, 200_000); i++) e.onPacket(views[i % views.length], sink);
  e = engineFor();
  detections = 0;
  const n = views.length;
  const t = process.hrtime.bigint();
  for (let i = 0; i < total; i++) e.onPacket(views[i % n], sink);
  const ns = Number(process.hrtime.bigint() - t);
  return { name, packets: total, nsPerPacket: ns / total, detections };
}

function main(argv: string[]): void {
  let packets = 5_000_000;
  let pool = 2048;
  let pcap: string | null = null;
  let json = false;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--packets') packets = Number(argv[++i]);
    else if (a === '--pool') pool = Number(argv[++i]);
    else if (a === '--pcap') pcap = argv[++i];
    else if (a === '--json') json = true;
    else {
      process.stderr.write(`signature-speed: unknown argument ${a}\nusage: signature-speed [--packets N] [--pool N] [--pcap FILE] [--json]\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(packets) || packets < 1 || !Number.isInteger(pool) || pool < 1) {
    process.stderr.write('signature-speed: --packets and --pool need a positive integer\n');
    process.exit(2);
  }
  const rules = loadRuleFile(defaultRulesPath());
  const withRules = (): SignatureEngine => new SignatureEngine(rules, { homeNet: HOME });
  const noRules = (): SignatureEngine => new SignatureEngine([], { homeNet: HOME });

  const share = (b: Built): string => `${((100 * b.httpRequests) / b.views.length).toFixed(1)}%`;
  const plain = build(pool, 0);
  const mixed = build(pool, 0.01);
  const heavy = build(pool, 0.05);
  const http = build(4_096, 0, true);
  const normalHttp = build(4_096, 0, true, 0);
  // The engine without rules runs last: its different shape would otherwise leave the JIT's
  // feedback for the shared code polluted for the measurements that follow (a production process
  // runs one engine).
  const results: Result[] = [
    measure('mixed, no HTTP requests', withRules, plain.views, packets),
    measure(`mixed, ${share(mixed)} HTTP requests`, withRules, mixed.views, packets),
    measure(`mixed, ${share(heavy)} HTTP requests`, withRules, heavy.views, packets),
    measure('HTTP requests only (10% attacks)', withRules, http.views, Math.max(1, Math.floor(packets / 50))),
    measure('HTTP requests only (no attacks)', withRules, normalHttp.views, Math.max(1, Math.floor(packets / 50))),
  ];
  if (pcap) {
    const views = fromPcap(pcap);
    if (views.length > 0) {
      results.push(measure(`pcap ${pcap} (${views.length} packets)`, withRules, views, Math.max(packets, views.length)));
      const requests = views.filter((v) => v.proto === IPPROTO_TCP && v.payloadLen > 0 && v.l4Off >= 0 && isHttpRequest(v.buf, v.payloadOff, v.payloadLen));
      if (requests.length > 0) results.push(measure(`pcap HTTP requests only (${requests.length})`, withRules, requests, Math.max(requests.length, Math.floor(packets / 50))));
    }
  }
  results.push(measure('no rules (loop overhead)', noRules, mixed.views, packets));
  if (json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, rules: rules.length, results }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`signature engine, ${rules.length} default rules, node ${process.version}\n`);
  for (const r of results) {
    process.stdout.write(`  ${r.name.padEnd(44)} ${r.nsPerPacket.toFixed(1).padStart(8)} ns/packet  (${r.packets} packets, ${r.detections} detections)\n`);
  }
}

main(process.argv);
