// pcapng: a sequence of blocks (type, total length, body, total length again). Each Section Header
// Block sets the byte order for its section (byte-order magic 0x1A2B3C4D) and starts a new list of
// interfaces; Interface Description Blocks give each interface its link type, snaplen, timestamp
// resolution (if_tsresol) and offset (if_tsoffset); packets come in Enhanced, Simple or obsolete
// Packet Blocks. Every other block type is skipped by its length, wherever it appears.

import type { PacketView } from '../../decode/packet-view.js';
import type { FrameSource } from '../source.js';
import { CaptureFile } from './capture-file.js';

export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_IDB = 0x00000001;
export const PCAPNG_PB = 0x00000002;
export const PCAPNG_SPB = 0x00000003;
export const PCAPNG_EPB = 0x00000006;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

/** Smallest possible block: type, length, trailing length. */
const MIN_BLOCK = 12;
const SHB_MIN = 28;
const IDB_MIN = 20;
const EPB_MIN = 32;
const PB_MIN = 32;
const SPB_MIN = 16;
/** A larger block length is damage, not data. */
export const PCAPNG_MAX_BLOCK = 64 * 1024 * 1024;
/** Cap on interfaces per section (an attacker-made file must not grow state without bound). */
const MAX_INTERFACES = 1 << 16;

function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

/** Seconds since the epoch from a 64-bit timestamp in units of 1/perSecond, plus an offset. */
function timestamp(hi: number, lo: number, perSecond: number, offset: number): number {
  if (hi < 0x100000) {
    // Exact in a double: split into whole seconds and fraction as the pcap reader does.
    const t = hi * 4294967296 + lo;
    const sec = Math.floor(t / perSecond);
    return sec + (t - sec * perSecond) / perSecond + offset;
  }
  return hi * (4294967296 / perSecond) + lo / perSecond + offset;
}

export class PcapngSource extends CaptureFile implements FrameSource {
  readonly format = 'pcapng' as const;
  /** Byte order of the current section. */
  private le: boolean;
  /** Sections seen so far. */
  sections = 0;
  /** Timestamp of the last packet, reused for Simple Packet Blocks (which carry none). */
  private lastTs = 0;
  // Interfaces of the current section, by index.
  private ifLinktype: number[] = [];
  private ifSnaplen: number[] = [];
  private ifPerSecond: number[] = [];
  private ifOffset: number[] = [];

  /** `head` holds at least the first 12 bytes (block type, length, byte-order magic). */
  constructor(path: string, fd: number, regular: boolean, size: number, head: Buffer, headLen: number) {
    super(path, fd, regular, size, head, headLen);
    this.le = head.readUInt32LE(8) === PCAPNG_BYTE_ORDER_MAGIC;
  }

  /** Number of interfaces described in the current section. */
  get interfaces(): number {
    return this.ifLinktype.length;
  }

  next(view: PacketView): boolean {
    for (;;) {
      let p = this.pos;
      if (this.end - p < MIN_BLOCK) {
        if (this.done) return false;
        if (!this.fill(MIN_BLOCK)) {
          return this.end - this.pos === 0 ? this.endOfInput() : this.truncated('block header', MIN_BLOCK);
        }
        p = this.pos;
      }
      let b = this.buf;
      const type = u32(b, p, this.le);
      if (type === PCAPNG_SHB) {
        if (!this.sectionHeader()) return false;
        continue;
      }
      const le = this.le;
      const len = u32(b, p + 4, le);
      if (len < MIN_BLOCK || (len & 3) !== 0 || len > PCAPNG_MAX_BLOCK) {
        return this.corrupt(`block type 0x${type.toString(16)} has an impossible total length ${len}`);
      }
      if (this.end - p < len) {
        if (!this.fill(len)) return this.truncated(`block type 0x${type.toString(16)}`, len);
        p = this.pos;
        b = this.buf;
      }
      if (u32(b, p + len - 4, le) !== len) {
        return this.corrupt(`block type 0x${type.toString(16)}: trailing length ${u32(b, p + len - 4, le)} differs from ${len}`);
      }
      if (type === PCAPNG_EPB) {
        if (len < EPB_MIN) return this.corrupt(`enhanced packet block too short (${len} bytes)`);
        const iface = u32(b, p + 8, le);
        if (iface >= this.ifLinktype.length) return this.noInterface(iface);
        const caplen = u32(b, p + 20, le);
        if (caplen > len - EPB_MIN) return this.corrupt(`captured length ${caplen} exceeds its block (${len} bytes)`);
        view.index = ++this.count;
        view.ts = this.lastTs = timestamp(u32(b, p + 12, le), u32(b, p + 16, le), this.ifPerSecond[iface], this.ifOffset[iface]);
        view.buf = b;
        view.frameOff = p + 28;
        view.caplen = caplen;
        view.wirelen = u32(b, p + 24, le);
        view.linktype = this.ifLinktype[iface];
        view.iface = iface;
        this.pos = p + len;
        this.bytesRead = this.base + this.pos;
        return true;
      }
      if (type === PCAPNG_SPB) {
        if (len < SPB_MIN) return this.corrupt(`simple packet block too short (${len} bytes)`);
        if (this.ifLinktype.length === 0) return this.noInterface(0);
        const wirelen = u32(b, p + 8, le);
        let caplen = len - SPB_MIN < wirelen ? len - SPB_MIN : wirelen;
        const snap = this.ifSnaplen[0];
        if (snap !== 0 && caplen > snap) caplen = snap;
        view.index = ++this.count;
        view.ts = this.lastTs; // a Simple Packet Block has no timestamp: keep event time monotonic
        view.buf = b;
        view.frameOff = p + 12;
        view.caplen = caplen;
        view.wirelen = wirelen;
        view.linktype = this.ifLinktype[0];
        view.iface = 0;
        this.pos = p + len;
        this.bytesRead = this.base + this.pos;
        return true;
      }
      if (type === PCAPNG_PB) {
        if (len < PB_MIN) return this.corrupt(`packet block too short (${len} bytes)`);
        const iface = u16(b, p + 8, le);
        if (iface >= this.ifLinktype.length) return this.noInterface(iface);
        const caplen = u32(b, p + 20, le);
        if (caplen > len - PB_MIN) return this.corrupt(`captured length ${caplen} exceeds its block (${len} bytes)`);
        view.index = ++this.count;
        view.ts = this.lastTs = timestamp(u32(b, p + 12, le), u32(b, p + 16, le), this.ifPerSecond[iface], this.ifOffset[iface]);
        view.buf = b;
        view.frameOff = p + 28;
        view.caplen = caplen;
        view.wirelen = u32(b, p + 24, le);
        view.linktype = this.ifLinktype[iface];
        view.iface = iface;
        this.pos = p + len;
        this.bytesRead = this.base + this.pos;
        return true;
      }
      if (type === PCAPNG_IDB && !this.interfaceDescription(p, len)) return false;
      // Any other block (statistics, name resolution, secrets, custom, ...) is skipped.
      this.pos = p + len;
      this.bytesRead = this.base + this.pos;
    }
  }

  /** Section Header Block at `pos`: sets the byte order and starts a new interface list. */
  private sectionHeader(): boolean {
    let p = this.pos;
    let b = this.buf;
    const bom = u32(b, p + 8, true);
    let le: boolean;
    if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
    else if (bom === 0x4d3c2b1a) le = false;
    else return this.corrupt(`section header block has a bad byte-order magic 0x${u32(b, p + 8, false).toString(16).padStart(8, '0')}`);
    const len = u32(b, p + 4, le);
    if (len < SHB_MIN || (len & 3) !== 0 || len > PCAPNG_MAX_BLOCK) {
      return this.corrupt(`section header block has an impossible total length ${len}`);
    }
    if (this.end - p < len) {
      if (!this.fill(len)) return this.truncated('section header block', len);
      p = this.pos;
      b = this.buf;
    }
    if (u32(b, p + len - 4, le) !== len) {
      return this.corrupt(`section header block: trailing length ${u32(b, p + len - 4, le)} differs from ${len}`);
    }
    const major = u16(b, p + 12, le);
    if (major !== 1) return this.corrupt(`section header block has unsupported version ${major}.${u16(b, p + 14, le)}`);
    this.le = le;
    this.sections++;
    this.ifLinktype.length = 0;
    this.ifSnaplen.length = 0;
    this.ifPerSecond.length = 0;
    this.ifOffset.length = 0;
    this.pos = p + len;
    this.bytesRead = this.base + this.pos;
    return true;
  }

  /** Interface Description Block of `len` bytes at `p` (already in the buffer). */
  private interfaceDescription(p: number, len: number): boolean {
    if (len < IDB_MIN) return this.corrupt(`interface description block too short (${len} bytes)`);
    if (this.ifLinktype.length >= MAX_INTERFACES) return this.corrupt(`more than ${MAX_INTERFACES} interfaces in one section`);
    const b = this.buf;
    const le = this.le;
    let perSecond = 1e6;
    let offset = 0;
    // Options: code, length, value padded to 4 bytes; a malformed option ends the list.
    const optEnd = p + len - 4;
    let o = p + 16;
    while (optEnd - o >= 4) {
      const code = u16(b, o, le);
      const olen = u16(b, o + 2, le);
      if (code === OPT_ENDOFOPT || optEnd - o - 4 < olen) break;
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = b[o + 4];
        perSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        // Signed 64-bit seconds.
        const hi = u32(b, le ? o + 8 : o + 4, le) | 0;
        const lo = u32(b, le ? o + 4 : o + 8, le);
        offset = hi * 4294967296 + lo;
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.ifLinktype.push(u16(b, p + 8, le));
    this.ifSnaplen.push(u32(b, p + 12, le));
    this.ifPerSecond.push(perSecond);
    this.ifOffset.push(offset);
    return true;
  }

  private noInterface(iface: number): false {
    return this.corrupt(`packet refers to interface ${iface}, but the section describes ${this.ifLinktype.length}`);
  }
}
