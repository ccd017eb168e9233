// Host log lines through decode -> detect: auth log / journal lines of sshd into the ssh-bruteforce
// detector, access log requests into the HTTP signature rules (the same rules packets meet). Shared
// by `analyze` and `explain` and called by the daemon for every followed line.
//
// Per-line cost: the syslog prefix and the sshd message are read in place (offsets, numbers);
// lines of other programs stop at the program name. A string is cut only for what a verdict or an
// alert reports (the address and user of an sshd line when `detail` is on).

import { AccessLogLine, requestBytes } from '../decode/log/access-log.js';
import { parseJournalLine } from '../decode/log/journald-json.js';
import type { LineOrigin } from '../decode/log/log-event.js';
import type { LogFileKind } from '../decode/log/sniff.js';
import { NOTE_NONE, NOTE_TEXT, R_ACCEPTED, R_NONE, SSH_REASONS, SshLine, isSshdProgram } from '../decode/log/sshd.js';
import { SyslogParser } from '../decode/log/syslog.js';
import { parseCidr } from '../decode/ip-addr.js';
import { IPPROTO_TCP, PacketView, TCP_ACK, TCP_PSH } from '../decode/packet-view.js';
import type { Config } from '../config/defaults.js';
import type { Detection, DetectionSink } from '../detect/detection.js';
import type { SignatureEngine } from '../detect/signatures/index.js';
import { HTTP_SUBJECT_CAP } from '../detect/signatures/http.js';
import {
  SSH_ALERTED,
  SSH_COUNTED,
  SSH_IGNORED,
  SSH_NOT_COUNTED,
  SSH_SAME_CONNECTION,
  SshBruteforceDetector,
  type SshCounters,
} from '../detect/ssh-bruteforce.js';

export type LogKind = LogFileKind;
export type LineKind = 'ssh_failure' | 'ssh_success' | 'http_request' | 'none';

/** What one line was and did. The pipeline reuses one verdict object: copy what you keep. */
export interface LineVerdict {
  line: number;
  kind: LineKind;
  /** Event time of the line (seconds), null when it has none we can read. */
  ts: number | null;
  ip: string | null;
  user: string | null;
  /** Rules that alerted on this line: ['ssh-bruteforce'] on the line that reached the threshold, ['http-sqli'], ... */
  rules: string[];
  /** sshd: which message it was (failed_password, invalid_user, ...); null otherwise. */
  reason: string | null;
  /** sshd failures: whether the line added to its source's count. */
  counted: boolean;
  /** Why a recognised line did not count or names nobody; null when there is nothing to say. */
  note: string | null;
}

export interface LogCounters extends SshCounters {
  log_lines: number;
  /** Lines of sshd (auth log or journal) and their recognised authentication messages. */
  sshd_lines: number;
  ssh_failures: number;
  ssh_successes: number;
  http_requests: number;
  /** Lines that are not in the format of their file (not a syslog line, not JSON, not an access log line). */
  unparsed_lines: number;
}

export interface LogPipelineOptions {
  /** Fill ip/user of verdicts (explain, daemon); analyze turns it off. Default true. */
  detail?: boolean;
  /** Reference time for RFC 3164 years (seconds); null = the wall clock at each line. */
  reference?: number | null;
}

const NOTES: Record<number, string> = {
  [SSH_NOT_COUNTED]: 'not counted: ',
  [SSH_SAME_CONNECTION]: 'not counted: this connection (address and client port) was already counted',
};

/** Why a kind of failure line never counts (see ssh-bruteforce.ts). */
function neverCountedWhy(line: SshLine): string {
  if (line.note !== NOTE_NONE) return NOTE_TEXT[line.note];
  switch (SSH_REASONS[line.reason]) {
    case 'pam_failure':
      return 'PAM line: the "Failed ..." line of the same attempt counts instead';
    case 'failed_publickey':
      return 'a key offered by a valid user and refused is normal (clients try every key they hold)';
  }
  return 'this message does not count';
}

export class LogPipeline {
  readonly ssh: SshBruteforceDetector;
  private readonly syslog: SyslogParser;
  private readonly sshLine = new SshLine();
  private readonly access = new AccessLogLine();
  private readonly view = new PacketView();
  private readonly req: Uint8Array;
  private readonly detail: boolean;
  private readonly verdict: LineVerdict = { line: 0, kind: 'none', ts: null, ip: null, user: null, rules: [], reason: null, counted: false, note: null };
  private readonly emitWrapped: DetectionSink;
  private origin: LineOrigin = { source: '', line: 0 };
  private kind: LogKind = 'auth-log';
  private readonly placeholder4: number;
  private readonly placeholder6: Uint8Array;
  private readonly counts: Omit<LogCounters, keyof SshCounters> = {
    log_lines: 0,
    sshd_lines: 0,
    ssh_failures: 0,
    ssh_successes: 0,
    http_requests: 0,
    unparsed_lines: 0,
  };
  minTs = Infinity;
  maxTs = -Infinity;

  constructor(
    config: Config,
    private readonly sink: DetectionSink,
    /** The HTTP rules for access log requests; null: requests are read and counted, no rule runs. */
    private readonly signatures: SignatureEngine | null,
    opts: LogPipelineOptions = {},
  ) {
    this.ssh = new SshBruteforceDetector(config.detect.ssh_bruteforce, config.detect.cooldown, config.detect.max_sources);
    this.syslog = new SyslogParser(opts.reference ?? null);
    this.detail = opts.detail ?? true;
    // Access log requests are addressed to "us": the first address of the first home_net network of
    // the client's family (only thresholds tracked by_dst see it; alerts report no destination).
    const nets = config.home_net.map((t) => parseCidr(t)).filter((c) => c !== null);
    const v4 = nets.find((c) => c.version === 4);
    this.placeholder4 = v4 ? (((v4.bytes[0] << 24) | (v4.bytes[1] << 16) | (v4.bytes[2] << 8) | v4.bytes[3]) + (v4.bits < 32 ? 1 : 0)) >>> 0 : 0;
    const v6 = nets.find((c) => c.version === 6);
    this.placeholder6 = v6 ? v6.bytes.slice() : new Uint8Array(16);
    if (v6 && v6.bits < 128) this.placeholder6[15] |= 1;
    this.req = new Uint8Array(64 + HTTP_SUBJECT_CAP);
    const view = this.view;
    view.buf = this.req;
    view.proto = IPPROTO_TCP;
    view.srcOff = 0;
    view.dstOff = 16;
    view.l4Off = 32;
    view.payloadOff = 52;
    view.dport = 80;
    view.tcpFlags = TCP_PSH | TCP_ACK;
    this.emitWrapped = (d) => this.forward(d);
  }

  /** Reference time for RFC 3164 years: the file's mtime when reading a file to its end; null = wall clock. */
  setReferenceTime(t: number | null): void {
    this.syslog.setReference(t);
  }

  counters(): LogCounters {
    return { ...this.counts, ...this.ssh.counters() };
  }

  /** One line (without its newline) of a log of `kind`. The returned verdict is reused by the next call. */
  onLine(text: string, origin: LineOrigin, kind: LogKind): LineVerdict {
    let end = text.length;
    if (end > 0 && text.charCodeAt(end - 1) === 13) end--;
    return this.onSpan(text, 0, end, origin, kind);
  }

  /** Like onLine() for the line s[start..end) of a larger string (no substring is cut). */
  onSpan(s: string, start: number, end: number, origin: LineOrigin, kind: LogKind): LineVerdict {
    const v = this.verdict;
    v.line = origin.line;
    v.kind = 'none';
    v.ts = null;
    v.ip = null;
    v.user = null;
    if (v.rules.length !== 0) v.rules.length = 0;
    v.reason = null;
    v.counted = false;
    v.note = null;
    this.origin = origin;
    this.kind = kind;
    this.counts.log_lines++;
    if (kind === 'auth-log') this.authLine(s, start, end, v);
    else if (kind === 'access-log') this.accessLine(s, start, end, v);
    else this.journalLine(s, start, end, v);
    return v;
  }

  private authLine(s: string, start: number, end: number, v: LineVerdict): void {
    const sys = this.syslog;
    if (!sys.parse(s, start, end)) {
      this.unparsed(v, 'not a syslog line (no "Mmm dd hh:mm:ss host prog[pid]:" or ISO 8601 prefix)');
      return;
    }
    this.stamp(sys.ts, v);
    if (!isSshdProgram(s, sys.progStart, sys.progEnd)) return;
    this.sshMessage(s, sys.msgStart, sys.msgEnd, sys.ts, v);
  }

  private journalLine(s: string, start: number, end: number, v: LineVerdict): void {
    const e = parseJournalLine(start === 0 && end === s.length ? s : s.slice(start, end));
    if (e === null) {
      this.unparsed(v, 'not a journal entry (a JSON object with MESSAGE and __REALTIME_TIMESTAMP)');
      return;
    }
    this.stamp(e.ts, v);
    if (!isSshdProgram(e.program, 0, e.program.length)) return;
    this.sshMessage(e.message, 0, e.message.length, e.ts, v);
  }

  private unparsed(v: LineVerdict, why: string): void {
    this.counts.unparsed_lines++;
    if (this.detail) v.note = why;
  }

  private stamp(ts: number, v: LineVerdict): void {
    // (Storing a number where null may be allocates a heap number: only when the verdict is read.)
    if (this.detail) v.ts = ts;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
  }

  private sshMessage(s: string, ms: number, me: number, ts: number, v: LineVerdict): void {
    this.counts.sshd_lines++;
    const line = this.sshLine;
    if (!line.parse(s, ms, me) || line.reason === R_NONE) return;
    v.reason = SSH_REASONS[line.reason];
    if (line.reason === R_ACCEPTED) {
      v.kind = 'ssh_success';
      this.counts.ssh_successes++;
    } else {
      v.kind = 'ssh_failure';
      this.counts.ssh_failures++;
    }
    if (this.detail) {
      if (line.addr.version !== 0) v.ip = line.addr.text();
      v.user = line.user();
    }
    const r = this.ssh.onLine(line, ts, this.origin.line, this.emitWrapped);
    v.counted = r === SSH_COUNTED || r === SSH_ALERTED;
    if (!this.detail) return;
    if (r === SSH_NOT_COUNTED) v.note = NOTES[SSH_NOT_COUNTED] + neverCountedWhy(line);
    else if (r === SSH_SAME_CONNECTION) v.note = NOTES[SSH_SAME_CONNECTION];
    else if (r === SSH_IGNORED && line.note !== NOTE_NONE) v.note = NOTE_TEXT[line.note];
  }

  private accessLine(s: string, start: number, end: number, v: LineVerdict): void {
    const a = this.access;
    if (!a.parse(s, start, end)) {
      this.unparsed(v, 'not an access log line (combined or common format)');
      return;
    }
    this.stamp(a.ts, v);
    if (this.detail) {
      v.ip = a.addr.text();
      v.user = a.user();
    }
    if (!a.hasRequest) {
      if (this.detail) v.note = 'the request field holds no HTTP request (e.g. "-" or a TLS handshake sent to an HTTP port)';
      return;
    }
    v.kind = 'http_request';
    this.counts.http_requests++;
    if (this.signatures === null) return;
    const view = this.view;
    const buf = this.req;
    if (a.addr.version === 4) {
      view.ipVersion = 4;
      view.src4 = a.addr.v4;
      view.dst4 = this.placeholder4;
    } else {
      view.ipVersion = 6;
      buf.set(a.addr.bytes, 0);
      buf.set(this.placeholder6, 16);
    }
    const n = requestBytes(a, buf, view.payloadOff, buf.length) - view.payloadOff;
    view.payloadLen = n;
    view.ts = a.ts;
    view.index = this.origin.line;
    this.signatures.onHttpRequest(view, this.emitWrapped);
  }

  /** Every detection of a line: tagged with where it came from, noted in the verdict, passed on. */
  private forward(d: Detection): void {
    const o = this.origin;
    d.packet = o.line;
    d.evidence.log = this.kind;
    d.evidence.log_file = o.source;
    d.evidence.log_line = o.line;
    if (this.kind === 'access-log') {
      // The synthetic view's destination and ports are placeholders: the log does not say them.
      d.dst = null;
      d.sport = null;
      d.dport = null;
    }
    this.verdict.rules.push(d.ruleId);
    this.sink(d);
  }
}
