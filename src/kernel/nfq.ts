// Typed wrapper over the addon's NFQUEUE part (native/src/nfq.c): bind a queue, receive packets in
// batches on the event loop, hand back verdicts. Binding failures become one line naming the queue
// and the likely cause (not root, queue taken, no NFQUEUE in the kernel).

import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { requireNative } from './native.js';

/** Layout of one record in a batch (native/README.md, "nfq.c"). */
export const NFQ_REC = {
  id: 0,
  hwProtocol: 4,
  hook: 6,
  ts: 8,
  caplen: 16,
  wirelen: 20,
  /** The packet bytes (from the IP header) start here; the next record at roundup8(24 + caplen). */
  data: 24,
} as const;

/** The kernel's table of bound queues, per network namespace. */
export const NFQ_PROC = '/proc/net/netfilter/nfnetlink_queue';

export const NFQ_ACCEPT = 0;
export const NFQ_DROP = 1;

export interface NfqOptions {
  /** Bytes of each packet copied to userspace (64..65531). */
  copyRange?: number;
  /** Packets the kernel holds for this queue before the fail-open/closed rule applies. */
  maxLen?: number;
  /** Accept (true) or drop (false) packets when the queue is full or the socket overflows. */
  failOpen?: boolean;
  /** Take GSO super-packets unsegmented (cheaper; only the first copyRange bytes are seen). */
  gso?: boolean;
  /** Records per onBatch call. */
  maxBatch?: number;
  /** Socket receive buffer in bytes (SO_RCVBUFFORCE). */
  rcvbuf?: number;
}

export interface NfqStats {
  queue: number;
  packets: number;
  batches: number;
  accepted: number;
  dropped: number;
  /** Packets the kernel could not hand over (socket full: gaps in the id sequence). */
  lost: number;
  /** ENOBUFS reports on the socket (each covers one or more lost packets). */
  enobufs: number;
  truncated: number;
  /** Packets that arrived while the queue was being configured (given the failure verdict). */
  setupPackets: number;
  verdictErrors: number;
  lastVerdictErrno: number;
  recvErrors: number;
  lastRecvErrno: number;
}

/** Fills verdicts[i] (NFQ_ACCEPT / NFQ_DROP, preset to accept) for the `count` records of `batch`. */
export type NfqBatchHandler = (batch: Buffer, count: number, verdicts: Uint8Array) => void;

interface NfqNative {
  nfqOpen(queue: number, options: NfqOptions, onBatch: NfqBatchHandler): number;
  nfqClose(handle: number): void;
  nfqStats(handle: number): NfqStats;
}

/** Why binding queue `queue` failed, in one line a user can act on. */
export function describeBindError(queue: number, err: unknown, procPath = NFQ_PROC): string {
  const e = err as { code?: string; errno?: number; message?: string };
  const errno = e.errno ?? 0;
  const E = osConstants.errno;
  const what = `NFQUEUE queue ${queue}`;
  // The kernel answers EPERM both to a caller without CAP_NET_ADMIN and when another socket holds
  // the queue: its own table of bound queues tells the two apart.
  const taken = errno === E.EPERM || errno === E.EBUSY ? kernelQueueStats(queue, procPath) : null;
  if (taken) return `${what} is already taken by another program (netlink port ${taken.portid}; one reader per queue: pick another --queue or stop that one)`;
  if (errno === E.EPERM || errno === E.EACCES) return `${what}: binding needs root (CAP_NET_ADMIN)`;
  if (errno === E.EINVAL || errno === E.EPROTONOSUPPORT || errno === E.EAFNOSUPPORT || errno === E.ENOENT || errno === E.EOPNOTSUPP) {
    return `${what}: this kernel has no NFQUEUE support (load the nfnetlink_queue module: modprobe nfnetlink_queue) [${e.message ?? 'unknown error'}]`;
  }
  return `${what}: ${e.message ?? String(err)}`;
}

/** One bound queue. */
export class NfQueue {
  private closed = false;

  private constructor(
    readonly queue: number,
    private readonly native: NfqNative,
    private readonly handle: number,
  ) {}

  /**
   * Binds `queue` and starts delivering batches on the event loop. Throws an Error whose message is
   * describeBindError()'s line (and `.code` the errno name) when the queue cannot be bound, or the
   * reason the addon is unavailable.
   */
  static open(queue: number, options: NfqOptions, onBatch: NfqBatchHandler): NfQueue {
    let native: NfqNative;
    try {
      native = requireNative<NfqNative>();
    } catch (err) {
      throw new Error(`NFQUEUE queue ${queue}: ${(err as Error).message}`);
    }
    let handle: number;
    try {
      handle = native.nfqOpen(queue, options, onBatch);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError) throw err;
      const out = new Error(describeBindError(queue, err)) as Error & { code?: string; errno?: number };
      out.code = (err as { code?: string }).code;
      out.errno = (err as { errno?: number }).errno;
      throw out;
    }
    return new NfQueue(queue, native, handle);
  }

  stats(): NfqStats | null {
    return this.closed ? null : this.native.nfqStats(this.handle);
  }

  /** Stops delivery; packets still queued are accepted when fail-open (dropped when fail-closed). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.nfqClose(this.handle);
  }
}

/** The kernel's own view of a queue (/proc/net/netfilter/nfnetlink_queue, this namespace). */
export interface NfqKernelStats {
  queue: number;
  /** Netlink port id of the bound reader. */
  portid: number;
  /** Packets waiting for a verdict now. */
  waiting: number;
  copyMode: number;
  copyRange: number;
  /** Dropped because the queue was full (fail-closed only: fail-open accepts them uncounted). */
  queueDropped: number;
  /** Dropped because the reader's socket was full (fail-closed only). */
  userDropped: number;
  /** Last packet id handed out. */
  idSequence: number;
}

export function kernelQueueStats(queue: number, path = NFQ_PROC): NfqKernelStats | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/).map(Number);
    if (f.length >= 8 && f[0] === queue) {
      return { queue, portid: f[1], waiting: f[2], copyMode: f[3], copyRange: f[4], queueDropped: f[5], userDropped: f[6], idSequence: f[7] };
    }
  }
  return null;
}
