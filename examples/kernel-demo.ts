// `make demo`, third part (root only): the kernel data path. A "victim" namespace runs a TCP service
// and the Palisade daemon watching both of its links through the XDP guard's ring buffer, with the
// xdp enforcer (dry-run off). An "attacker" namespace scans it with nmap and floods it with hping3;
// a "benign" namespace connects now and then. Prints what was detected, what the guard dropped, and
// that the benign peer was never touched; then removes the namespaces.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Lab } from '../test/support/netns.js';
import { requireTools } from '../test/support/ns.js';
import { startTcpListener, tcpConnects } from '../test/support/ns-tcp.js';
import { PALISADE_BIN } from '../test/support/paths.js';
import { indent, say } from './demo-output.js';

const PORT = 8080;

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    say('(the kernel demo needs root for network namespaces and XDP; skipped)');
    return;
  }
  requireTools('ip', 'nmap', 'hping3');
  const lab = new Lab('pal-kdemo');
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-kdemo-'));
  const palisade = (args: string[]): string => {
    const r = spawnSync('ip', ['netns', 'exec', lab.victim, process.execPath, PALISADE_BIN, ...args, '--state-dir', dir], { encoding: 'utf8' });
    return (r.stdout + r.stderr).trimEnd();
  };
  let daemon: ChildProcess | null = null;
  let listener: ChildProcess | null = null;
  try {
    const atk = lab.addPeer('att');
    const ben = lab.addPeer('ben');
    const flooder = atk.v4.replace(/\.2$/, '.3');
    lab.exec(atk.ns, ['ip', 'addr', 'add', `${flooder}/24`, 'dev', atk.peerIface]);
    listener = await startTcpListener(lab.victim, PORT);
    const cfg = path.join(dir, 'palisade.yaml');
    writeFileSync(cfg, '# kernel demo config\npolicy:\n  blacklist_ttl: 600\nsources:\n  journald: false\n  auth_logs: []\n');
    say(`lab: victim ${lab.victim} serves TCP ${PORT} on ${atk.victimIface} and ${ben.victimIface}; attacker ${atk.v4} (scan) and ${flooder} (SYN flood); benign ${ben.v4}`);
    const env = { ...process.env };
    delete env.SSH_CLIENT;
    delete env.SSH_CONNECTION;
    const argv = Lab.inNs(lab.victim, [
      process.execPath, PALISADE_BIN, 'run', '-c', cfg, '--state-dir', dir, '--log-file', path.join(dir, 'daemon.log'),
      '--iface', atk.victimIface, '--iface', ben.victimIface, '--enforcer', 'xdp', '--no-dry-run',
    ]);
    daemon = spawn(argv[0], argv.slice(1), { stdio: 'ignore', env });
    for (let i = 0; i < 150 && !palisade(['status']).startsWith('Palisade'); i++) await sleep(100);
    say(`\n== palisade status\n${indent(palisade(['status']))}`);

    const reach = (ns: string, from: string, to: string) => (tcpConnects(ns, from, to, PORT) ? 'connects' : 'TIMED OUT (dropped)');
    say(`\n== before: attacker ${reach(atk.ns, atk.v4, atk.victimV4)}, benign ${reach(ben.ns, ben.v4, ben.victimV4)}`);
    say(`\n== nmap -sS -p 1-1000 ${atk.victimV4} from ${atk.v4}`);
    lab.exec(atk.ns, ['timeout', '60', 'nmap', '-sS', '-n', '-Pn', '-p', '1-1000', '-T4', atk.victimV4], { allowFail: true });
    say(`== hping3 -S --flood -p ${PORT} from ${flooder}, 3 s`);
    lab.exec(atk.ns, ['timeout', '3', 'hping3', '-q', '-S', '--flood', '-p', String(PORT), '-a', flooder, atk.victimV4], { allowFail: true });
    await sleep(1000);
    say(`\n== after: scanner ${reach(atk.ns, atk.v4, atk.victimV4)}, flooder ${reach(atk.ns, flooder, atk.victimV4)}, benign ${reach(ben.ns, ben.v4, ben.victimV4)}`);
    say(`\n== palisade alerts\n${indent(palisade(['alerts', '--limit', '5']))}`);
    say(`\n== palisade blacklist\n${indent(palisade(['blacklist']))}`);
    const stats = JSON.parse(palisade(['stats', '-o', 'json'])) as { kernel_drops: { packets: number } | null; live: { packets: { packets: number } } };
    say(`\n== packets the engine saw through the XDP ring buffer: ${stats.live.packets.packets}; dropped in XDP after the blocks: ${stats.kernel_drops?.packets ?? 0}`);
    say(`\n== ip link show ${atk.victimIface} (the guard is attached)\n${indent(lab.exec(lab.victim, ['ip', 'link', 'show', atk.victimIface]).stdout.trimEnd())}`);
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((res) => daemon!.once('exit', res));
    }
    if (listener && listener.exitCode === null) listener.kill('SIGKILL');
    lab.dispose();
    rmSync(dir, { recursive: true, force: true });
    say('\n(lab namespaces removed)');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
