// ICMPv6: type and code; identifier and sequence for echo request/reply; payload after the 8-byte
// header. Neighbour discovery options and quoted packets in error messages stay payload.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const ICMPV6_HEADER_LEN = 8;

const EV_TRUNC = decodeEventId('decoder.icmpv6.trunc_pkt');
const EV_UNKNOWN_TYPE = decodeEventId('decoder.icmpv6.unknown_type');

export function decodeICMPv6(view: PacketView, off: number, end: number): number {
  if (end - off < ICMPV6_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  const type = b[off];
  view.l4Off = off;
  view.icmpType = type;
  view.icmpCode = b[off + 1];
  view.payloadOff = off + ICMPV6_HEADER_LEN;
  view.payloadLen = end - off - ICMPV6_HEADER_LEN;
  if (type === 128 || type === 129) {
    view.icmpId = (b[off + 4] << 8) | b[off + 5];
    view.icmpSeq = (b[off + 6] << 8) | b[off + 7];
  } else if (!((type >= 1 && type <= 4) || (type >= 130 && type <= 161) || type === 100 || type === 101 || type === 200 || type === 201)) {
    // Known: errors 1-4, informational 128-161 (IANA registry), private experimentation 100/101/200/201.
    decodeEvent(view, EV_UNKNOWN_TYPE);
  }
  return off + ICMPV6_HEADER_LEN;
}
