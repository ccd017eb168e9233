// Runs inside a network namespace (`ip netns exec NS node tcp-probe.js JSON`) and reports on
// stdout, as one JSON line, what a user's TCP client would see:
//   {"tries":[{from,to,port}], "timeoutMs"}  -> [true|false, ...] (connected or not)
//   {"hammer":{from,to,port,ms,parallel,timeoutMs}} -> {"connected":N,"attempts":M}: connects
//     over and over for `ms`, to catch any moment a block is not in force
//   {"hold":{from,to,port,ms}} -> "connected" once the connection is up, then keeps it open
// A dropped SYN shows as a timeout; a refused one as an error. Both are "not connected".

import net from 'node:net';

interface Try {
  from: string;
  to: string;
  port: number;
}

function attempt(t: Try, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: t.to, port: t.port, localAddress: t.from });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const arg = JSON.parse(process.argv[2] ?? '{}');
if (arg.tries) {
  const res = await Promise.all((arg.tries as Try[]).map((t) => attempt(t, arg.timeoutMs ?? 400)));
  process.stdout.write(JSON.stringify(res) + '\n');
} else if (arg.hammer) {
  const h = arg.hammer;
  const end = Date.now() + h.ms;
  let connected = 0;
  let attempts = 0;
  const worker = async () => {
    while (Date.now() < end) {
      attempts++;
      if (await attempt(h, h.timeoutMs ?? 150)) connected++;
    }
  };
  await Promise.all(Array.from({ length: h.parallel ?? 8 }, worker));
  process.stdout.write(JSON.stringify({ connected, attempts }) + '\n');
} else if (arg.hold) {
  const h = arg.hold;
  const s = net.connect({ host: h.to, port: h.port, localAddress: h.from });
  s.on('error', () => process.exit(2));
  s.once('connect', () => process.stdout.write('connected\n'));
  setTimeout(() => {
    s.destroy();
    process.exit(0);
  }, h.ms);
}
