// Classic pcap writer (little-endian, microsecond timestamps, LINKTYPE_ETHERNET). Frames are built
// in place in one large reused buffer, which is flushed with fs.writeSync when nearly full: no
// allocation and no system call per packet.
//
//   const off = w.begin();                    // where the frame's bytes go (w.buf)
//   const len = buildFrame(w.buf, off, spec);
//   w.commit(timestampMicros, len);

import { closeSync, openSync, writeSync } from 'node:fs';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const LINKTYPE_ETHERNET = 1;
export const PCAP_GLOBAL_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
export const SNAPLEN = 65535;

const DEFAULT_BUFFER = 8 * 1024 * 1024;

export class PcapWriter {
  readonly path: string;
  readonly buf: Buffer;
  /** Packets committed so far. */
  packets = 0;
  /** Bytes of the file so far (global header + records), flushed or not. */
  bytes = 0;
  private fd: number;
  private used = 0;
  private lastTs = -Infinity;

  constructor(path: string, bufferSize = DEFAULT_BUFFER) {
    if (bufferSize < 2 * (SNAPLEN + PCAP_RECORD_HEADER_LEN)) throw new Error('PcapWriter: buffer too small');
    this.path = path;
    this.buf = Buffer.alloc(bufferSize);
    this.fd = openSync(path, 'w');
    const b = this.buf;
    b.writeUInt32LE(PCAP_MAGIC_US, 0);
    b.writeUInt16LE(2, 4);
    b.writeUInt16LE(4, 6);
    b.writeInt32LE(0, 8); // thiszone
    b.writeUInt32LE(0, 12); // sigfigs
    b.writeUInt32LE(SNAPLEN, 16);
    b.writeUInt32LE(LINKTYPE_ETHERNET, 20);
    this.used = PCAP_GLOBAL_HEADER_LEN;
    this.bytes = PCAP_GLOBAL_HEADER_LEN;
  }

  /** Offset in `buf` where the next frame's bytes go; at least SNAPLEN bytes are free there. */
  begin(): number {
    if (this.used + PCAP_RECORD_HEADER_LEN + SNAPLEN > this.buf.length) this.flush();
    return this.used + PCAP_RECORD_HEADER_LEN;
  }

  /**
   * Records the frame written at the offset begin() returned. `tsMicros` is microseconds since the
   * Unix epoch (an integer); timestamps must not go backwards.
   */
  commit(tsMicros: number, len: number): void {
    if (len <= 0 || len > SNAPLEN) throw new Error(`PcapWriter: bad frame length ${len}`);
    if (tsMicros < this.lastTs) throw new Error(`PcapWriter: timestamp went backwards at packet ${this.packets + 1}`);
    this.lastTs = tsMicros;
    const sec = Math.floor(tsMicros / 1e6);
    const usec = tsMicros - sec * 1e6;
    const b = this.buf;
    const h = this.used;
    b.writeUInt32LE(sec, h);
    b.writeUInt32LE(usec, h + 4);
    b.writeUInt32LE(len, h + 8);
    b.writeUInt32LE(len, h + 12);
    this.used = h + PCAP_RECORD_HEADER_LEN + len;
    this.bytes += PCAP_RECORD_HEADER_LEN + len;
    this.packets++;
  }

  flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buf, done, this.used - done);
    this.used = 0;
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }
}
