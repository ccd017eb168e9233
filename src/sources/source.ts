// The contract between capture sources and the pipeline. A source either reads to the end
// (a capture file) or streams (live capture, added later); both fill the one reused PacketView
// with the capture-record fields, and the decoder fills the rest.

import type { ErrorCode } from '../errors.js';
import type { PacketView } from '../decode/packet-view.js';

/** Why a capture ended early: one clear line naming the packet number and byte offset. */
export interface CaptureProblem {
  code: ErrorCode;
  /** Full one-line message, e.g. "x.pcap: truncated at packet 3 (byte offset 240): ...". */
  message: string;
  /** 1-based number of the packet that could not be read. */
  packet: number;
  /** Byte offset in the file where the unreadable record starts. */
  offset: number;
}

export interface FrameSource {
  readonly path: string;
  readonly format: 'pcap' | 'pcapng';
  /** Total size in bytes when known (for progress), else 0. */
  readonly totalBytes: number;
  /** Bytes consumed so far. */
  readonly bytesRead: number;
  /**
   * Fills the capture-record fields of `view` (index, ts, buf, frameOff, caplen, wirelen, linktype,
   * iface) with the next frame. Returns false at the end of input, or when the input is damaged
   * (then `problem` says where and why; every frame before it was delivered).
   */
  next(view: PacketView): boolean;
  readonly problem: CaptureProblem | null;
  close(): void;
}
