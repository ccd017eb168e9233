// The file follower on real files written by a separate writer process (test/support/log-writer.ts,
// with its own O_APPEND descriptor as rsyslog has): whole lines only, start at the end, rotation by
// rename + create (with late lines written to the old file) and by copytruncate, resume across a
// restart with nothing lost or read twice (also when the file was rotated meanwhile), a file that
// appears later, and the latency from write to callback. Also the journald follower's handling of
// a missing or failing journalctl (the live journal is in logs-real-sshd.test.ts).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, renameSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { JsonStore } from './support/json-position-store.js';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LineOrigin } from '../src/decode/log/log-event.js';
import { FileFollower } from '../src/sources/log-file/file-follower.js';
import { JournaldFollower } from '../src/sources/journald/journald-follower.js';

const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'log-writer.js');


class Writer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly acks: (() => void)[] = [];

  constructor(file: string) {
    this.child = spawn(process.execPath, [WRITER, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', () => this.acks.shift()?.());
  }

  private send(cmd: object): Promise<void> {
    return new Promise((resolve) => {
      this.acks.push(resolve);
      this.child.stdin.write(JSON.stringify(cmd) + '\n');
    });
  }

  write(...lines: string[]): Promise<void> {
    return this.send({ write: lines });
  }
  partial(text: string): Promise<void> {
    return this.send({ partial: text });
  }
  rename(...late: string[]): Promise<void> {
    return this.send({ rename: late });
  }
  copytruncate(): Promise<void> {
    return this.send({ copytruncate: true });
  }
  close(): Promise<void> {
    return this.send({ close: true });
  }
}

interface Got {
  text: string;
  origin: LineOrigin;
  at: number;
}

function collector(): { got: Got[]; onLine: (text: string, origin: LineOrigin) => void } {
  const got: Got[] = [];
  return { got, onLine: (text, origin) => got.push({ text, origin: { ...origin }, at: performance.now() }) };
}

async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const seq = (prefix: string, n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${from + i}`);

let dir: string;
let n = 0;
const fresh = (): string => path.join(dir, `f${++n}.log`);
before(() => (dir = mkdtempSync(path.join(tmpdir(), 'palisade-follow-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('file follower', () => {
  it('starts at the end, numbers lines from there, delivers only whole lines, within well under a second', async () => {
    const file = fresh();
    writeFileSync(file, 'old 1\nold 2\nold 3\n');
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine });
    f.start();
    const w = new Writer(file);
    try {
      assert.equal(f.status().offset, 18);
      const t0 = performance.now();
      await w.write('new 4', 'new 5');
      await waitFor(() => c.got.length === 2, 5000, 'two lines');
      const latency = c.got[1].at - t0;
      assert.ok(latency < 1000, `latency ${latency.toFixed(0)} ms`);
      assert.deepEqual(c.got.map((g) => [g.text, g.origin.line, g.origin.source]), [
        ['new 4', 4, file],
        ['new 5', 5, file],
      ]);
      await w.partial('par');
      await sleep(500);
      assert.equal(c.got.length, 2, 'a line without its newline waits');
      await w.partial('tial\r\n');
      await waitFor(() => c.got.length === 3, 5000, 'the completed line');
      assert.equal(c.got[2].text, 'partial');
      assert.deepEqual(f.status(), { source: file, state: 'following', offset: 18 + 12 + 9, cursor: null, lines: 3 });
    } finally {
      await w.close();
      await f.stop();
    }
  });

  it('fromStart reads what is already there', async () => {
    const file = fresh();
    writeFileSync(file, 'a\nb\n');
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine, fromStart: true });
    f.start();
    await waitFor(() => c.got.length === 2);
    await f.stop();
    assert.deepEqual(c.got.map((g) => g.text), ['a', 'b']);
  });

  it('rename + create: the old file is finished (late lines too), then the new one from its start', async () => {
    const file = fresh();
    writeFileSync(file, '');
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine });
    f.start();
    const w = new Writer(file);
    try {
      await w.write(...seq('one', 5));
      await w.rename(...seq('late', 3));
      await w.write(...seq('two', 5));
      await waitFor(() => c.got.length === 13, 5000, '13 lines');
      await sleep(1500); // past the grace period: nothing more arrives
      assert.deepEqual(c.got.map((g) => g.text), [...seq('one', 5), ...seq('late', 3), ...seq('two', 5)]);
      assert.deepEqual(c.got.slice(8).map((g) => g.origin.line), [1, 2, 3, 4, 5], 'the new file is numbered from 1');
    } finally {
      await w.close();
      await f.stop();
    }
  });

  it('rotation under a steady stream of writes loses and repeats nothing', async () => {
    const file = fresh();
    writeFileSync(file, '');
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine });
    f.start();
    const w = new Writer(file);
    try {
      let k = 0;
      for (let round = 0; round < 6; round++) {
        for (let b = 0; b < 10; b++) {
          await w.write(...seq('line', 50, k + 1));
          k += 50;
        }
        if (round % 2 === 0) await w.rename(...seq('line', 5, k + 1));
        else {
          // copytruncate loses what the follower had not read before the copy: let it catch up first.
          await waitFor(() => c.got.length === k, 5000, `catch up before copytruncate (${c.got.length} of ${k}: ${c.got.slice(-3).map((g) => g.text)})`);
          await w.copytruncate();
        }
        if (round % 2 === 0) k += 5;
      }
      await w.write(...seq('line', 10, k + 1));
      k += 10;
      await waitFor(() => c.got.length >= k, 10_000, `${k} lines`);
      await sleep(300);
      assert.deepEqual(c.got.map((g) => g.text), seq('line', k, 1));
    } finally {
      await w.close();
      await f.stop();
    }
  });

  it('copytruncate: the file shrinks below the offset, reading restarts at 0', async () => {
    const file = fresh();
    writeFileSync(file, '');
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine });
    f.start();
    const w = new Writer(file);
    try {
      await w.write(...seq('before', 5));
      await waitFor(() => c.got.length === 5);
      await w.copytruncate();
      await w.write(...seq('after', 3));
      await waitFor(() => c.got.length === 8);
      assert.deepEqual(c.got.slice(5).map((g) => [g.text, g.origin.line]), [
        ['after 1', 1],
        ['after 2', 2],
        ['after 3', 3],
      ]);
      assert.ok(existsSync(`${file}.1`));
    } finally {
      await w.close();
      await f.stop();
    }
  });

  it('resumes after a restart at the saved position: nothing lost, nothing read twice', async () => {
    const file = fresh();
    writeFileSync(file, 'x 1\nx 2\n');
    const store = new JsonStore();
    const c1 = collector();
    const f1 = new FileFollower(file, { onLine: c1.onLine, store, fromStart: true });
    f1.start();
    await waitFor(() => c1.got.length === 2);
    const w = new Writer(file);
    await w.write('x 3');
    await waitFor(() => c1.got.length === 3);
    await f1.stop();
    // Written while nobody follows, including a half line.
    await w.write('x 4', 'x 5');
    await w.partial('x 6');
    const c2 = collector();
    const f2 = new FileFollower(file, { onLine: c2.onLine, store, fromStart: true });
    f2.start();
    try {
      await waitFor(() => c2.got.length === 2);
      await w.write(' done');
      await waitFor(() => c2.got.length === 3);
      assert.deepEqual(c2.got.map((g) => [g.text, g.origin.line]), [
        ['x 4', 4],
        ['x 5', 5],
        ['x 6 done', 6],
      ]);
      const saved = store.get(`file:${file}`) as { offset: number; line: number };
      assert.equal(saved.line, 6);
    } finally {
      await w.close();
      await f2.stop();
    }
  });

  it('resumes after a restart when the file was rotated meanwhile: the rest of PATH.1 first, then the new file', async () => {
    const file = fresh();
    writeFileSync(file, '');
    const store = new JsonStore();
    const c1 = collector();
    const f1 = new FileFollower(file, { onLine: c1.onLine, store });
    f1.start();
    const w = new Writer(file);
    await w.write(...seq('old', 3));
    await waitFor(() => c1.got.length === 3);
    await f1.stop();
    await w.write('old 4', 'old 5');
    await w.rename('old 6');
    await w.write(...seq('new', 2));
    const c2 = collector();
    const f2 = new FileFollower(file, { onLine: c2.onLine, store });
    f2.start();
    try {
      await waitFor(() => c2.got.length === 5);
      await sleep(200);
      assert.deepEqual(c2.got.map((g) => [g.text, g.origin.source, g.origin.line]), [
        ['old 4', `${file}.1`, 4],
        ['old 5', `${file}.1`, 5],
        ['old 6', `${file}.1`, 6],
        ['new 1', file, 1],
        ['new 2', file, 2],
      ]);
    } finally {
      await w.close();
      await f2.stop();
    }
  });

  it('a file truncated while stopped is read again from its start', async () => {
    const file = fresh();
    writeFileSync(file, 'a 1\na 2\na 3\n');
    const store = new JsonStore();
    const c1 = collector();
    const f1 = new FileFollower(file, { onLine: c1.onLine, store, fromStart: true });
    f1.start();
    await waitFor(() => c1.got.length === 3);
    await f1.stop();
    truncateSync(file, 0);
    writeFileSync(file, 'b 1\n');
    const c2 = collector();
    const f2 = new FileFollower(file, { onLine: c2.onLine, store });
    f2.start();
    await waitFor(() => c2.got.length === 1);
    await f2.stop();
    assert.deepEqual(c2.got.map((g) => g.text), ['b 1']);
  });

  it('a missing file is waited for, then read from its start', async () => {
    const file = fresh();
    const c = collector();
    const f = new FileFollower(file, { onLine: c.onLine });
    f.start();
    try {
      await sleep(300);
      assert.equal(f.status().state, 'waiting for file');
      writeFileSync(`${file}.tmp`, 'first\nsecond\n');
      renameSync(`${file}.tmp`, file);
      await waitFor(() => c.got.length === 2, 5000, 'the new file');
      assert.deepEqual(c.got.map((g) => g.text), ['first', 'second']);
      assert.equal(f.status().state, 'following');
    } finally {
      await f.stop();
    }
    assert.equal(f.status().state, 'stopped');
  });
});

describe('journald follower without a usable journalctl', () => {
  it('journalctl not found: reported as unavailable, nothing thrown', async () => {
    const c = collector();
    const j = new JournaldFollower({ onLine: c.onLine, units: ['ssh.service'], journalctl: path.join(dir, 'no-such-journalctl') });
    j.start();
    await waitFor(() => j.status().state !== 'following', 5000, 'the spawn error');
    assert.equal(j.status().state, 'unavailable: journalctl not found');
    await j.stop();
    assert.equal(j.status().state, 'unavailable: journalctl not found');
  });

  it('journalctl exiting is restarted with a growing delay; arguments are an array with the cursor', async () => {
    const c = collector();
    // /bin/false: a real program that exits at once with status 1.
    const j = new JournaldFollower({ onLine: c.onLine, units: ['ssh.service', 'sshd.service'], journalctl: '/bin/false', backoffMinMs: 50, backoffMaxMs: 200 });
    assert.deepEqual(j.args(), ['-f', '-o', 'json', '--no-pager', '-u', 'ssh.service', '-u', 'sshd.service', '-n', '0']);
    j.start();
    await waitFor(() => j.status().state.startsWith('restarting'), 5000, 'a restart');
    assert.match(j.status().state, /^restarting in \d+ s: journalctl ended \(exit status 1\)$/);
    await j.stop();
    assert.equal(j.status().state, 'stopped');
  });
});
