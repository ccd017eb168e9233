// The benchmark's lab: two network namespaces of its own joined by a veth pair.
//
//   SRC  <srcDev> 198.18.0.1/24  ==veth==  <dstDev> 198.18.0.2/24  DST
//
// The generator runs in SRC; the receiver (filters under test) in DST. The receiving veth runs
// GRO (so it uses NAPI even without XDP) with threaded NAPI: all receive work of a frame (XDP,
// building the skb, GRO, netfilter, IP, UDP) then happens in one kthread, napi/<dstDev>-<id>,
// which is pinned to the receive CPU with SCHED_FIFO (the priority softirq work would have). Its
// CPU time per arrived frame is the receive cost of whatever filter is in place.
//
// DST has only the connected /24 as route: the ICMP errors for spoofed sources are never sent.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { run, tryRun } from './exec.js';

export interface Lab {
  srcNs: string;
  dstNs: string;
  srcDev: string;
  dstDev: string;
  /** A veth in SRC, left down, that only holds the generator's XDP program (gen.ts --hold-dev; this kernel has no dummy driver). */
  holdDev: string;
  srcIp: string;
  dstIp: string;
}

/** Unique names for this run (the pid); device names stay short for the kthread's 15-char name. */
export function labFor(id: number): Lab {
  return {
    srcNs: `pal-kbench-${id}-src`,
    dstNs: `pal-kbench-${id}-dst`,
    srcDev: `kbs${id}`,
    dstDev: `kbd${id}`,
    holdDev: `kbh${id}`,
    srcIp: '198.18.0.1',
    dstIp: '198.18.0.2',
  };
}

/** Run in the host namespace: namespaces, veth pair, addresses, links up. */
export function createLab(lab: Lab): void {
  for (const ns of [lab.srcNs, lab.dstNs]) {
    if (tryRun(['ip', 'netns', 'list']).stdout.split('\n').some((l) => l.split(' ')[0] === ns)) throw new Error(`namespace ${ns} already exists`);
  }
  run(['ip', 'netns', 'add', lab.srcNs]);
  run(['ip', 'netns', 'add', lab.dstNs]);
  run(['ip', 'link', 'add', lab.srcDev, 'netns', lab.srcNs, 'type', 'veth', 'peer', 'name', lab.dstDev, 'netns', lab.dstNs]);
  run(['ip', '-n', lab.srcNs, 'addr', 'add', `${lab.srcIp}/24`, 'dev', lab.srcDev]);
  run(['ip', '-n', lab.dstNs, 'addr', 'add', `${lab.dstIp}/24`, 'dev', lab.dstDev]);
  run(['ip', '-n', lab.srcNs, 'link', 'add', lab.holdDev, 'type', 'veth', 'peer', 'name', `${lab.holdDev}p`]);
  for (const [ns, dev] of [
    [lab.srcNs, lab.srcDev],
    [lab.dstNs, lab.dstDev],
  ]) {
    run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    run(['ip', '-n', ns, 'link', 'set', dev, 'up']);
  }
}

/** Run in the host namespace; never throws (it runs on every exit path). */
export function destroyLab(lab: Lab): string[] {
  const left: string[] = [];
  for (const ns of [lab.srcNs, lab.dstNs]) {
    const r = tryRun(['ip', 'netns', 'del', ns]);
    if (r.code !== 0 && !/No such file/.test(r.stderr)) left.push(`${ns}: ${r.stderr.trim()}`);
  }
  return left;
}

/** True when this process runs in the namespace `ns` (compares the nsfs inodes). */
export function inNamespace(ns: string): boolean {
  try {
    return statSync(`/run/netns/${ns}`).ino === statSync('/proc/self/ns/net').ino;
  } catch {
    return false;
  }
}

/** Run inside DST: no reverse-path filter for spoofed sources, GRO on, threaded NAPI. */
export function configureReceiver(lab: Lab): void {
  for (const scope of ['all', 'default', lab.dstDev]) writeFileSync(`/proc/sys/net/ipv4/conf/${scope}/rp_filter`, '0');
  run(['ethtool', '-K', lab.dstDev, 'gro', 'on']);
  writeFileSync(`/sys/class/net/${lab.dstDev}/threaded`, '1');
}

export function deviceMac(dev: string): string {
  return readFileSync(`/sys/class/net/${dev}/address`, 'utf8').trim();
}

const PF_KTHREAD = 0x00200000;

/** Fields of /proc/PID/stat after the command name: field k of proc(5) is index k - 3. */
export function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).trim().split(' ');
}

/**
 * The NAPI kthread of `dev`: named napi/<dev>-<napi id>, cut to 15 characters by the kernel, so
 * it is found by that prefix; it must be a kernel thread and the only match.
 */
export function findNapiThread(dev: string): number {
  const want = `napi/${dev}-`.slice(0, 15);
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (!comm.startsWith(want)) continue;
      if ((Number(statFields(Number(name))[6]) & PF_KTHREAD) === 0) continue;
    } catch {
      continue; // exited meanwhile
    }
    found.push(Number(name));
  }
  if (found.length !== 1) {
    throw new Error(found.length === 0 ? `no NAPI kthread for ${dev} (is threaded NAPI on?)` : `several kthreads named ${want}*: ${found.join(', ')}`);
  }
  return found[0];
}

/** Pins the kthread to `cpu` and makes it SCHED_FIFO `prio` (taskset and chrt, util-linux). */
export function pinThread(pid: number, cpu: number, prio: number): void {
  run(['taskset', '-pc', String(cpu), String(pid)]);
  run(['chrt', '-f', '-p', String(prio), String(pid)]);
  const f = statFields(pid);
  // field 41 of /proc/PID/stat is the policy (1 = SCHED_FIFO)
  if (f[38] !== '1') throw new Error(`chrt did not make ${pid} SCHED_FIFO (policy ${f[38]})`);
}
