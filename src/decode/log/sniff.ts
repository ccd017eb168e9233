// Recognises a log file's format from its first non-empty lines (never from its name): syslog lines
// (auth.log, secure, messages), `journalctl -o json` entries, or web access log lines. Capture
// files are recognised by their magic number first (src/sources/pcap-file), so a file reaches
// this only when it is not a capture.

import { closeSync, openSync, readSync } from 'node:fs';
import { AccessLogLine } from './access-log.js';
import { parseJournalLine } from './journald-json.js';
import { SyslogParser } from './syslog.js';

export type LogFileKind = 'auth-log' | 'journald-json' | 'access-log';
export const LOG_FILE_KINDS: readonly LogFileKind[] = ['auth-log', 'journald-json', 'access-log'];

/** Lines looked at. */
const SAMPLE_LINES = 20;
/** Bytes read from the head of a file. */
const HEAD_BYTES = 64 * 1024;

function classify(line: string, syslog: SyslogParser, access: AccessLogLine): LogFileKind | null {
  if (line.charCodeAt(0) === 123 /* { */) return parseJournalLine(line) !== null ? 'journald-json' : null;
  if (syslog.parse(line, 0, line.length)) return 'auth-log';
  if (access.parse(line, 0, line.length)) return 'access-log';
  return null;
}

/**
 * The kind most of the first non-empty lines have (at least half of those looked at); null when
 * none or no majority.
 */
export function sniffLogLines(lines: readonly string[]): LogFileKind | null {
  const syslog = new SyslogParser(0);
  const access = new AccessLogLine();
  const votes = new Map<LogFileKind, number>();
  let seen = 0;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    if (++seen > SAMPLE_LINES) break;
    const k = classify(line, syslog, access);
    if (k !== null) votes.set(k, (votes.get(k) ?? 0) + 1);
  }
  if (seen === 0) return null;
  let best: LogFileKind | null = null;
  let n = 0;
  for (const [k, v] of votes) {
    if (v > n) {
      best = k;
      n = v;
    }
  }
  return n * 2 >= Math.min(seen, SAMPLE_LINES) ? best : null;
}

/** Sniffs the head of a file (or of bytes already read). Binary content (NUL bytes) is no log. */
export function sniffLogHead(head: Uint8Array): LogFileKind | null {
  if (head.indexOf(0) >= 0) return null;
  let text = Buffer.from(head.buffer, head.byteOffset, head.byteLength).toString('utf8');
  const nl = text.lastIndexOf('\n');
  // The last line may be cut by the read: drop it unless it is the only one.
  if (nl > 0 && head.byteLength >= HEAD_BYTES) text = text.slice(0, nl);
  return sniffLogLines(text.split('\n', SAMPLE_LINES * 4));
}

export function sniffLogFile(path: string): LogFileKind | null {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    let n = 0;
    while (n < HEAD_BYTES) {
      const got = readSync(fd, buf, n, HEAD_BYTES - n, null);
      if (got === 0) break;
      n += got;
    }
    return sniffLogHead(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
