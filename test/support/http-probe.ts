// Runs inside a network namespace (`ip netns exec NS node http-probe.js JSON`) and reports on stdout,
// as one JSON line, what an HTTP client saw for one GET sent byte for byte as given:
//   {"host","port","path","timeoutMs"} -> {"connected":bool,"status":number|null,"body":string}
// connected: the TCP handshake completed (so a missing answer means the request itself was dropped).

import net from 'node:net';

const { host, port, path, timeoutMs } = JSON.parse(process.argv[2]) as { host: string; port: number; path: string; timeoutMs: number };
let connected = false;
let data = '';
let done = false;
const s = net.connect({ host, port });
const finish = (): void => {
  if (done) return;
  done = true;
  clearTimeout(timer);
  s.destroy();
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
  const body = data.includes('\r\n\r\n') ? data.slice(data.indexOf('\r\n\r\n') + 4) : '';
  process.stdout.write(JSON.stringify({ connected, status: m ? Number(m[1]) : null, body }) + '\n');
};
const timer = setTimeout(finish, timeoutMs);
s.on('connect', () => {
  connected = true;
  s.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: palisade-test\r\nConnection: close\r\n\r\n`);
});
s.on('data', (b: Buffer) => (data += b.toString('latin1')));
s.on('end', finish);
s.on('error', finish);
