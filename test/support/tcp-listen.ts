// A TCP server for namespace tests: listens on [::] (IPv4 and IPv6) at the given port, accepts
// and holds connections, prints "listening" when ready. The test kills it by PID.

import net from 'node:net';

const port = Number(process.argv[2]);
const server = net.createServer((s) => s.on('error', () => undefined));
server.listen({ host: '::', port, ipv6Only: false }, () => process.stdout.write('listening\n'));
