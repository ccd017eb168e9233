// BSD loopback (LINKTYPE_NULL 0, and LINKTYPE_LOOP 108): a 4-byte address family in the byte order
// of the machine that wrote it (network order for LOOP), so both orders are accepted. AF_INET is 2
// everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD) or 30 (macOS). As Wireshark does, a
// family in the upper half (IRIX) is shifted down, and a value above 1500 is taken as an ethertype.

import { decodeEventId } from './decode-events.js';
import { decodeEthertype } from './ethertype.js';
import { decodeEvent } from './event.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { PacketView } from './packet-view.js';

export const NULL_HEADER_LEN = 4;

const EV_TRUNC = decodeEventId('decoder.null.trunc_pkt');
const EV_UNSUPPORTED_AF = decodeEventId('decoder.null.unsupported_af');

export function decodeNull(view: PacketView, off: number, end: number): number {
  if (end - off < NULL_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  let v = (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
  if (v > 0xffff) {
    // A small number in the upper half is the IRIX layout; anything else was written big-endian.
    if (v >>> 24 === 0 && (v >>> 16) < 0x06) v >>>= 16;
    else v = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  } else if ((v & 0xff) === 0 && v >>> 8 < 0x06) {
    // IRIX layout written in the other byte order.
    v = v >>> 8;
  }
  const next = off + NULL_HEADER_LEN;
  if (v > 1500) {
    decodeEthertype(view, v & 0xffff, next, end);
    return next;
  }
  switch (v) {
    case 2:
      decodeIPv4(view, next, end);
      break;
    case 24:
    case 28:
    case 30:
      decodeIPv6(view, next, end);
      break;
    default:
      decodeEvent(view, EV_UNSUPPORTED_AF);
  }
  return next;
}
