// `make demo`, second part (root only): a lab of network namespaces where a real OpenSSH server in
// a "victim" namespace is protected by the Palisade daemon (nftables, dry-run off), an "attacker"
// namespace guesses passwords with the real ssh client, and an "admin" namespace, whitelisted, does
// the same. Prints what was detected and blocked, then removes the namespaces.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lab } from '../test/support/netns.js';
import { requireTools } from '../test/support/ns.js';
import { PALISADE_BIN } from '../test/support/paths.js';
import { guessPassword, Sshd } from '../test/support/sshd.js';
import { indent, say } from './demo-output.js';

function palisade(dir: string, args: string[]): string {
  const r = spawnSync(process.execPath, [PALISADE_BIN, ...args, '--state-dir', dir], { encoding: 'utf8' });
  return (r.stdout + r.stderr).trimEnd();
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    say('(the daemon demo needs root for network namespaces and nftables; skipped)');
    return;
  }
  requireTools('nft', 'sshd', 'ssh', 'sshpass', 'ip');
  const lab = new Lab('pal-demo');
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-demo-'));
  let daemon: ChildProcess | null = null;
  let sshd: Sshd | null = null;
  try {
    const attacker = lab.addPeer('att');
    const admin = lab.addPeer('adm');
    const authLog = path.join(dir, 'auth.log');
    const cfg = path.join(dir, 'palisade.yaml');
    writeFileSync(cfg, `# demo config\npolicy:\n  blacklist_ttl: 600\n  whitelist: [${admin.v4}]\nenforce:\n  dry_run: false\n`);
    say(`lab: victim namespace ${lab.victim} runs sshd; attacker ${attacker.v4}; admin ${admin.v4} (whitelisted)`);
    sshd = new Sshd(lab.victim, authLog);
    await sshd.start([attacker.victimV4, admin.victimV4]);
    const argv = Lab.inNs(lab.victim, [process.execPath, PALISADE_BIN, 'run', '-c', cfg, '--state-dir', dir, '--auth-log', authLog, '--no-journald', '--log-file', path.join(dir, 'daemon.log')]);
    daemon = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    for (let i = 0; i < 100 && !palisade(dir, ['status']).startsWith('Palisade'); i++) await sleep(100);
    say(`\n== palisade status\n${indent(palisade(dir, ['status']))}`);

    say('\n== the attacker guesses root\'s password with ssh, once a second');
    for (let i = 1; i <= 8; i++) {
      const t0 = Date.now();
      const r = await guessPassword(attacker.ns, 'root', attacker.victimV4, `guess${i}`, 2);
      const outcome = /timed out/i.test(r.stderr) ? 'connection timed out: BLOCKED' : 'Permission denied';
      say(`    guess ${i}: ${outcome} (${Date.now() - t0} ms)`);
      if (outcome.includes('BLOCKED')) break;
      await sleep(1000);
    }
    say('\n== the admin (whitelisted) mistypes the password 6 times');
    for (let i = 1; i <= 6; i++) await guessPassword(admin.ns, 'root', admin.victimV4, `typo${i}`, 2);
    const r = await guessPassword(admin.ns, 'root', admin.victimV4, 'typo7', 2);
    say(`    7th attempt: ${/timed out/i.test(r.stderr) ? 'timed out (blocked!)' : 'Permission denied: still reaches sshd, never blocked'}`);
    await sleep(500);
    say(`\n== palisade alerts\n${indent(palisade(dir, ['alerts', '--limit', '5']))}`);
    say(`\n== palisade blacklist\n${indent(palisade(dir, ['blacklist']))}`);
    say(`\n== nft list table inet palisade (in the victim namespace)\n${indent(lab.exec(lab.victim, ['nft', 'list', 'table', 'inet', 'palisade']).stdout.trimEnd())}`);
    const actions = readFileSync(path.join(dir, 'actions.jsonl'), 'utf8').trim().split('\n');
    say(`\n== actions.jsonl (seed 000's action log), last entry\n${indent(JSON.stringify(JSON.parse(actions[actions.length - 1]), null, 2))}`);
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((res) => daemon!.once('exit', res));
    }
    await sshd?.stop();
    lab.dispose();
    rmSync(dir, { recursive: true, force: true });
    say('\n(lab namespaces removed)');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
