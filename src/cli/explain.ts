// `palisade explain FILE`: one JSON line per line of a log file saying what Palisade read from it
// and whether it counted, so a user can see why a line did (or did not) lead to a block:
//   {"line":12,"kind":"ssh_failure","ip":"203.0.113.5","user":"admin","rules":[],"reason":"invalid_user","counted":true,"note":null}
// The same log stage as `analyze` and the daemon, with the same detection options.

import { Command, Option } from 'commander';
import { closeSync, openSync, readSync } from 'node:fs';
import type { LineOrigin } from '../decode/log/log-event.js';
import { LOG_FILE_KINDS, sniffLogFile, type LogFileKind } from '../decode/log/sniff.js';
import { PalisadeError } from '../errors.js';
import { isoTime } from '../record/alerts-jsonl.js';
import { buildSignatures } from '../pipeline/assemble.js';
import { LogPipeline, type LineVerdict } from '../pipeline/log-lines.js';
import { LogFileReader } from '../sources/log-file/log-file-reader.js';
import { isPcapMagic } from '../sources/pcap-file/pcap.js';
import { PCAPNG_SHB } from '../sources/pcap-file/pcapng.js';
import { addDetectionOptions, configFromFlags, type DetectionFlags } from './options.js';

interface ExplainFlags extends DetectionFlags {
  kind?: LogFileKind;
}

/** Output is written in blocks of about this many characters. */
const FLUSH_CHARS = 1 << 16;

function isCapture(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false; // the reader reports why it cannot be opened
  }
  try {
    const b = Buffer.alloc(4);
    if (readSync(fd, b, 0, 4, 0) < 4) return false;
    const m = b.readUInt32BE(0);
    return isPcapMagic(m) || m === PCAPNG_SHB;
  } finally {
    closeSync(fd);
  }
}

function record(v: LineVerdict): string {
  return JSON.stringify({
    line: v.line,
    kind: v.kind,
    ip: v.ip,
    user: v.user,
    rules: v.rules,
    ts: v.ts === null ? null : isoTime(v.ts),
    reason: v.reason,
    counted: v.counted,
    note: v.note,
  });
}

export function explainCommand(): Command {
  const cmd = new Command('explain')
    .summary('say for every line of a log file what was read from it and whether it counted')
    .description(
      'Reads an auth log (syslog or ISO timestamps), a journalctl -o json export or a web access log\n' +
        '(recognised from the content, or --kind) through the same log stage as analyze and the daemon,\n' +
        'and prints one JSON line per input line:\n' +
        '  {"line": N, "kind": "ssh_failure"|"ssh_success"|"http_request"|"none", "ip": ..., "user": ...,\n' +
        '   "rules": [rules that alerted on this line], "ts": ..., "reason": ..., "counted": ..., "note": ...}\n' +
        'An sshd failure line has "counted": true when it added to its source\'s ssh-bruteforce count;\n' +
        '"note" says why a recognised line did not count or names nobody.',
    )
    .argument('<file>', 'log file')
    .addOption(new Option('--kind <kind>', 'the file format, instead of recognising it').choices([...LOG_FILE_KINDS]));
  addDetectionOptions(cmd);
  cmd.action((file: string, flags: ExplainFlags) => {
    const config = configFromFlags(flags);
    if (isCapture(file)) throw new PalisadeError('PALISADE_ERR_USAGE', `${file}: is a capture file; explain reads log files (use: palisade analyze ${file})`);
    let kind = flags.kind ?? null;
    if (kind === null) {
      // Opening first gives the usual "cannot open" error for a missing file.
      new LogFileReader(file, 'auth-log').close();
      kind = sniffLogFile(file);
      if (kind === null) {
        throw new PalisadeError(
          'PALISADE_ERR_FILE_FORMAT',
          `${file}: not a log file this reads (syslog auth log, journalctl -o json, web access log); name the format with --kind`,
        );
      }
    }
    const reader = new LogFileReader(file, kind);
    const signatures = kind === 'access-log' ? buildSignatures(config) : null;
    const pipeline = new LogPipeline(config, () => undefined, signatures, { reference: reader.mtime });
    const origin: LineOrigin = { source: file, line: 0 };
    let out = '';
    const k = kind;
    try {
      for (;;) {
        const n = reader.read(4096, (s, a, b) => {
          origin.line++;
          out += record(pipeline.onSpan(s, a, b, origin, k)) + '\n';
          if (out.length >= FLUSH_CHARS) {
            process.stdout.write(out);
            out = '';
          }
        });
        if (n < 4096) break;
      }
      if (reader.problem) process.stderr.write(`palisade: warning: ${reader.problem}\n`);
    } finally {
      reader.close();
      if (out !== '') process.stdout.write(out);
    }
  });
  return cmd;
}
