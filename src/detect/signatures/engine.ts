// The signature engine: matches every decoded packet against the enabled rules.
//
// Cost model. Rules are grouped by IP protocol once, with the checks that cannot apply to a
// protocol already folded in (ports only for TCP/UDP, HTTP only for TCP), so a packet visits only
// the rules of its protocol. Header checks are plain number comparisons and one byte load per port
// set (a 64 KiB bitmap). No string is built unless a rule with a payload pattern survives the
// header checks. HTTP rules first need isHttpRequest() (a few byte loads, once per packet); then one
// scan of the request's bytes (http-scan.ts, pair-scanner.ts) finds the header end, whether anything
// needs URL-decoding, and the literals the alternatives of all HTTP rules cannot match without
// (gates.ts). An alternative's regex runs only when its gate is open, and the decoded text is built
// only then (or for a rule with content or without pattern), once per packet; on ordinary requests
// nothing is built and nothing runs. Payload rules gate their alternatives the same way with one
// Aho-Corasick pass (prefilter.ts). Thresholds, filters and suppress lists run only on matches.

import type { PacketView } from '../../decode/packet-view.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../decode/packet-view.js';
import { AddrSet, parseCidr } from '../../decode/ip-addr.js';
import { PalisadeError } from '../../errors.js';
import type { Detection, EvidenceValue, RuleMode, Severity } from '../detection.js';
import { CMP_NONE, RARE_CHAR, necessaryLiterals, numCompare, portBitmap, portRangesText, splitTopLevel, tcpFlagsMatch } from './fields.js';
import { sourceDetection } from '../report.js';
import { seedShippedGates } from './gate-cache.js';
import { gateLiterals } from './gates.js';
import { isHttpRequest } from './http.js';
import { HTTP_SCAN_SPECIALS, HttpSubjectScan } from './http-scan.js';
import { PairScanner } from './pair-scanner.js';
import { LiteralScanner } from './prefilter.js';
import type { RuleSpec, TrackBy } from './rule-schema.js';
import {
  DEFAULT_MAX_TRACKED_KEYS,
  MODE_BOTH,
  MODE_DETECTION_FILTER,
  MODE_LIMIT,
  MODE_THRESHOLD,
  Tracker,
  trackKey,
} from './threshold.js';

export interface SignatureEngineOptions {
  /** The protected networks: `direction: inbound` means source outside, destination inside. */
  homeNet: AddrSet;
  /** Cap of each threshold/filter table (keys per rule); default 65536. */
  maxTrackedKeys?: number;
}

/** One line of `rules()`: what the API and CLI list. */
export interface RuleSummary {
  id: string;
  description: string;
  enabled: boolean;
  protocol: string;
  src_ports: string;
  dst_ports: string;
  direction: string;
  http: boolean;
  pattern: string | string[];
  severity: Severity;
  mode: RuleMode;
  threshold: string | null;
  detection_filter: string | null;
  suppress: number;
  source: string;
  /** Matches held back by threshold, detection_filter or suppress so far. */
  suppressed: number;
}

/** Evidence keeps at most this many characters of the matched text. */
export const MATCH_EVIDENCE_MAX = 120;

const DIR_ANY = 0;
const DIR_IN = 1;
const DIR_OUT = 2;

const SUBJECT_NONE = 0;
const SUBJECT_HTTP = 1;
const SUBJECT_PAYLOAD = 2;

interface SuppressEntry {
  track: 'by_src' | 'by_dst' | 'by_either';
  set: AddrSet;
}

/** A rule compiled for matching: numbers and bitmaps only on the hot path. */
class CompiledRule {
  readonly id: string;
  mode: RuleMode;
  readonly needL4: boolean;
  readonly srcPorts: Uint8Array | null;
  readonly dstPorts: Uint8Array | null;
  readonly dir: number;
  readonly flagsOn: boolean;
  readonly flagsMod: number;
  readonly flagsVal: number;
  readonly flagsMask: number;
  readonly typeOp: number;
  readonly typeA: number;
  readonly typeB: number;
  readonly codeOp: number;
  readonly codeA: number;
  readonly codeB: number;
  readonly dsizeOp: number;
  readonly dsizeA: number;
  readonly dsizeB: number;
  readonly subject: number;
  /** The pattern's alternatives, tried in order; the first that matches is the match. */
  readonly alts: RegExp[];
  /** Their sources (JavaScript syntax). */
  readonly sources: string[];
  /** HTTP rules: per alternative, the literal sets (ids in the engine's HTTP scan) it needs. */
  httpGates: (Int32Array | null)[] = [];
  /** HTTP rules: the engine-wide id of the first alternative, and the rule's index. */
  httpAltBase = 0;
  httpIndex = 0;
  /** HTTP rules: a request can match without any gate opening (an ungated alternative, content, no pattern). */
  httpAlwaysRuns = false;
  /** Per alternative: literals one of which must occur for it to match (null: always run it). */
  readonly gates: (string[] | null)[];
  /** The same as ids in the engine's LiteralScanner for this rule's subject (set by the engine). */
  gateIds: (Int32Array | null)[] = [];
  /** The content prefilter compares against the lower-cased subject. */
  readonly ci: boolean;
  readonly content: string | null;
  readonly filter: Tracker | null;
  readonly threshold: Tracker | null;
  readonly suppress: SuppressEntry[] | null;
  suppressed = 0;

  constructor(
    readonly spec: RuleSpec,
    bitmaps: Map<string, Uint8Array>,
    cap: number,
  ) {
    this.id = spec.id;
    this.mode = spec.mode;
    this.needL4 = spec.protocol !== 'any' || spec.src_ports !== null || spec.dst_ports !== null;
    const bitmap = (r: RuleSpec['src_ports']): Uint8Array | null => {
      if (r === null) return null;
      const text = portRangesText(r);
      let b = bitmaps.get(text);
      if (!b) bitmaps.set(text, (b = portBitmap(r)));
      return b;
    };
    this.srcPorts = bitmap(spec.src_ports);
    this.dstPorts = bitmap(spec.dst_ports);
    this.dir = spec.direction === 'inbound' ? DIR_IN : spec.direction === 'outbound' ? DIR_OUT : DIR_ANY;
    const f = spec.tcp_flags;
    this.flagsOn = f !== null;
    this.flagsMod = f ? f.modifier : 0;
    this.flagsVal = f ? f.flags : 0;
    this.flagsMask = f ? f.mask : 0xff;
    this.typeOp = spec.icmp_type ? spec.icmp_type.op : CMP_NONE;
    this.typeA = spec.icmp_type ? spec.icmp_type.a : 0;
    this.typeB = spec.icmp_type ? spec.icmp_type.b : 0;
    this.codeOp = spec.icmp_code ? spec.icmp_code.op : CMP_NONE;
    this.codeA = spec.icmp_code ? spec.icmp_code.a : 0;
    this.codeB = spec.icmp_code ? spec.icmp_code.b : 0;
    this.dsizeOp = spec.dsize ? spec.dsize.op : CMP_NONE;
    this.dsizeA = spec.dsize ? spec.dsize.a : 0;
    this.dsizeB = spec.dsize ? spec.dsize.b : 0;
    this.alts = [];
    this.sources = [];
    this.gates = [];
    this.ci = spec.regex !== null && spec.regex.flags.includes('i');
    if (spec.regex !== null) {
      for (const alt of spec.regex.alternatives) {
        for (const piece of splitTopLevel(alt)) {
          this.alts.push(new RegExp(piece, spec.regex.flags));
          this.sources.push(piece);
          const gate = necessaryLiterals(piece, this.ci);
          // The scanner handles characters up to U+00FF only.
          this.gates.push(gate !== null && gate.every((l) => /^[\x00-\xff]*$/.test(l)) ? gate : null);
        }
      }
    }
    this.content = spec.content === null ? null : this.ci ? spec.content.toLowerCase() : spec.content;
    this.subject = spec.http ? SUBJECT_HTTP : this.alts.length > 0 || this.content !== null ? SUBJECT_PAYLOAD : SUBJECT_NONE;
    const df = spec.detection_filter;
    this.filter = df ? new Tracker(MODE_DETECTION_FILTER, df.count, df.window, df.track, cap) : null;
    const th = spec.threshold;
    this.threshold = th
      ? new Tracker(th.mode === 'limit' ? MODE_LIMIT : th.mode === 'threshold' ? MODE_THRESHOLD : MODE_BOTH, th.count, th.window, th.track, cap)
      : null;
    this.suppress =
      spec.suppress.length === 0
        ? null
        : spec.suppress.map((s) => ({ track: s.track, set: new AddrSet(s.ip.map((t) => parseCidr(t)!)) }));
  }
}

/**
 * One scanner for the gate literals of `rules`; sets each rule's gateIds to ids in it. A gate with
 * a single common character (';', '-', a newline) would be open on nearly every packet, so it is
 * dropped: the alternative just runs, and the scan has fewer hits to record.
 */
function buildScanner(rules: CompiledRule[]): LiteralScanner {
  for (const r of rules) {
    for (let k = 0; k < r.gates.length; k++) {
      const g = r.gates[k];
      if (g !== null && g.some((l) => l.length === 1 && !RARE_CHAR.test(l))) r.gates[k] = null;
    }
  }
  const ids = new Map<string, number>();
  const key = (l: string): string => l.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
  for (const r of rules) for (const g of r.gates) for (const l of g ?? []) if (!ids.has(key(l))) ids.set(key(l), ids.size);
  for (const r of rules) r.gateIds = r.gates.map((g) => (g === null ? null : Int32Array.from(new Set(g.map((l) => ids.get(key(l))!)))));
  return new LiteralScanner([...ids.keys()]);
}

/** The HTTP scan: one pair scanner over the gate literals of every alternative of `rules`. */
interface HttpGates {
  scanner: PairScanner;
  /** Per literal id: the sets it belongs to (null: none, e.g. the scan's own literals). */
  litSets: (Int32Array | null)[];
  /** Per set: the alternatives (engine-wide ids) whose gate holds it. */
  setAlts: Int32Array[];
  /** Per alternative: how many sets its gate holds (0: ungated), and its rule's index. */
  altNeed: Int32Array;
  altRule: Int32Array;
}

/** Derives each HTTP rule alternative's gate (gates.ts) and builds the scanner for all of them. */
function buildHttpGates(rules: CompiledRule[]): HttpGates {
  const litIds = new Map<string, number>();
  HTTP_SCAN_SPECIALS.forEach((l, i) => litIds.set(l, i));
  const setIds = new Map<string, number>();
  const setLits: number[][] = [];
  let alts = 0;
  rules.forEach((r, index) => {
    const flags = r.spec.regex?.flags ?? '';
    r.httpIndex = index;
    r.httpAltBase = alts;
    alts += r.sources.length;
    r.httpGates = r.sources.map((src) => {
      const gate = gateLiterals(src, flags);
      if (gate === null) return null;
      const ids = gate.map((set) => {
        const key = [...set].sort().join('\u0001');
        let id = setIds.get(key);
        if (id === undefined) {
          id = setLits.length;
          setIds.set(key, id);
          setLits.push(
            set.map((l) => {
              let li = litIds.get(l);
              if (li === undefined) litIds.set(l, (li = litIds.size));
              return li;
            }),
          );
        }
        return id;
      });
      return Int32Array.from(new Set(ids));
    });
    r.httpAlwaysRuns = r.content !== null || r.alts.length === 0 || r.httpGates.some((g) => g === null);
  });
  const altNeed = new Int32Array(alts);
  const altRule = new Int32Array(alts);
  const setAlts: number[][] = setLits.map(() => []);
  for (const r of rules) {
    r.httpGates.forEach((g, k) => {
      const a = r.httpAltBase + k;
      altRule[a] = r.httpIndex;
      altNeed[a] = g === null ? 0 : g.length;
      for (const set of g ?? []) setAlts[set].push(a);
    });
  }
  const literals = [...litIds.keys()];
  const bySet: number[][] = literals.map(() => []);
  setLits.forEach((lits, s) => {
    for (const l of lits) bySet[l].push(s);
  });
  return {
    scanner: new PairScanner(literals),
    litSets: bySet.map((s) => (s.length === 0 ? null : Int32Array.from(s))),
    setAlts: setAlts.map((a) => Int32Array.from(a)),
    altNeed,
    altRule,
  };
}

function describeThreshold(t: { mode?: string; count: number; window: number; track: TrackBy }): string {
  return `${t.mode ?? 'detection_filter'} ${t.count} per ${t.window}s ${t.track}`;
}

function truncate(s: string): string {
  return s.length > MATCH_EVIDENCE_MAX ? s.slice(0, MATCH_EVIDENCE_MAX) : s;
}

const EMPTY: CompiledRule[] = [];

export class SignatureEngine {
  /** Matches held back per rule id (threshold, detection_filter, suppress). */
  readonly suppressed = new Map<string, number>();

  private readonly all: CompiledRule[] = [];
  private readonly byId = new Map<string, CompiledRule>();
  /** Non-HTTP rules per IP protocol number (0-255). */
  private readonly groups: CompiledRule[][] = [];
  /** HTTP rules (TCP only). */
  private readonly httpRules: CompiledRule[];
  private readonly homeNet: AddrSet;
  /** The literal scan of HTTP requests and the gates of the HTTP rules' alternatives. */
  private readonly httpScan: HttpSubjectScan;
  private readonly litSets: (Int32Array | null)[];
  private readonly setAlts: Int32Array[];
  private readonly altNeed: Int32Array;
  private readonly altRule: Int32Array;
  // For the current request (stamps equal to gateEpoch): setStamp[s], a literal of gate set s occurs;
  // altCount[a], how many sets of alternative a's gate do; altOpen[a], all of them do; ruleOpen[r],
  // some alternative of HTTP rule r is open.
  private readonly setStamp: Int32Array;
  private readonly altStamp: Int32Array;
  private readonly altCount: Int32Array;
  private readonly altOpen: Int32Array;
  private readonly ruleOpen: Int32Array;
  private gateEpoch = 0;
  /** Necessary literals of the payload rules' alternatives. */
  private readonly rawScanner: LiteralScanner;
  private readonly rawHits: Uint8Array;

  // Per-packet scratch, reset at the start of onPacket.
  private dirState = -1;
  private httpText: string | null = null;
  private httpLower: string | null = null;
  private rawText: string | null = null;
  private rawLower: string | null = null;
  private httpScanned = false;
  private rawScanned = false;

  constructor(rules: readonly RuleSpec[], opts: SignatureEngineOptions) {
    seedShippedGates();
    this.homeNet = opts.homeNet;
    const cap = opts.maxTrackedKeys ?? DEFAULT_MAX_TRACKED_KEYS;
    if (!Number.isInteger(cap) || cap < 1) throw new PalisadeError('PALISADE_ERR_CONFIG', `maxTrackedKeys must be a positive integer, got ${cap}`);
    const bitmaps = new Map<string, Uint8Array>();
    const seen = new Map<string, RuleSpec>();
    for (const spec of rules) {
      const first = seen.get(spec.id);
      if (first) {
        const at = (s: RuleSpec): string => (s.source.line > 0 ? `${s.source.file}:${s.source.line}` : s.source.file || '(inline)');
        throw new PalisadeError('PALISADE_ERR_RULE', `${at(spec)}: rule '${spec.id}': duplicate id (first defined at ${at(first)})`);
      }
      seen.set(spec.id, spec);
      const r = new CompiledRule(spec, bitmaps, cap);
      this.all.push(r);
      this.byId.set(r.id, r);
      this.suppressed.set(r.id, 0);
    }
    const enabled = this.all.filter((r) => r.spec.enabled);
    const fits = (r: CompiledRule, proto: number): boolean => {
      const p = r.spec.protocol;
      const hasPorts = r.srcPorts !== null || r.dstPorts !== null;
      if (p === 'any') return !hasPorts || proto === IPPROTO_TCP || proto === IPPROTO_UDP;
      return (
        (p === 'tcp' && proto === IPPROTO_TCP) ||
        (p === 'udp' && proto === IPPROTO_UDP) ||
        (p === 'icmp' && proto === IPPROTO_ICMP) ||
        (p === 'icmpv6' && proto === IPPROTO_ICMPV6)
      );
    };
    const nonHttp = enabled.filter((r) => r.subject !== SUBJECT_HTTP);
    for (let proto = 0; proto < 256; proto++) {
      const g = nonHttp.filter((r) => fits(r, proto));
      this.groups.push(g.length === 0 ? EMPTY : g);
    }
    this.httpRules = enabled.filter((r) => r.subject === SUBJECT_HTTP);
    const hg = buildHttpGates(this.httpRules);
    this.httpScan = new HttpSubjectScan(hg.scanner);
    this.litSets = hg.litSets;
    this.setAlts = hg.setAlts;
    this.altNeed = hg.altNeed;
    this.altRule = hg.altRule;
    this.setStamp = new Int32Array(hg.setAlts.length);
    this.altStamp = new Int32Array(hg.altNeed.length);
    this.altCount = new Int32Array(hg.altNeed.length);
    this.altOpen = new Int32Array(hg.altNeed.length);
    this.ruleOpen = new Int32Array(this.httpRules.length);
    this.rawScanner = buildScanner(enabled.filter((r) => r.subject === SUBJECT_PAYLOAD));
    this.rawHits = new Uint8Array(this.rawScanner.literals.length);
  }

  /** Matches one decoded packet; calls `emit` for each detection. */
  onPacket(view: PacketView, emit: (d: Detection) => void): void {
    if (view.ipVersion === 0) return;
    const group = this.groups[view.proto];
    const http = view.proto === IPPROTO_TCP ? this.httpRules : EMPTY;
    if (group.length === 0 && http.length === 0) return;
    this.dirState = -1;
    this.rawText = null;
    this.rawLower = null;
    this.rawScanned = false;
    for (let i = 0; i < group.length; i++) {
      const r = group[i];
      if (!this.headerMatch(r, view)) continue;
      this.payloadStage(r, view, emit);
    }
    if (http.length !== 0 && view.payloadLen > 0 && view.l4Off >= 0 && isHttpRequest(view.buf, view.payloadOff, view.payloadLen)) {
      this.httpRequest(http, view, emit);
    }
    this.rawText = null;
    this.rawLower = null;
  }

  /**
   * An HTTP request rebuilt from an access log line (a synthetic TCP view whose payload is the
   * request): only the HTTP rules run. The log does not say the ports, TCP flags or segment size,
   * so those conditions of a rule are not applied; the direction is inbound (the request reached
   * our server) unless the client itself is in home_net.
   */
  onHttpRequest(view: PacketView, emit: (d: Detection) => void): void {
    const http = this.httpRules;
    if (http.length === 0 || view.payloadLen === 0 || !isHttpRequest(view.buf, view.payloadOff, view.payloadLen)) return;
    const h = this.homeNet;
    const srcHome = view.ipVersion === 4 ? h.has4(view.src4) : h.has6(view.buf, view.srcOff);
    this.dirState = srcHome ? DIR_ANY : DIR_IN;
    this.httpText = null;
    this.httpLower = null;
    this.httpScanned = false;
    for (let i = 0; i < http.length; i++) {
      const r = http[i];
      if (r.dir !== DIR_ANY && r.dir !== this.dirState) continue;
      this.httpStage(r, view, emit);
    }
    this.httpText = null;
    this.httpLower = null;
  }

  /** The HTTP rules on a request (kept out of onPacket, whose every packet pays for its size). */
  private httpRequest(http: CompiledRule[], view: PacketView, emit: (d: Detection) => void): void {
    this.httpText = null;
    this.httpLower = null;
    this.httpScanned = false;
    for (let i = 0; i < http.length; i++) {
      const r = http[i];
      if (!this.headerMatch(r, view)) continue;
      this.httpStage(r, view, emit);
    }
    this.httpText = null;
    this.httpLower = null;
  }

  private headerMatch(r: CompiledRule, v: PacketView): boolean {
    if (r.needL4 && v.l4Off < 0) return false;
    if (r.dstPorts !== null && r.dstPorts[v.dport] === 0) return false;
    if (r.srcPorts !== null && r.srcPorts[v.sport] === 0) return false;
    if (r.flagsOn && !tcpFlagsMatch(v.tcpFlags, r.flagsMod, r.flagsVal, r.flagsMask)) return false;
    if (r.typeOp !== CMP_NONE && !numCompare(r.typeOp, r.typeA, r.typeB, v.icmpType)) return false;
    if (r.codeOp !== CMP_NONE && !numCompare(r.codeOp, r.codeA, r.codeB, v.icmpCode)) return false;
    if (r.dsizeOp !== CMP_NONE && !numCompare(r.dsizeOp, r.dsizeA, r.dsizeB, v.payloadLen)) return false;
    if (r.dir !== DIR_ANY) {
      if (this.dirState < 0) this.dirState = this.direction(v);
      if (this.dirState !== r.dir) return false;
    }
    return true;
  }

  private direction(v: PacketView): number {
    const h = this.homeNet;
    const srcHome = v.ipVersion === 4 ? h.has4(v.src4) : h.has6(v.buf, v.srcOff);
    const dstHome = v.ipVersion === 4 ? h.has4(v.dst4) : h.has6(v.buf, v.dstOff);
    if (!srcHome && dstHome) return DIR_IN;
    if (srcHome && !dstHome) return DIR_OUT;
    return DIR_ANY;
  }

  /** An HTTP rule on a request: gates from one literal scan of the request, then the regexes. */
  private httpStage(r: CompiledRule, v: PacketView, emit: (d: Detection) => void): void {
    if (!this.httpScanned) {
      this.httpScan.scan(v.buf, v.payloadOff, v.payloadLen);
      this.markSets();
      this.httpScanned = true;
    }
    const epoch = this.gateEpoch;
    // Most requests open no gate of most rules: nothing to run.
    if (!r.httpAlwaysRuns && this.ruleOpen[r.httpIndex] !== epoch) return;
    let matched: string;
    let text = this.httpText;
    let at = -1;
    if (r.content !== null) {
      text ??= this.httpText = this.httpScan.text();
      const hay = r.ci ? this.lower(true, text) : text;
      at = hay.indexOf(r.content);
      if (at < 0) return;
    }
    const alts = r.alts;
    if (alts.length === 0) {
      text ??= this.httpText = this.httpScan.text();
      matched = this.literalMatch(r, true, text, at);
    } else {
      let m: RegExpExecArray | null = null;
      const base = r.httpAltBase;
      for (let k = 0; k < alts.length && m === null; k++) {
        if (this.altNeed[base + k] !== 0 && this.altOpen[base + k] !== epoch) continue;
        text ??= this.httpText = this.httpScan.text();
        m = alts[k].exec(text);
      }
      if (m === null) return;
      matched = m[0];
    }
    this.report(r, v, matched, emit);
  }

  /** Opens the gates whose every set has a literal in the scanned request. */
  private markSets(): void {
    if (this.gateEpoch === 0x7fffffff) {
      this.setStamp.fill(0);
      this.altStamp.fill(0);
      this.altOpen.fill(0);
      this.ruleOpen.fill(0);
      this.gateEpoch = 0;
    }
    const epoch = ++this.gateEpoch;
    const sc = this.httpScan.scanner;
    const bound = this.httpScan.bound;
    const hitList = sc.hitList;
    const minEnd = sc.minEnd;
    for (let k = 0, n = sc.nHits; k < n; k++) {
      const id = hitList[k];
      const sets = this.litSets[id];
      if (sets === null || minEnd[id] > bound) continue;
      for (let j = 0; j < sets.length; j++) {
        const set = sets[j];
        if (this.setStamp[set] === epoch) continue;
        this.setStamp[set] = epoch;
        const alts = this.setAlts[set];
        for (let q = 0; q < alts.length; q++) {
          const a = alts[q];
          const count = this.altStamp[a] === epoch ? this.altCount[a] + 1 : 1;
          this.altStamp[a] = epoch;
          this.altCount[a] = count;
          if (count === this.altNeed[a]) {
            this.altOpen[a] = epoch;
            this.ruleOpen[this.altRule[a]] = epoch;
          }
        }
      }
    }
  }

  private payloadStage(r: CompiledRule, v: PacketView, emit: (d: Detection) => void): void {
    let matched = '';
    if (r.subject !== SUBJECT_NONE) {
      if (v.payloadLen === 0) return;
      const text = (this.rawText ??= Buffer.from(v.buf.buffer, v.buf.byteOffset + v.payloadOff, v.payloadLen).toString('latin1'));
      let at = -1;
      if (r.content !== null) {
        const hay = r.ci ? this.lower(false, text) : text;
        at = hay.indexOf(r.content);
        if (at < 0) return;
      }
      const alts = r.alts;
      if (alts.length === 0) {
        matched = this.literalMatch(r, false, text, at);
      } else {
        let m: RegExpExecArray | null = null;
        for (let k = 0; k < alts.length && m === null; k++) {
          const gate = r.gateIds[k];
          if (gate !== null) {
            const hits = this.scanRaw(v);
            let open = false;
            for (let g = 0; g < gate.length && !open; g++) open = hits[gate[g]] === 1;
            if (!open) continue;
          }
          m = alts[k].exec(text);
        }
        if (m === null) return;
        matched = m[0];
      }
    }
    this.report(r, v, matched, emit);
  }

  /**
   * What a rule without a pattern matched: its content literal where it was found (at `at`), or,
   * with neither pattern nor content, the first line of the subject (an HTTP rule then matches every
   * request).
   */
  private literalMatch(r: CompiledRule, http: boolean, text: string, at: number): string {
    if (r.content !== null) {
      // The lower-cased text has the same length unless exotic characters changed it.
      return !r.ci || this.lower(http, text).length === text.length ? text.substr(at, r.content.length) : r.content;
    }
    const eol = text.search(/\r|\n/);
    return eol < 0 ? text : text.slice(0, eol);
  }

  /** A match: through suppress, detection_filter and threshold, then out as a detection. */
  private report(r: CompiledRule, v: PacketView, matched: string, emit: (d: Detection) => void): void {
    if (!this.admit(r, v)) {
      r.suppressed++;
      this.suppressed.set(r.id, r.suppressed);
      return;
    }
    emit(this.detection(r, v, matched));
  }

  private scanRaw(v: PacketView): Uint8Array {
    if (!this.rawScanned) {
      this.rawHits.fill(0);
      this.rawScanner.scanBytes(v.buf, v.payloadOff, v.payloadOff + v.payloadLen, this.rawHits);
      this.rawScanned = true;
    }
    return this.rawHits;
  }

  private lower(http: boolean, text: string): string {
    return http ? (this.httpLower ??= text.toLowerCase()) : (this.rawLower ??= text.toLowerCase());
  }

  /** Suppress, then detection_filter, then threshold; false when the match is held back. */
  private admit(r: CompiledRule, v: PacketView): boolean {
    const sup = r.suppress;
    if (sup !== null) {
      for (let i = 0; i < sup.length; i++) {
        const s = sup[i];
        const src = s.track !== 'by_dst' && (v.ipVersion === 4 ? s.set.has4(v.src4) : s.set.has6(v.buf, v.srcOff));
        if (src) return false;
        const dst = s.track !== 'by_src' && (v.ipVersion === 4 ? s.set.has4(v.dst4) : s.set.has6(v.buf, v.dstOff));
        if (dst) return false;
      }
    }
    const f = r.filter;
    if (f !== null && !f.hit(trackKey(f.track, v), v.ts)) return false;
    const t = r.threshold;
    if (t !== null && !t.hit(trackKey(t.track, v), v.ts)) return false;
    return true;
  }

  private detection(r: CompiledRule, v: PacketView, matched: string): Detection {
    const spec = r.spec;
    const ports = v.proto === IPPROTO_TCP || v.proto === IPPROTO_UDP;
    const proto = v.protoName();
    const evidence: Record<string, EvidenceValue> = {};
    let reason: string;
    if (r.subject !== SUBJECT_NONE) {
      const m = truncate(matched);
      evidence.matched = m;
      evidence.field = r.subject === SUBJECT_HTTP ? 'http' : 'payload';
      reason = `${spec.description}: ${JSON.stringify(m)}`;
    } else {
      evidence.field = 'header';
      if (ports) reason = `${spec.description}: ${proto}/${v.dport}`;
      else if (v.proto === IPPROTO_ICMP || v.proto === IPPROTO_ICMPV6) reason = `${spec.description}: ${proto} type ${v.icmpType} code ${v.icmpCode}`;
      else reason = spec.description;
    }
    if (r.filter !== null) {
      evidence.filter_count = r.filter.count;
      evidence.filter_window = r.filter.window;
      evidence.filter_track = r.filter.track;
      evidence.filter_matches = r.filter.lastCount;
    }
    if (r.threshold !== null) {
      const th = spec.threshold!;
      evidence.threshold_mode = th.mode;
      evidence.threshold_count = th.count;
      evidence.threshold_window = th.window;
      evidence.threshold_track = th.track;
      // The count that made this alert (threshold mode resets its counter after alerting).
      evidence.threshold_matches = th.mode === 'threshold' ? th.count : r.threshold.lastCount;
    }
    return sourceDetection(r.id, { severity: spec.severity, mode: r.mode }, v, reason, evidence);
  }

  /** Keys evicted from full threshold/filter tables (all rules). */
  get evictions(): number {
    let n = 0;
    for (const r of this.all) n += (r.filter?.evictions ?? 0) + (r.threshold?.evictions ?? 0);
    return n;
  }

  /** Keys currently tracked by threshold/filter tables (all rules). */
  get trackedKeys(): number {
    let n = 0;
    for (const r of this.all) n += (r.filter?.size ?? 0) + (r.threshold?.size ?? 0);
    return n;
  }

  /** Changes a rule's mode at run time (REST API PATCH); false for an unknown id. */
  setMode(id: string, mode: RuleMode): boolean {
    const r = this.byId.get(id);
    if (!r) return false;
    r.mode = mode;
    return true;
  }

  rules(): RuleSummary[] {
    return this.all.map((r) => {
      const s = r.spec;
      return {
        id: s.id,
        description: s.description,
        enabled: s.enabled,
        protocol: s.protocol,
        src_ports: portRangesText(s.src_ports),
        dst_ports: portRangesText(s.dst_ports),
        direction: s.direction,
        http: s.http,
        pattern: s.pattern,
        severity: s.severity,
        mode: r.mode,
        threshold: s.threshold ? describeThreshold(s.threshold) : null,
        detection_filter: s.detection_filter ? describeThreshold(s.detection_filter) : null,
        suppress: s.suppress.length,
        source: s.source.line > 0 ? `${s.source.file}:${s.source.line}` : s.source.file,
        suppressed: r.suppressed,
      };
    });
  }
}
