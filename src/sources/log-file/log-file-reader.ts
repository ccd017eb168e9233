// A log file read to its end (analyze, explain): large chunks with readSync into one reused buffer,
// decoded as UTF-8 up to the chunk's last newline (a character split by the chunk edge waits for
// the next read), so lines are spans of one string and no per-line string is cut. The last line
// may lack its newline.

import { isAscii } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PalisadeError } from '../../errors.js';
import type { LogFileKind } from '../../decode/log/sniff.js';

// Below Node's limit (about 1 MB) above which a decoded string is made external: external strings
// are read more slowly by charCodeAt and are not counted by the garbage collector's heap limits.
const CHUNK_BYTES = 512 * 1024;

/** buf[0..n) as text: UTF-8, with a faster copy when it is all ASCII (most logs). */
function decode(buf: Buffer, n: number): string {
  return isAscii(buf.subarray(0, n)) ? buf.toString('latin1', 0, n) : buf.toString('utf8', 0, n);
}

export class LogFileReader {
  readonly totalBytes: number;
  /** File modification time (seconds): the reference for RFC 3164 years. */
  readonly mtime: number;
  bytesRead = 0;
  /** Lines delivered so far (the number of the last one). */
  lines = 0;
  /** One-line reason the read ended early, or null. */
  problem: string | null = null;

  private fd: number;
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Bytes in buf not yet decoded (a partial last line). */
  private pending = 0;
  private eof = false;
  /** The decoded chunk and the next line's start in it. */
  private text = '';
  private pos = 0;

  constructor(
    readonly path: string,
    readonly format: LogFileKind,
  ) {
    try {
      this.fd = openSync(path, 'r');
      const st = fstatSync(this.fd);
      this.totalBytes = st.isFile() ? st.size : 0;
      this.mtime = st.mtimeMs / 1000;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new PalisadeError('PALISADE_ERR_FILE_OPEN', `${path}: cannot open (${e.code === 'ENOENT' ? 'no such file' : (e.code ?? String(err))})`);
    }
  }

  /**
   * Calls `each(text, start, end)` for up to `max` lines (the span excludes "\n" and a "\r" before
   * it); returns how many were delivered: fewer than `max` means the end of the file.
   */
  read(max: number, each: (text: string, start: number, end: number) => void): number {
    let n = 0;
    while (n < max) {
      if (this.pos >= this.text.length && !this.fill()) break;
      const s = this.text;
      let nl = s.indexOf('\n', this.pos);
      const last = nl < 0;
      if (last) nl = s.length; // the final line of a file without a trailing newline
      const start = this.pos;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === 13) end--;
      this.pos = nl + 1;
      this.lines++;
      n++;
      each(s, start, end);
    }
    return n;
  }

  /** Decodes the next chunk into `text`; false at the end of the file. */
  private fill(): boolean {
    this.text = '';
    this.pos = 0;
    for (;;) {
      if (this.eof) {
        if (this.pending === 0) return false;
        this.text = decode(this.buf, this.pending);
        this.pending = 0;
        return true;
      }
      if (this.pending === this.buf.length) {
        // A line longer than the buffer: grow it.
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, this.pending);
        this.buf = bigger;
      }
      let got = 0;
      try {
        got = readSync(this.fd, this.buf, this.pending, this.buf.length - this.pending, null);
      } catch (err) {
        this.problem = `${this.path}: read error after ${this.bytesRead} bytes (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
        this.eof = true;
        continue;
      }
      if (got === 0) {
        this.eof = true;
        continue;
      }
      this.bytesRead += got;
      const have = this.pending + got;
      const nl = this.buf.lastIndexOf(10, have - 1);
      if (nl < 0) {
        this.pending = have;
        continue;
      }
      this.text = decode(this.buf, nl + 1);
      this.buf.copy(this.buf, 0, nl + 1, have);
      this.pending = have - nl - 1;
      return true;
    }
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}
