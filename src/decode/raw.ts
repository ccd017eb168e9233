// Raw IP (LINKTYPE_RAW 101, and DLT_RAW's values 12 and 14 where a file uses them): no link
// header, the version nibble says IPv4 or IPv6. LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) go
// straight to their decoder, which checks the version.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { PacketView } from './packet-view.js';

const EV_TRUNC = decodeEventId('decoder.link.trunc_pkt');
const EV_INVALID_VERSION = decodeEventId('decoder.ipraw.invalid_ip_version');

export function decodeRaw(view: PacketView, off: number, end: number): number {
  if (end - off < 1) return decodeEvent(view, EV_TRUNC);
  const version = view.buf[off] >> 4;
  if (version === 4) decodeIPv4(view, off, end);
  else if (version === 6) decodeIPv6(view, off, end);
  else return decodeEvent(view, EV_INVALID_VERSION);
  return off;
}
