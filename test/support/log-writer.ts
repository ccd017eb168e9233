// A separate process that writes a log file the way syslog daemons and logrotate do, driven by JSON
// commands on stdin (one per line), answering "ok" on stdout after each. The file follower tests
// use it so that the writer has its own file descriptor (O_APPEND), as rsyslog does.
//
//   {"write": ["line", ...]}           append lines
//   {"partial": "text"}                append text without a newline
//   {"rename": ["late line", ...]}     logrotate's default: rename to PATH.1, write the late lines to
//                                      the old descriptor (rsyslog before its HUP), then reopen PATH
//   {"copytruncate": true}             logrotate copytruncate: copy to PATH.1, truncate PATH in place
// Both first move an existing PATH.1 to PATH.2, as logrotate does with `rotate 2` or more.
//   {"close": true}                    close and exit

import { closeSync, copyFileSync, existsSync, ftruncateSync, openSync, renameSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
let fd = openSync(file, 'a');

function shift(): void {
  if (existsSync(`${file}.1`)) renameSync(`${file}.1`, `${file}.2`);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (text) => {
  const cmd = JSON.parse(text) as { write?: string[]; partial?: string; rename?: string[]; copytruncate?: boolean; close?: boolean };
  if (cmd.write) writeSync(fd, cmd.write.map((l) => `${l}\n`).join(''));
  if (cmd.partial !== undefined) writeSync(fd, cmd.partial);
  if (cmd.rename) {
    shift();
    renameSync(file, `${file}.1`);
    if (cmd.rename.length > 0) writeSync(fd, cmd.rename.map((l) => `${l}\n`).join(''));
    closeSync(fd);
    fd = openSync(file, 'a');
  }
  if (cmd.copytruncate) {
    shift();
    copyFileSync(file, `${file}.1`);
    ftruncateSync(fd, 0);
  }
  if (cmd.close) {
    closeSync(fd);
    process.stdout.write('ok\n');
    process.exit(0);
  }
  process.stdout.write('ok\n');
});
