// The contract between sources and the pipeline. A capture source either reads to the end
// (a capture file) or streams (live capture, added later); both fill the one reused PacketView
// with the capture-record fields, and the decoder fills the rest. Log sources hand on lines: a log
// file read to its end (log-file/log-file-reader.ts) or a LineSource that streams.

import type { ErrorCode } from '../errors.js';
import type { PacketView } from '../decode/packet-view.js';
import type { LineOrigin } from '../decode/log/log-event.js';

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

// ---------------------------------------------------------------- streaming log sources

/** Receives each complete line (without its newline) of a followed log, with where it came from. */
export type LineHandler = (text: string, origin: LineOrigin) => void;

/** Saved read positions (the daemon backs this by its SQLite store); values are plain JSON data. */
export interface PositionStore {
  get(key: string): unknown | null;
  set(key: string, value: unknown): void;
}

/** What `palisade status` shows for a log source. */
export interface LineSourceStatus {
  /** The followed file, or "journald". */
  source: string;
  /**
   * "following", "waiting for file", "unreadable: ...", "restarting in N s: ...",
   * "unavailable: journalctl not found", "stopped".
   */
  state: string;
  /** File offset after the last line delivered (files); null for the journal. */
  offset: number | null;
  /** Journal cursor after the last entry delivered (journald); null for files. */
  cursor: string | null;
  /** Lines delivered since start(). */
  lines: number;
}

/**
 * A log source that streams: a followed file (log-file/file-follower.ts) or the journal
 * (journald/journald-follower.ts). Lines go to the handler given at construction.
 */
export interface LineSource {
  start(): void;
  /** Stops reading and saves the position. */
  stop(): Promise<void>;
  status(): LineSourceStatus;
}
