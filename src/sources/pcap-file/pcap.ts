// Classic pcap: a 24-byte file header, then records of a 16-byte header (24 in the modified
// "Kuznetzov" format) and the frame. Both byte orders, microsecond and nanosecond timestamps.

import type { PacketView } from '../../decode/packet-view.js';
import type { FrameSource } from '../source.js';
import { CaptureFile } from './capture-file.js';

/** Magic numbers as the first four bytes read big-endian. */
export const PCAP_MAGIC_USEC_BE = 0xa1b2c3d4;
export const PCAP_MAGIC_USEC_LE = 0xd4c3b2a1;
export const PCAP_MAGIC_NSEC_BE = 0xa1b23c4d;
export const PCAP_MAGIC_NSEC_LE = 0x4d3cb2a1;
export const PCAP_MAGIC_KUZNETZOV_BE = 0xa1b2cd34;
export const PCAP_MAGIC_KUZNETZOV_LE = 0x34cdb2a1;

export const PCAP_FILE_HEADER_BYTES = 24;

/** libpcap's limit for a record's captured length (larger when the file's snaplen says so). */
export const PCAP_MAX_CAPLEN = 262144;
/** Never trust a record longer than this, whatever the snaplen claims. */
const PCAP_HARD_MAX_CAPLEN = 64 * 1024 * 1024;

export function isPcapMagic(magic: number): boolean {
  return (
    magic === PCAP_MAGIC_USEC_BE ||
    magic === PCAP_MAGIC_USEC_LE ||
    magic === PCAP_MAGIC_NSEC_BE ||
    magic === PCAP_MAGIC_NSEC_LE ||
    magic === PCAP_MAGIC_KUZNETZOV_BE ||
    magic === PCAP_MAGIC_KUZNETZOV_LE
  );
}

export class PcapSource extends CaptureFile implements FrameSource {
  readonly format = 'pcap' as const;
  readonly littleEndian: boolean;
  readonly nanosecond: boolean;
  readonly linktype: number;
  readonly snaplen: number;
  readonly versionMajor: number;
  readonly versionMinor: number;
  private readonly recordHeader: number;
  private readonly fracPerSecond: number;
  private readonly maxCaplen: number;
  /** Files written as version 2.3 or older may have caplen and len swapped (as libpcap fixes them). */
  private readonly mayBeSwapped: boolean;

  /** `head` holds at least the 24-byte file header. */
  constructor(path: string, fd: number, regular: boolean, size: number, head: Buffer, headLen: number) {
    super(path, fd, regular, size, head, headLen);
    const magic = head.readUInt32BE(0);
    this.littleEndian = magic === PCAP_MAGIC_USEC_LE || magic === PCAP_MAGIC_NSEC_LE || magic === PCAP_MAGIC_KUZNETZOV_LE;
    this.nanosecond = magic === PCAP_MAGIC_NSEC_BE || magic === PCAP_MAGIC_NSEC_LE;
    this.recordHeader = magic === PCAP_MAGIC_KUZNETZOV_BE || magic === PCAP_MAGIC_KUZNETZOV_LE ? 24 : 16;
    this.fracPerSecond = this.nanosecond ? 1e9 : 1e6;
    const le = this.littleEndian;
    this.versionMajor = le ? head.readUInt16LE(4) : head.readUInt16BE(4);
    this.versionMinor = le ? head.readUInt16LE(6) : head.readUInt16BE(6);
    this.snaplen = le ? head.readUInt32LE(16) : head.readUInt32BE(16);
    // The upper bits hold FCS length and flags (LT_LINKTYPE in libpcap).
    this.linktype = (le ? head.readUInt32LE(20) : head.readUInt32BE(20)) & 0x03ffffff;
    this.maxCaplen = Math.min(PCAP_HARD_MAX_CAPLEN, Math.max(PCAP_MAX_CAPLEN, this.snaplen));
    this.mayBeSwapped = this.versionMajor === 2 && this.versionMinor <= 3;
    this.pos = PCAP_FILE_HEADER_BYTES;
    this.bytesRead = PCAP_FILE_HEADER_BYTES;
  }

  next(view: PacketView): boolean {
    const rh = this.recordHeader;
    let p = this.pos;
    if (this.end - p < rh) {
      if (this.done) return false;
      if (!this.fill(rh)) {
        return this.end - this.pos === 0 ? this.endOfInput() : this.truncated('record header', rh);
      }
      p = this.pos;
    }
    let b = this.buf;
    let sec: number;
    let frac: number;
    let caplen: number;
    let wirelen: number;
    if (this.littleEndian) {
      sec = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
      frac = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
      caplen = (b[p + 8] | (b[p + 9] << 8) | (b[p + 10] << 16) | (b[p + 11] << 24)) >>> 0;
      wirelen = (b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | (b[p + 15] << 24)) >>> 0;
    } else {
      sec = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      frac = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      caplen = ((b[p + 8] << 24) | (b[p + 9] << 16) | (b[p + 10] << 8) | b[p + 11]) >>> 0;
      wirelen = ((b[p + 12] << 24) | (b[p + 13] << 16) | (b[p + 14] << 8) | b[p + 15]) >>> 0;
    }
    if (caplen > wirelen && this.mayBeSwapped) {
      const t = caplen;
      caplen = wirelen;
      wirelen = t;
    }
    if (caplen > this.maxCaplen) {
      return this.corrupt(`captured length ${caplen} exceeds the limit of ${this.maxCaplen} bytes (snaplen ${this.snaplen})`);
    }
    const need = rh + caplen;
    if (this.end - p < need) {
      if (!this.fill(need)) return this.truncated('packet record', need);
      p = this.pos;
      b = this.buf;
    }
    view.index = ++this.count;
    view.ts = sec + frac / this.fracPerSecond;
    view.buf = b;
    view.frameOff = p + rh;
    view.caplen = caplen;
    view.wirelen = wirelen;
    view.linktype = this.linktype;
    view.iface = 0;
    this.pos = p + need;
    this.bytesRead = this.base + this.pos;
    return true;
  }
}
