// The syslog line prefix, as rsyslog and syslog-ng write it to /var/log/auth.log:
//
//   RFC 3164:  "Nov 21 10:00:00 host sshd[123]: msg"        (no year, local time; the day may be
//              space-padded: "Nov  1")
//   ISO 8601:  "2026-11-21T10:00:00.123456+01:00 host sshd[123]: msg"   (rsyslog's
//              RSYSLOG_FileFormat, the default of Debian 12 and later; fraction and offset optional,
//              "Z" accepted)
//
// parse() reads the prefix of s[start..end) in place and leaves offsets and numbers in the parser's
// fields: no string is cut out and nothing is allocated per line (this is the hot path of
// `analyze` on an auth log). Only a new hour of log time costs a Date computation, cached.
//
// An RFC 3164 line has no year: it is inferred from a reference time (the file's modification time
// for a file read to the end, the wall clock for a followed file): the latest year that does not
// put the line more than a day after the reference. So December lines in a file last written in
// January belong to the previous year, and a follower running over New Year switches year on the
// first January line.

const DAY = 86400;
/** A line may lie this far after the reference (clock skew between writer and reader). */
const FUTURE_SLACK = DAY;

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function two(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** Month index 0-11 of the three letters at s[i], or -1. */
export function monthIndex(s: string, i: number): number {
  const a = s.charCodeAt(i);
  const b = s.charCodeAt(i + 1);
  const c = s.charCodeAt(i + 2);
  switch (a) {
    case 74: // J
      if (b === 97 && c === 110) return 0; // Jan
      if (b === 117 && c === 110) return 5; // Jun
      if (b === 117 && c === 108) return 6; // Jul
      return -1;
    case 70: // F
      return b === 101 && c === 98 ? 1 : -1; // Feb
    case 77: // M
      if (b === 97 && c === 114) return 2; // Mar
      if (b === 97 && c === 121) return 4; // May
      return -1;
    case 65: // A
      if (b === 112 && c === 114) return 3; // Apr
      if (b === 117 && c === 103) return 7; // Aug
      return -1;
    case 83: // S
      return b === 101 && c === 112 ? 8 : -1; // Sep
    case 79: // O
      return b === 99 && c === 116 ? 9 : -1; // Oct
    case 78: // N
      return b === 111 && c === 118 ? 10 : -1; // Nov
    case 68: // D
      return b === 101 && c === 99 ? 11 : -1; // Dec
  }
  return -1;
}

export class SyslogParser {
  // ---- results of the last successful parse(), offsets into the parsed string
  /** Event time, seconds since the epoch (fractional for ISO stamps). */
  ts = 0;
  hostStart = 0;
  hostEnd = 0;
  progStart = 0;
  progEnd = 0;
  /** The pid in "prog[pid]:", or -1 when absent. */
  pid = -1;
  msgStart = 0;
  msgEnd = 0;

  /** Fixed reference time (seconds), or null for the wall clock at each line. */
  private reference: number | null = null;
  // One-entry caches: lines come in time order, so the hour rarely changes.
  private bsdKey = -1;
  private bsdBase = 0;
  private isoKey = -1;
  private isoBase = 0;

  constructor(reference: number | null = null) {
    this.reference = reference;
  }

  /** Sets the reference time for RFC 3164 years (seconds since the epoch; null = wall clock). */
  setReference(t: number | null): void {
    if (t !== this.reference) {
      this.reference = t;
      this.bsdKey = -1;
    }
  }

  /** Parses the prefix of s[start..end); false when the line does not start with a syslog prefix. */
  parse(s: string, start: number, end: number): boolean {
    if (end - start < 16) return false;
    let p: number;
    const c0 = s.charCodeAt(start);
    if (c0 >= 48 && c0 <= 57) p = this.isoStamp(s, start, end);
    else p = this.bsdStamp(s, start, end);
    if (p < 0) return false;
    // Host: one token.
    const hs = p;
    while (p < end && s.charCodeAt(p) !== 32) p++;
    if (p === hs || p >= end) return false;
    this.hostStart = hs;
    this.hostEnd = p;
    p++;
    // Tag: "prog[pid]: ", "prog: " (a program name has no space, ':' or '[').
    const ps = p;
    let c = 0;
    while (p < end) {
      c = s.charCodeAt(p);
      if (c === 91 /* [ */ || c === 58 /* : */ || c === 32) break;
      p++;
    }
    if (p === ps || p >= end) return false;
    this.progStart = ps;
    this.progEnd = p;
    this.pid = -1;
    if (c === 91) {
      p++;
      let pid = 0;
      let n = 0;
      while (p < end) {
        const d = s.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        pid = pid * 10 + d;
        n++;
        p++;
      }
      if (n === 0 || n > 10 || s.charCodeAt(p) !== 93 /* ] */) return false;
      this.pid = pid;
      p++;
      c = s.charCodeAt(p);
    }
    if (c !== 58 /* : */) return false;
    p++;
    if (p < end && s.charCodeAt(p) === 32) p++;
    this.msgStart = p;
    this.msgEnd = end;
    return true;
  }

  /** True when the parsed program name equals `name`. */
  programIs(s: string, name: string): boolean {
    return this.progEnd - this.progStart === name.length && s.startsWith(name, this.progStart);
  }

  /** "Nov 21 10:00:00 " -> offset after the space, or -1. */
  private bsdStamp(s: string, i: number, end: number): number {
    const mon = monthIndex(s, i);
    if (mon < 0 || s.charCodeAt(i + 3) !== 32) return -1;
    let day: number;
    const d1 = s.charCodeAt(i + 4);
    if (d1 === 32) day = digit(s, i + 5);
    else day = two(s, i + 4);
    if (day < 1 || day > 31 || s.charCodeAt(i + 6) !== 32) return -1;
    const hour = two(s, i + 7);
    const min = two(s, i + 10);
    const sec = two(s, i + 13);
    if (hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60) return -1;
    if (s.charCodeAt(i + 9) !== 58 || s.charCodeAt(i + 12) !== 58 || s.charCodeAt(i + 15) !== 32 || i + 16 >= end) return -1;
    const key = (mon * 32 + day) * 24 + hour;
    if (key !== this.bsdKey) {
      this.bsdBase = this.localHour(mon, day, hour);
      this.bsdKey = key;
    }
    this.ts = this.bsdBase + min * 60 + sec;
    return i + 16;
  }

  /** Epoch seconds of the local hour, in the latest year that is not after the reference (+ slack). */
  private localHour(mon: number, day: number, hour: number): number {
    const ref = this.reference ?? Date.now() / 1000;
    let year = new Date(ref * 1000).getFullYear() + 1;
    // Up to 9 years back: Feb 29 needs a leap year (8 years apart around 2100).
    for (let k = 0; k < 10; k++, year--) {
      const t = new Date(year, mon, day, hour).getTime() / 1000;
      // Feb 29 in a non-leap year rolls into March: not that year.
      if (t <= ref + FUTURE_SLACK && new Date(t * 1000).getMonth() === mon) return t;
    }
    return new Date(year, mon, day, hour).getTime() / 1000;
  }

  /** "2026-11-21T10:00:00[.ffffff][Z|+01:00|+0100] " -> offset after the space, or -1. */
  private isoStamp(s: string, i: number, end: number): number {
    const y = two(s, i) * 100 + two(s, i + 2);
    const mo = two(s, i + 5);
    const d = two(s, i + 8);
    const h = two(s, i + 11);
    const mi = two(s, i + 14);
    const se = two(s, i + 17);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return -1;
    if (s.charCodeAt(i + 4) !== 45 || s.charCodeAt(i + 7) !== 45 || s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return -1;
    const t = s.charCodeAt(i + 10);
    if (t !== 84 /* T */ && t !== 32) return -1;
    let p = i + 19;
    let frac = 0;
    if (s.charCodeAt(p) === 46 /* . */ || s.charCodeAt(p) === 44 /* , */) {
      p++;
      let scale = 0.1;
      const fs = p;
      while (p < end) {
        const dd = s.charCodeAt(p) - 48;
        if (dd < 0 || dd > 9) break;
        frac += dd * scale;
        scale /= 10;
        p++;
      }
      if (p === fs) return -1;
    }
    let offset = 0;
    const z = s.charCodeAt(p);
    if (z === 90 /* Z */) p++;
    else if (z === 43 || z === 45) {
      const oh = two(s, p + 1);
      let om: number;
      if (s.charCodeAt(p + 3) === 58) {
        om = two(s, p + 4);
        p += 6;
      } else {
        om = two(s, p + 3);
        p += 5;
      }
      if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
      offset = (z === 43 ? 1 : -1) * (oh * 3600 + om * 60);
    } else {
      // No zone: local time, as the writer's clock showed it.
      offset = NaN;
    }
    if (s.charCodeAt(p) !== 32 || p + 1 >= end) return -1;
    const key = ((y * 13 + mo) * 32 + d) * 24 + h;
    if (key !== this.isoKey) {
      this.isoBase = Date.UTC(y, mo - 1, d, h) / 1000;
      this.isoKey = key;
    }
    let ts = this.isoBase + mi * 60 + se + frac;
    if (offset === offset) ts -= offset;
    else ts = new Date(y, mo - 1, d, h, mi, se).getTime() / 1000 + frac;
    this.ts = ts;
    return p + 1;
  }
}
