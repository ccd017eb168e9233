// Worker thread for the store tests: a second connection that keeps inserting alert batches (as
// the daemon does) until told to stop, then reports how many it wrote.

import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../../src/record/store.js';
import type { Detection } from '../../src/detect/detection.js';

const { file } = workerData as { file: string };
const store = Store.open(file);
let written = 0;
let stop = false;
parentPort!.on('message', (m) => {
  if (m === 'stop') stop = true;
});

function alert(i: number): Detection {
  return {
    ruleId: 'port-scan', severity: 'high', action: 'alert', scope: 'source', ts: 1_750_000_000 + i,
    src: `192.0.2.${i % 250}`, dst: '198.51.100.1', sport: 40000, dport: 22, proto: 'tcp',
    reason: `writer ${i}`, evidence: { ports: 25 }, packet: i,
  };
}

function step(): void {
  if (stop) {
    store.close();
    parentPort!.postMessage({ written });
    return;
  }
  const batch = [];
  for (let i = 0; i < 200; i++) batch.push({ d: alert(written + i), origin: 'writer' });
  store.insertAlerts(batch);
  written += batch.length;
  if (written === 200) parentPort!.postMessage('started');
  setImmediate(step);
}
step();
