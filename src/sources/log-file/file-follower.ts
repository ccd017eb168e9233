// Follows one log file as it grows (tail -F), for the daemon.
//
//   - Only whole lines are delivered: a last line without its newline waits for it.
//   - Rotation by rename + create (logrotate's default): the path gets a new inode. The old file is
//     read to its end first, and kept open for a short grace period for lines its writer still
//     appends before reopening; then the new file is read from its start.
//   - Rotation by copytruncate: the file shrinks below the read offset; reading restarts at 0.
//   - The position {ino, dev, offset, line} is saved through a PositionStore after every batch
//     and on stop. On start the saved position is resumed when the inode matches; when it does
//     not, the file was rotated while we were down: the remainder of `path.1` (if it is the saved
//     inode) is read first, then the new file from its start. Without a saved position reading
//     starts at the end of the file (or at its start with fromStart).
//   - A missing file is not an error: the state is "waiting for file" until it appears, and then
//     it is read from its start (all of it is new).
//   - Latency: a directory watch (inotify) wakes the reader at once; a 200 ms poll catches what the
//     watch misses (network file systems, watch limits, the file's directory appearing later).

import { closeSync, fstatSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { LineHandler, LineSource, LineSourceStatus, PositionStore } from '../source.js';

export interface FileFollowerOptions {
  onLine: LineHandler;
  /** Where the read position is saved; none = no resume across restarts. */
  store?: PositionStore | null;
  /** Key in the store; default "file:" + the path. */
  key?: string;
  /** Without a saved position, read the existing content from the start (default: from the end). */
  fromStart?: boolean;
  /** Poll interval in ms (default 200). */
  pollMs?: number;
  /** How long a rotated-away file is still read after the new one appeared (ms, default 1000). */
  rotateGraceMs?: number;
}

/** What is saved in the PositionStore. */
export interface FilePosition {
  ino: number;
  dev: number;
  /** Byte offset after the last delivered line. */
  offset: number;
  /** Number of the last delivered line in that file. */
  line: number;
}

const READ_BYTES = 64 * 1024;
/** A line longer than this is delivered cut at this length (the rest is skipped to its newline). */
const MAX_LINE_BYTES = 1024 * 1024;
/** Bytes read per pass before yielding to the event loop. */
const PASS_BYTES = 4 * 1024 * 1024;
/** Starting at the end of a bigger file, its lines are not counted first (numbers start at 0 there). */
const COUNT_LINES_MAX = 256 * 1024 * 1024;

/** One open file being read. */
interface Reading {
  fd: number;
  ino: number;
  dev: number;
  /** Offset after the last delivered line. */
  offset: number;
  line: number;
  /** Name used in line origins. */
  name: string;
  /** Skipping the rest of an over-long line. */
  skipping: boolean;
}

function isPosition(v: unknown): v is FilePosition {
  const p = v as FilePosition;
  return v !== null && typeof v === 'object' && Number.isFinite(p.ino) && Number.isFinite(p.offset) && p.offset >= 0 && Number.isFinite(p.line);
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

export class FileFollower implements LineSource {
  private readonly key: string;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private cur: Reading | null = null;
  /** A rotated-away file still read until `oldUntil`. */
  private old: Reading | null = null;
  private oldUntil = 0;
  private buf = Buffer.allocUnsafe(READ_BYTES);
  private timer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private scheduled = false;
  private running = false;
  private state = 'stopped';
  private lines = 0;
  /** Where the next open of the path starts: its end, its start, or a saved offset and line. */
  private startAt: { offset: number; line: number } | 'end' | 'start' = 'start';
  private saved: FilePosition | null = null;

  constructor(
    readonly path: string,
    private readonly opts: FileFollowerOptions,
  ) {
    this.key = opts.key ?? `file:${path}`;
    this.pollMs = opts.pollMs ?? 200;
    this.graceMs = opts.rotateGraceMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.resume();
    this.timer = setInterval(() => this.poll(), this.pollMs);
    try {
      this.watcher = watch(path.dirname(this.path), { persistent: false }, (_event, name) => {
        if (name === null || name === path.basename(this.path)) this.schedule();
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // the poll still works
    }
    this.poll();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    if (this.old) this.finishOld();
    this.save();
    if (this.cur) closeSync(this.cur.fd);
    this.cur = null;
    this.state = 'stopped';
  }

  status(): LineSourceStatus {
    return { source: this.path, state: this.state, offset: this.cur ? this.cur.offset : null, cursor: null, lines: this.lines };
  }

  /** Decides where reading starts, from the saved position (see the header). */
  private resume(): void {
    const saved = this.opts.store?.get(this.key) ?? null;
    const st = this.stat(this.path);
    if (!isPosition(saved)) {
      // A file that does not exist yet is read from its start when it appears: all of it is new.
      this.startAt = st === null || this.opts.fromStart ? 'start' : 'end';
      return;
    }
    if (st !== null && st.ino === saved.ino && st.dev === saved.dev) {
      this.startAt = st.size < saved.offset ? 'start' : { offset: saved.offset, line: saved.line };
      return;
    }
    // Rotated while we were down: finish the old file under its rotated name first.
    const rotated = `${this.path}.1`;
    const rst = this.stat(rotated);
    if (rst !== null && rst.ino === saved.ino && rst.dev === saved.dev && rst.size >= saved.offset) {
      const r = this.open(rotated, saved.offset, saved.line);
      if (r !== null) {
        this.drain(r, Infinity, true);
        closeSync(r.fd);
      }
    }
    this.startAt = 'start';
  }

  private stat(p: string): { ino: number; dev: number; size: number } | null {
    try {
      const st = statSync(p);
      return { ino: st.ino, dev: st.dev, size: st.size };
    } catch {
      return null;
    }
  }

  private sizeOf(fd: number): number {
    try {
      return fstatSync(fd).size;
    } catch {
      return -1;
    }
  }

  private open(p: string, offset: number, line: number): Reading | null {
    try {
      const fd = openSync(p, 'r');
      const st = fstatSync(fd);
      return { fd, ino: st.ino, dev: st.dev, offset, line, name: p, skipping: false };
    } catch (err) {
      const code = errCode(err);
      this.state = code === 'ENOENT' ? 'waiting for file' : `unreadable: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code}`;
      return null;
    }
  }

  private schedule(): void {
    if (this.scheduled || !this.running) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.poll();
    });
  }

  /** One pass: the rotated-away file, the path (opening, rotation, truncation), then save. */
  private poll(): void {
    if (!this.running) return;
    let budget = PASS_BYTES;
    let more = false;
    if (this.old) {
      // A rotated file that shrank was rewritten in place (not ours to read any more): drop it.
      if (this.sizeOf(this.old.fd) < this.old.offset) {
        closeSync(this.old.fd);
        this.old = null;
      } else {
        budget -= this.drain(this.old, budget, false);
        if (Date.now() >= this.oldUntil) this.finishOld();
      }
    }
    const st = this.stat(this.path);
    let cur = this.cur;
    if (st === null) {
      // Gone (rotated away, not yet recreated): keep reading what we have open.
      if (cur === null) this.state = 'waiting for file';
      else {
        budget -= this.drain(cur, budget, false);
        this.state = 'following (file removed; reading it until a new one appears)';
      }
      this.save();
      return;
    }
    if (cur !== null && (st.ino !== cur.ino || st.dev !== cur.dev)) {
      // Rename + create: finish the old file, keep it open a moment for late writes, switch.
      this.drain(cur, Infinity, false);
      if (this.old) this.finishOld();
      this.old = cur;
      this.oldUntil = Date.now() + this.graceMs;
      cur = this.cur = null;
      this.startAt = 'start';
    }
    if (cur === null) {
      let offset = 0;
      let line = 0;
      const at = this.startAt;
      if (at === 'end') {
        offset = st.size;
        line = st.size <= COUNT_LINES_MAX ? this.countLines(this.path, st.size) : 0;
      } else if (at !== 'start') {
        offset = at.offset;
        line = at.line;
      }
      cur = this.cur = this.open(this.path, offset, line);
      if (cur === null) return;
      this.startAt = 'start';
    } else if (st.size < cur.offset) {
      // copytruncate: the content we read was copied away and the file emptied.
      cur.offset = 0;
      cur.line = 0;
      cur.skipping = false;
    }
    this.state = 'following';
    const used = this.drain(cur, budget, false);
    more = used >= budget;
    this.save();
    if (more) this.schedule();
  }

  /** Reads the old file to its end, delivers a last line without newline, closes it. */
  private finishOld(): void {
    const r = this.old!;
    this.drain(r, Infinity, true);
    closeSync(r.fd);
    this.old = null;
  }

  /**
   * Reads r from its offset and delivers whole lines, up to about `budget` bytes; with `final`
   * a last line without newline is delivered too. Returns the bytes consumed.
   */
  private drain(r: Reading, budget: number, final: boolean): number {
    let used = 0;
    let have = 0; // bytes in buf starting at file offset r.offset
    for (;;) {
      if (have === this.buf.length) {
        if (this.buf.length >= MAX_LINE_BYTES) {
          // An over-long line: deliver what fits, skip the rest up to its newline.
          this.deliver(r, 0, have, have);
          r.skipping = true;
          used += have;
          have = 0;
        } else {
          const bigger = Buffer.allocUnsafe(this.buf.length * 2);
          this.buf.copy(bigger, 0, 0, have);
          this.buf = bigger;
        }
      }
      let got: number;
      try {
        got = readSync(r.fd, this.buf, have, this.buf.length - have, r.offset + have);
      } catch (err) {
        this.state = `unreadable: ${errCode(err)}`;
        return used;
      }
      if (got === 0) break;
      have += got;
      let start = 0;
      for (;;) {
        const nl = this.buf.indexOf(10, start);
        if (nl < 0 || nl >= have) break;
        if (r.skipping) {
          r.offset += nl + 1 - start;
          r.skipping = false;
        } else this.deliver(r, start, nl, nl + 1);
        used += nl + 1 - start;
        start = nl + 1;
      }
      if (start > 0) {
        this.buf.copy(this.buf, 0, start, have);
        have -= start;
      }
      if (used >= budget) return used;
    }
    if (final && have > 0 && !r.skipping) {
      this.deliver(r, 0, have, have);
      used += have;
    }
    return used;
  }

  /** Delivers buf[a..b) as a line and moves the offset past `next` bytes from a. */
  private deliver(r: Reading, a: number, b: number, next: number): void {
    let e = b;
    if (e > a && this.buf[e - 1] === 13) e--;
    const text = this.buf.toString('utf8', a, e);
    r.offset += next - a;
    r.line++;
    this.lines++;
    this.opts.onLine(text, { source: r.name, line: r.line });
  }

  /** Lines in the first `size` bytes (to number lines when starting at the end). */
  private countLines(p: string, size: number): number {
    let fd: number;
    try {
      fd = openSync(p, 'r');
    } catch {
      return 0;
    }
    let n = 0;
    try {
      let off = 0;
      while (off < size) {
        const got = readSync(fd, this.buf, 0, Math.min(this.buf.length, size - off), off);
        if (got === 0) break;
        for (let i = this.buf.indexOf(10, 0); i >= 0 && i < got; i = this.buf.indexOf(10, i + 1)) n++;
        off += got;
      }
    } finally {
      closeSync(fd);
    }
    return n;
  }

  /** Saves the position of the current file when it changed since the last save. */
  private save(): void {
    const r = this.cur;
    if (r === null || !this.opts.store) return;
    const last = this.saved;
    if (last !== null && last.ino === r.ino && last.dev === r.dev && last.offset === r.offset && last.line === r.line) return;
    const pos: FilePosition = { ino: r.ino, dev: r.dev, offset: r.offset, line: r.line };
    this.opts.store.set(this.key, pos);
    this.saved = pos;
  }
}
