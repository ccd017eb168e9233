// The pseudo file systems BPF needs: tracefs (tracepoint ids, for attaching) and bpffs (pinning).
// Minimal systems and `ip netns exec` (which remounts /sys) often lack them; as root the daemon
// mounts them where the kernel documents them, as bpftool and systemd do.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const TRACEFS = '/sys/kernel/tracing';
const BPFFS = '/sys/fs/bpf';

function mount(type: string, dir: string): string | null {
  try {
    execFileSync('mount', ['-t', type, type === 'bpf' ? 'bpf' : type, dir], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 5000 });
    return null;
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '').trim();
    return `mount -t ${type} ${dir} failed: ${stderr || (err as Error).message}`;
  }
}

/** Mounts tracefs when its events are not visible; returns why it could not, or null. */
export function ensureTracefs(): string | null {
  if (existsSync(`${TRACEFS}/events`) || existsSync('/sys/kernel/debug/tracing/events')) return null;
  if (!existsSync(TRACEFS)) return `${TRACEFS} does not exist (kernel without tracefs)`;
  return mount('tracefs', TRACEFS);
}

/** Mounts bpffs when /sys/fs/bpf is not one; returns why it could not, or null. */
export function ensureBpffs(): string | null {
  try {
    execFileSync('mountpoint', ['-q', BPFFS], { stdio: 'ignore' });
    return null;
  } catch {
    if (!existsSync(BPFFS)) return `${BPFFS} does not exist`;
    return mount('bpf', BPFFS);
  }
}
