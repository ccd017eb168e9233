// A small HTTP server for namespace tests: answers every request with 200 "ok <url>", prints
// "listening" when ready and then each request's URL on its own line (so a test can tell which
// requests reached the application). The test kills it by PID.

import http from 'node:http';

const port = Number(process.argv[2]);
const server = http.createServer((req, res) => {
  process.stdout.write(`request ${req.url}\n`);
  res.end(`ok ${req.url}\n`);
});
server.listen({ host: '::', port, ipv6Only: false }, () => process.stdout.write('listening\n'));
