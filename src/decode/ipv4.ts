// IPv4: version, header length (options are checked for sane lengths and skipped), total length
// (the smaller of stated and captured bounds everything after it, so Ethernet padding never
// becomes payload), addresses, and fragments (flagged; only the first fragment gets an L4 decode).

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import { decodeL4 } from './l4.js';
import type { PacketView } from './packet-view.js';

export const IPV4_HEADER_LEN = 20;
/** Largest IP datagram: a fragment reaching beyond it cannot be reassembled. */
export const IP_MAX_DATAGRAM = 65535;

const EV_TRUNC = decodeEventId('decoder.ipv4.trunc_pkt');
const EV_HLEN_TOO_SMALL = decodeEventId('decoder.ipv4.hlen_too_small');
const EV_IPLEN_SMALLER_THAN_HLEN = decodeEventId('decoder.ipv4.iplen_smaller_than_hlen');
const EV_WRONG_VERSION = decodeEventId('decoder.ipv4.wrong_ip_version');
const EV_OPT_INVALID = decodeEventId('decoder.ipv4.opt_invalid');
const EV_FRAG_GARBAGE = decodeEventId('decoder.ipv4.frag_garbage');

export function decodeIPv4(view: PacketView, off: number, end: number): number {
  if (end - off < IPV4_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  const vhl = b[off];
  if (vhl >> 4 !== 4) return decodeEvent(view, EV_WRONG_VERSION);
  const hlen = (vhl & 0x0f) << 2;
  if (hlen < IPV4_HEADER_LEN) return decodeEvent(view, EV_HLEN_TOO_SMALL);
  const totLen = (b[off + 2] << 8) | b[off + 3];
  // Total length 0 is what TSO/GSO captures show: the length is then the captured one.
  if (totLen !== 0 && totLen < hlen) return decodeEvent(view, EV_IPLEN_SMALLER_THAN_HLEN);
  if (end - off < hlen) return decodeEvent(view, EV_TRUNC);

  view.ipVersion = 4;
  view.ipOff = off;
  view.ipLen = totLen;
  view.ipId = (b[off + 4] << 8) | b[off + 5];
  view.ttl = b[off + 8];
  view.proto = b[off + 9];
  view.srcOff = off + 12;
  view.dstOff = off + 16;
  view.src4 = ((b[off + 12] << 24) | (b[off + 13] << 16) | (b[off + 14] << 8) | b[off + 15]) >>> 0;
  view.dst4 = ((b[off + 16] << 24) | (b[off + 17] << 16) | (b[off + 18] << 8) | b[off + 19]) >>> 0;

  if (totLen !== 0) {
    if (end - off >= totLen) end = off + totLen;
    // Fewer bytes than stated is normal under a snaplen; in a frame captured whole it is damage.
    else if (view.caplen >= view.wirelen) decodeEvent(view, EV_TRUNC);
  }
  if (hlen > IPV4_HEADER_LEN) checkOptions(view, off + IPV4_HEADER_LEN, off + hlen);

  const frag = (b[off + 6] << 8) | b[off + 7];
  if ((frag & 0x3fff) !== 0) {
    const fragOffset = (frag & 0x1fff) << 3;
    const more = (frag & 0x2000) !== 0;
    view.isFragment = true;
    view.fragOffset = fragOffset;
    view.moreFragments = more;
    const dataLen = (totLen !== 0 ? totLen : end - off) - hlen;
    if (isGarbageFragment(fragOffset, dataLen, more)) decodeEvent(view, EV_FRAG_GARBAGE);
    if (fragOffset !== 0) return off + hlen;
  }
  decodeL4(view, view.proto, off + hlen, end);
  return off + hlen;
}

/**
 * A fragment no reassembly can use: reaching past 65,535 bytes, carrying no data, or (when more
 * fragments follow) a length that is not a multiple of 8.
 */
export function isGarbageFragment(fragOffset: number, dataLen: number, more: boolean): boolean {
  return dataLen <= 0 || fragOffset + dataLen > IP_MAX_DATAGRAM || (more && (dataLen & 7) !== 0);
}

/** Walks the options in [o, optEnd): EOL ends them, NOP is one byte, others carry a length >= 2. */
function checkOptions(view: PacketView, o: number, optEnd: number): void {
  const b = view.buf;
  while (o < optEnd) {
    const type = b[o];
    if (type === 0) return;
    if (type === 1) {
      o++;
      continue;
    }
    if (optEnd - o < 2 || b[o + 1] < 2 || b[o + 1] > optEnd - o) {
      decodeEvent(view, EV_OPT_INVALID);
      return;
    }
    o += b[o + 1];
  }
}
