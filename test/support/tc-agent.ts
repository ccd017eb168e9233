// Runs inside a test namespace (`ip netns exec NS node tc-agent.js JSON`): attaches or detaches the
// tc fixture through the addon, as the daemon would, and prints one JSON line. tc filters stay
// after the process exits (they belong to the interface), so attach and detach are separate runs.
//   {"attach": {"obj", "iface", "port"}} -> {"ok": true}
//   {"detach": {"iface"}}                -> {"ok": true}

import { readFileSync } from 'node:fs';
import { requireNative } from '../../src/kernel/native.js';
import type { BpfAddon } from '../../src/kernel/bpf.js';

const a = requireNative<BpfAddon>();
const arg = JSON.parse(process.argv[2] ?? '{}');
const ifindex = (iface: string) => Number(readFileSync(`/sys/class/net/${iface}/ifindex`, 'utf8'));
if (arg.attach) {
  const obj = a.bpfLoad(arg.attach.obj, {});
  const v = Buffer.alloc(4);
  v.writeUInt32LE(arg.attach.port, 0);
  a.mapUpdate(a.bpfMapFd(obj, 'drop_port'), Buffer.alloc(4), v);
  a.tcAttach(a.bpfProgFd(obj, 'tc_port_drop'), ifindex(arg.attach.iface), 'ingress');
} else if (arg.detach) {
  a.tcDetach(ifindex(arg.detach.iface), 'ingress');
}
process.stdout.write(JSON.stringify({ ok: true }) + '\n');
