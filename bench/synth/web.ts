// One TCP connection carrying HTTP (port 80) or TLS records (port 443), seen from the server's LAN:
// three-way handshake with MSS options, one or more requests, each answered by a response cut into
// MSS-sized segments sent in bursts of up to ten and acknowledged every second segment, then a FIN
// teardown. Sequence and acknowledgement numbers are exact, so Wireshark reassembles every request
// and response. Normal browsing and every web attack use this same session.

import { ACK, FIN, PSH, SYN } from './frames.js';
import { decimalLength, HttpRequest, writeDecimal } from './payloads.js';
import { Flow, Synth } from './timeline.js';

export const MSS = 1460;
const BURST = 10;

const enum St {
  Syn,
  SynAck,
  Ack,
  Req,
  SrvAck,
  Resp,
  CliAck,
  CliFin,
  SrvFin,
  Last,
}

export interface WebSessionOptions {
  /** Client and server: IPv4 numbers, or IPv6 16-byte addresses when v6 is set. */
  cli4?: number;
  srv4?: number;
  cli6?: Uint8Array;
  srv6?: Uint8Array;
  sport: number;
  dport: number;
  /** TLS records instead of HTTP text (port 443). */
  tls: boolean;
  /** Requests in order; the session sends `count` of them, cycling from `first`. */
  requests: readonly HttpRequest[];
  first: number;
  count: number;
  /** Pick each request at random from `requests` instead of in order. */
  randomRequests: boolean;
  /** Round-trip time between the client and the capture point (µs). */
  rtt: number;
  ttlClient: number;
  ttlServer: number;
  vlan: number;
  /** Client think time between requests on the connection (µs, mean). */
  think: number;
  /** Cap on a response's body (HTTP) or total size (TLS), bytes; default none. */
  maxBody?: number;
}

export class WebSession extends Flow {
  private st = St.Syn;
  private readonly o: WebSessionOptions;
  private cseq: number;
  private sseq: number;
  private ipIdC: number;
  private ipIdS: number;
  private left: number;
  private next: number;
  private req: HttpRequest | null = null;
  // response stream
  private hdrLen = 0;
  private bodyLen = 0;
  private total = 0;
  private sent = 0;
  private burstSegs = 0;
  private burstStart = 0;
  private acksDone = 0;

  constructor(label: string, s: Synth, o: WebSessionOptions) {
    super(label);
    this.o = o;
    const r = s.rng;
    this.cseq = r.u32();
    this.sseq = r.u32();
    this.ipIdC = r.int(65536);
    this.ipIdS = r.int(65536);
    this.left = o.count;
    this.next = o.first;
  }

  private dir(s: Synth, fromClient: boolean, flags: number, seq: number, ack: number, window: number): void {
    const f = s.f;
    const o = this.o;
    f.vlan = o.vlan;
    f.proto = 6;
    f.flags = flags;
    f.seq = seq >>> 0;
    f.ack = ack >>> 0;
    f.window = window;
    f.mss = 0;
    f.noPayload();
    if (o.cli6 && o.srv6) {
      f.v6 = true;
      f.src6.set(fromClient ? o.cli6 : o.srv6);
      f.dst6.set(fromClient ? o.srv6 : o.cli6);
    } else {
      f.v6 = false;
      f.src4 = fromClient ? (o.cli4 as number) : (o.srv4 as number);
      f.dst4 = fromClient ? (o.srv4 as number) : (o.cli4 as number);
    }
    f.sport = fromClient ? o.sport : o.dport;
    f.dport = fromClient ? o.dport : o.sport;
    f.ttl = fromClient ? o.ttlClient : o.ttlServer;
    f.df = true;
    f.ipId = fromClient ? this.ipIdC++ & 0xffff : this.ipIdS++ & 0xffff;
  }

  step(s: Synth): boolean {
    const o = this.o;
    const r = s.rng;
    const f = s.f;
    switch (this.st) {
      case St.Syn:
        this.dir(s, true, SYN, this.cseq, 0, 64240);
        f.mss = 1460;
        s.emit();
        this.cseq = (this.cseq + 1) >>> 0;
        this.st = St.SynAck;
        this.t += r.range(15, 80);
        return true;
      case St.SynAck:
        this.dir(s, false, SYN | ACK, this.sseq, this.cseq, 65160);
        f.mss = 1460;
        s.emit();
        this.sseq = (this.sseq + 1) >>> 0;
        this.st = St.Ack;
        this.t += o.rtt;
        return true;
      case St.Ack:
        this.dir(s, true, ACK, this.cseq, this.sseq, 64240);
        s.emit();
        this.st = St.Req;
        this.t += r.range(40, 400);
        return true;
      case St.Req: {
        const req = o.randomRequests ? r.pick(o.requests) : o.requests[this.next++ % o.requests.length];
        this.req = req;
        this.left--;
        this.dir(s, true, PSH | ACK, this.cseq, this.sseq, 64240);
        let len: number;
        if (o.tls) {
          len = 5 + r.range(240, 900);
          this.tlsRecord(s, len);
        } else {
          len = req.bytes.length;
          f.setPayload(req.bytes, 0, len);
        }
        s.emit();
        this.cseq = (this.cseq + len) >>> 0;
        this.prepareResponse(s, req);
        this.st = r.chance(0.3) ? St.SrvAck : St.Resp;
        this.t += this.st === St.SrvAck ? r.range(20, 60) : r.range(150, 8000);
        return true;
      }
      case St.SrvAck:
        this.dir(s, false, ACK, this.sseq, this.cseq, 65160);
        s.emit();
        this.st = St.Resp;
        this.t += r.range(150, 8000);
        return true;
      case St.Resp: {
        if (this.burstSegs === 0) this.burstStart = this.sseq;
        const len = Math.min(MSS, this.total - this.sent);
        const last = this.sent + len === this.total;
        const burstEnds = last || this.burstSegs + 1 === BURST;
        this.dir(s, false, burstEnds ? PSH | ACK : ACK, this.sseq, this.cseq, 65160);
        this.segmentPayload(s, len);
        s.emit();
        this.sseq = (this.sseq + len) >>> 0;
        this.sent += len;
        this.burstSegs++;
        if (burstEnds) {
          this.st = St.CliAck;
          this.acksDone = 0;
          this.t += o.rtt;
        } else {
          this.t += 1 + (len >> 7);
        }
        return true;
      }
      case St.CliAck: {
        const acks = (this.burstSegs + 1) >> 1;
        this.acksDone++;
        const covered = Math.min(this.burstSegs, 2 * this.acksDone);
        const ackTo = covered === this.burstSegs ? this.sseq : (this.burstStart + covered * MSS) >>> 0;
        this.dir(s, true, ACK, this.cseq, ackTo, 64240);
        s.emit();
        if (this.acksDone < acks) {
          this.t += r.range(2, 25);
          return true;
        }
        this.burstSegs = 0;
        if (this.sent < this.total) {
          this.st = St.Resp;
          this.t += r.range(10, 60);
        } else if (this.left > 0) {
          this.st = St.Req;
          this.t += Math.round(r.jitter(o.think));
        } else {
          this.st = St.CliFin;
          this.t += r.range(2000, 400000);
        }
        return true;
      }
      case St.CliFin:
        this.dir(s, true, FIN | ACK, this.cseq, this.sseq, 64240);
        s.emit();
        this.cseq = (this.cseq + 1) >>> 0;
        this.st = St.SrvFin;
        this.t += r.range(20, 120);
        return true;
      case St.SrvFin:
        this.dir(s, false, FIN | ACK, this.sseq, this.cseq, 65160);
        s.emit();
        this.sseq = (this.sseq + 1) >>> 0;
        this.st = St.Last;
        this.t += o.rtt;
        return true;
      case St.Last:
        this.dir(s, true, ACK, this.cseq, this.sseq, 64240);
        s.emit();
        return false;
    }
  }

  private prepareResponse(s: Synth, req: HttpRequest): void {
    const r = s.rng;
    const k = req.resp;
    this.sent = 0;
    this.burstSegs = 0;
    if (this.o.tls) {
      let lo = k.hasBody ? k.minBody + 200 : 120;
      let hi = k.hasBody ? k.maxBody + 400 : 400;
      if (this.o.maxBody !== undefined) {
        hi = Math.max(64, Math.min(hi, this.o.maxBody));
        lo = Math.min(lo, hi >> 2);
      }
      let total = r.range(lo, hi);
      const tail = total % MSS;
      if (tail > 0 && tail < 16) total += 16; // every segment is a whole TLS record of >= 16 bytes
      this.total = total;
      this.hdrLen = 0;
      this.bodyLen = 0;
      return;
    }
    let hi = Math.min(k.maxBody, k.body.length);
    let lo = k.minBody;
    if (this.o.maxBody !== undefined && lo !== hi) {
      hi = Math.min(hi, this.o.maxBody);
      lo = Math.min(lo, hi >> 2);
    }
    this.bodyLen = k.hasBody ? r.range(lo, hi) : 0;
    this.hdrLen = k.head.length + (k.hasBody ? decimalLength(this.bodyLen) + k.tail.length : 0);
    this.total = this.hdrLen + this.bodyLen;
  }

  /** Payload of the response segment covering stream bytes [sent, sent + len). */
  private segmentPayload(s: Synth, len: number): void {
    const f = s.f;
    if (this.o.tls) {
      this.tlsRecord(s, len);
      return;
    }
    const k = (this.req as HttpRequest).resp;
    if (this.sent >= this.hdrLen) {
      f.setPayload(k.body, this.sent - this.hdrLen, len);
      return;
    }
    // First segment: the head (with the body length) and the start of the body.
    const b = s.scratch;
    let p = k.head.copy(b, 0);
    if (k.hasBody) {
      p += writeDecimal(b, p, this.bodyLen);
      p += k.tail.copy(b, p);
    }
    if (len > p) k.body.copy(b, p, 0, len - p);
    f.setPayload(b, 0, len);
  }

  /** One TLS 1.2 application-data record filling `len` bytes (5-byte header + noise). */
  private tlsRecord(s: Synth, len: number): void {
    const b = s.scratch;
    b[0] = 23;
    b[1] = 3;
    b[2] = 3;
    b[3] = ((len - 5) >>> 8) & 255;
    b[4] = (len - 5) & 255;
    const noise = s.payloads.noise;
    const at = (this.sseq ^ this.cseq) & 0x7fff;
    noise.copy(b, 5, at, at + len - 5);
    s.f.setPayload(b, 0, len);
  }
}
