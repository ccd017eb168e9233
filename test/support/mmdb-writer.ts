// A minimal MaxMind DB (MMDB v2) writer for tests: builds real files in the format GeoLite2 uses
// (IPv6 tree with IPv4 under ::/96, 24-bit records), with any JSON-like record per network.
// Format: https://maxmind.github.io/MaxMind-DB/ (search tree, 16-byte separator, data, metadata).

import { parseCidr } from '../../src/decode/ip-addr.js';

type Value = string | number | boolean | Value[] | { [k: string]: Value };

function ctrl(type: number, size: number): Buffer {
  const head: number[] = [];
  let extra: number[] = [];
  let s = size;
  if (size >= 65821) {
    s = 31;
    const v = size - 65821;
    extra = [(v >> 16) & 255, (v >> 8) & 255, v & 255];
  } else if (size >= 285) {
    s = 30;
    const v = size - 285;
    extra = [(v >> 8) & 255, v & 255];
  } else if (size >= 29) {
    s = 29;
    extra = [size - 29];
  }
  if (type <= 7) head.push((type << 5) | s);
  else head.push(s, type - 7); // extended type
  return Buffer.from([...head, ...extra]);
}

function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === 'boolean') return ctrl(14, v ? 1 : 0);
  if (typeof v === 'number') {
    // uint32 (type 6) or uint64 (type 9): minimal big-endian bytes
    const bytes: number[] = [];
    let n = v;
    while (n > 0) {
      bytes.unshift(n % 256);
      n = Math.floor(n / 256);
    }
    return Buffer.concat([ctrl(v > 0xffffffff ? 9 : 6, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  const keys = Object.keys(v);
  return Buffer.concat([ctrl(7, keys.length), ...keys.flatMap((k) => [encode(k), encode(v[k])])]);
}

interface Node {
  kids: [Node | number | null, Node | number | null]; // Node, data offset, or empty
}

/** Writes an MMDB with the given networks (non-overlapping) and their records. */
export function buildMmdb(networks: { cidr: string; record: Value }[], databaseType = 'GeoLite2-Country'): Buffer {
  const root: Node = { kids: [null, null] };
  const data: Buffer[] = [];
  let dataLen = 0;
  for (const n of networks) {
    const c = parseCidr(n.cidr);
    if (c === null) throw new Error(`bad cidr ${n.cidr}`);
    const bits: number[] = [];
    if (c.version === 4) for (let i = 0; i < 96; i++) bits.push(0);
    for (let i = 0; i < c.bits; i++) bits.push((c.bytes[i >> 3] >> (7 - (i & 7))) & 1);
    const enc = encode(n.record);
    const off = dataLen;
    data.push(enc);
    dataLen += enc.length;
    let node = root;
    for (let i = 0; i < bits.length - 1; i++) {
      const b = bits[i];
      let next = node.kids[b];
      if (next === null) node.kids[b] = next = { kids: [null, null] };
      if (typeof next === 'number') throw new Error(`${n.cidr} is inside an earlier network`);
      node = next;
    }
    node.kids[bits[bits.length - 1]] = off;
  }
  // Number nodes breadth first; the root is node 0.
  const order: Node[] = [root];
  const index = new Map<Node, number>([[root, 0]]);
  for (let i = 0; i < order.length; i++) {
    for (const k of order[i].kids) {
      if (k !== null && typeof k === 'object') {
        index.set(k, order.length);
        order.push(k);
      }
    }
  }
  const nodeCount = order.length;
  const tree = Buffer.alloc(nodeCount * 6);
  const rec = (k: Node | number | null): number => (k === null ? nodeCount : typeof k === 'number' ? nodeCount + 16 + k : index.get(k)!);
  order.forEach((n, i) => {
    tree.writeUIntBE(rec(n.kids[0]), i * 6, 3);
    tree.writeUIntBE(rec(n.kids[1]), i * 6 + 3, 3);
  });
  const metadata = encode({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 6,
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    description: { en: 'Palisade test database' },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'), metadata]);
}
