// The NFQUEUE rule builder and readers (no root): the exact nft batch and iptables argv, status
// parsing of both nft print forms, and the one-line bind errors naming the queue.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeBindError, kernelQueueStats } from '../src/kernel/nfq.js';
import { LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_RAW } from '../src/decode/decoder.js';
import { linktypeFor } from '../src/sources/nfqueue/nfqueue-source.js';
import {
  checkTableName,
  iptEnableSteps,
  iptJumpCount,
  isMissingNftQueue,
  nftDisableScript,
  nftEnableScript,
  parseIptChain,
  parseNftTable,
} from '../src/sources/nfqueue/queue-rules.js';
import { statusLine } from '../src/sources/nfqueue/queue-setup.js';

describe('NFQUEUE rules', () => {
  it('nftables: one transaction replacing Palisade\'s own table; bypass only when fail-open', () => {
    assert.equal(
      nftEnableScript({ table: 'palisade_nfq', queue: 3, failOpen: true, forward: true }),
      'add table inet palisade_nfq\ndelete table inet palisade_nfq\ntable inet palisade_nfq {\n' +
        '\tchain input {\n\t\ttype filter hook input priority filter - 5; policy accept;\n\t\tcounter queue num 3 bypass\n\t}\n' +
        '\tchain forward {\n\t\ttype filter hook forward priority filter - 5; policy accept;\n\t\tcounter queue num 3 bypass\n\t}\n}\n',
    );
    const closed = nftEnableScript({ table: 'palisade_nfq', queue: 0, failOpen: false, forward: false });
    assert.match(closed, /counter queue num 0\n/);
    assert.doesNotMatch(closed, /forward|bypass/);
    assert.equal(nftDisableScript('palisade_nfq'), 'add table inet palisade_nfq\ndelete table inet palisade_nfq\n');
  });

  it('refuses table names and queues that could reach a command badly', () => {
    assert.equal(checkTableName('palisade_nfq'), null);
    for (const bad of ['', '1abc', 'a b', 'x;flush ruleset', 'a'.repeat(29)]) assert.notEqual(checkTableName(bad), null, bad);
    assert.throws(() => nftEnableScript({ table: 'bad name', queue: 1, failOpen: true, forward: false }));
    assert.throws(() => nftEnableScript({ table: 'ok', queue: 65536, failOpen: true, forward: false }));
    assert.throws(() => iptEnableSteps({ table: 'ok', queue: -1, failOpen: true, forward: false }));
  });

  it('iptables fallback: a mangle chain of its own, jumped to from INPUT (and FORWARD) unless already', () => {
    const steps = iptEnableSteps({ table: 'palisade_nfq', queue: 9, failOpen: true, forward: true });
    const v4 = steps.filter((s) => s.argv[0] === 'iptables').map((s) => s.argv.join(' '));
    assert.deepEqual(v4, [
      'iptables -w -t mangle -N PALISADE_NFQ',
      'iptables -w -t mangle -F PALISADE_NFQ',
      'iptables -w -t mangle -A PALISADE_NFQ -j NFQUEUE --queue-num 9 --queue-bypass',
      'iptables -w -t mangle -A INPUT -j PALISADE_NFQ',
      'iptables -w -t mangle -A FORWARD -j PALISADE_NFQ',
    ]);
    assert.deepEqual(steps.find((s) => s.argv.join(' ') === 'iptables -w -t mangle -A INPUT -j PALISADE_NFQ')?.unless, ['iptables', '-w', '-t', 'mangle', '-C', 'INPUT', '-j', 'PALISADE_NFQ']);
    assert.equal(steps.filter((s) => s.argv[0] === 'ip6tables').length, 5);
    const closed = iptEnableSteps({ table: 'palisade_nfq', queue: 9, failOpen: false, forward: false });
    assert.ok(closed.every((s) => !s.argv.includes('--queue-bypass') && !s.argv.includes('FORWARD')));
  });

  it('reads both nft print forms and iptables listings', () => {
    const newer = 'table inet palisade_nfq {\n\tchain input {\n\t\ttype filter hook input priority filter - 5; policy accept;\n\t\tcounter packets 5 bytes 300 queue flags bypass to 3\n\t}\n}\n';
    assert.deepEqual(parseNftTable(newer), { backend: 'nftables', queue: 3, failOpen: true, hooks: ['input'] });
    const older = newer.replace('queue flags bypass to 3', 'queue num 12');
    assert.deepEqual(parseNftTable(older), { backend: 'nftables', queue: 12, failOpen: false, hooks: ['input'] });
    assert.equal(parseNftTable('table inet palisade_nfq {\n}\n'), null);
    assert.deepEqual(parseIptChain('-N PALISADE_NFQ\n-A PALISADE_NFQ -j NFQUEUE --queue-num 4 --queue-bypass\n', 'palisade_nfq'), { queue: 4, failOpen: true });
    assert.equal(parseIptChain('-N PALISADE_NFQ\n', 'palisade_nfq'), null);
    assert.equal(iptJumpCount('-P INPUT ACCEPT\n-A INPUT -j PALISADE_NFQ\n-A INPUT -j PALISADE_NFQ\n-A INPUT -j OTHER\n', 'palisade_nfq'), 2);
    assert.equal(statusLine('palisade_nfq', { backend: 'iptables', queue: 4, failOpen: true, hooks: ['input'] }), 'enabled: queue 4, fail-open (bypass), input (iptables mangle chain PALISADE_NFQ, IPv4+IPv6)');
    assert.match(statusLine('palisade_nfq', null), /^not enabled/);
  });

  it('knows nft\'s error for a kernel without the queue expression', () => {
    assert.ok(isMissingNftQueue('/dev/stdin:5:11-15: Error: Could not process rule: No such file or directory\n\t\tcounter queue num 3 bypass\n\t\t        ^^^^^'));
    assert.ok(!isMissingNftQueue('Error: syntax error, unexpected queue'));
  });
});

describe('NFQUEUE bind errors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pal-nfq-proc-'));
  const proc = path.join(dir, 'nfnetlink_queue');
  writeFileSync(proc, '    7  20620     0 2 65531     0     0       13  1\n');
  const err = (errno: number) => ({ errno, code: 'X', message: 'bind the queue: some text' });

  it('EPERM: queue held by another socket, or no CAP_NET_ADMIN, told apart by the kernel table', () => {
    assert.match(describeBindError(7, err(constants.errno.EPERM), proc), /^NFQUEUE queue 7 is already taken by another program \(netlink port 20620;/);
    assert.equal(describeBindError(8, err(constants.errno.EPERM), proc), 'NFQUEUE queue 8: binding needs root (CAP_NET_ADMIN)');
    assert.deepEqual(kernelQueueStats(7, proc), { queue: 7, portid: 20620, waiting: 0, copyMode: 2, copyRange: 65531, queueDropped: 0, userDropped: 0, idSequence: 13 });
  });

  it('no NFQUEUE in the kernel names the module', () => {
    for (const e of [constants.errno.EINVAL, constants.errno.EPROTONOSUPPORT]) {
      assert.match(describeBindError(2, err(e), proc), /^NFQUEUE queue 2: this kernel has no NFQUEUE support \(load the nfnetlink_queue module/);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('maps the kernel\'s hardware protocol to a link type', () => {
    assert.equal(linktypeFor(0x0800), LINKTYPE_IPV4);
    assert.equal(linktypeFor(0x86dd), LINKTYPE_IPV6);
    assert.equal(linktypeFor(0), LINKTYPE_RAW);
  });
});
