// One entry of `journalctl -o json` (one JSON object per line). The fields used:
//   MESSAGE               a string, or an array of byte values when the message is not valid UTF-8
//                         or holds control characters
//   __REALTIME_TIMESTAMP  microseconds since the epoch, as a decimal string
//   SYSLOG_IDENTIFIER     the program ("sshd"); _COMM when absent
//   _PID, _SYSTEMD_UNIT   as strings
//   __CURSOR              the position to resume after (--after-cursor)
// A field logged several times in one entry appears as an array of values: the first is used.

export interface JournalEntry {
  ts: number;
  message: string;
  program: string;
  pid: number;
  unit: string;
  cursor: string;
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    if (typeof v[0] === 'number') {
      // Binary field: bytes. (A byte array that is not all small integers is not one.)
      for (const b of v) if (typeof b !== 'number' || !(b >= 0 && b <= 255)) return null;
      return Buffer.from(v as number[]).toString('utf8');
    }
    return text(v[0]);
  }
  return null;
}

/** Parses one line of `journalctl -o json`; null when it is not a journal entry with a message. */
export function parseJournalLine(line: string): JournalEntry | null {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return null;
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const e = o as Record<string, unknown>;
  const message = text(e.MESSAGE);
  const rt = text(e.__REALTIME_TIMESTAMP);
  if (message === null || rt === null || !/^\d{1,20}$/.test(rt)) return null;
  const pid = Number(text(e._PID) ?? text(e.SYSLOG_PID) ?? '-1');
  return {
    ts: Number(rt) / 1e6,
    message,
    program: text(e.SYSLOG_IDENTIFIER) ?? text(e._COMM) ?? '',
    pid: Number.isInteger(pid) ? pid : -1,
    unit: text(e._SYSTEMD_UNIT) ?? '',
    cursor: text(e.__CURSOR) ?? '',
  };
}

/** The __CURSOR of a journal JSON line without parsing the whole object (cursors hold no quotes or escapes). */
export function journalCursor(line: string): string | null {
  const k = line.indexOf('"__CURSOR"');
  if (k < 0) return null;
  let p = line.indexOf('"', k + 10);
  if (p < 0) return null;
  const e = line.indexOf('"', ++p);
  return e < 0 ? null : line.slice(p, e);
}
