// ICMPv4: type and code; identifier and sequence for echo (and the other query types that carry
// them: timestamp, information, address mask); payload after the 8-byte header. Quoted headers
// inside error messages are left undecoded (they are payload).

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const ICMP_HEADER_LEN = 8;

const EV_TRUNC = decodeEventId('decoder.icmpv4.trunc_pkt');
const EV_UNKNOWN_TYPE = decodeEventId('decoder.icmpv4.unknown_type');

export function decodeICMPv4(view: PacketView, off: number, end: number): number {
  if (end - off < ICMP_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  const type = b[off];
  view.l4Off = off;
  view.icmpType = type;
  view.icmpCode = b[off + 1];
  view.payloadOff = off + ICMP_HEADER_LEN;
  view.payloadLen = end - off - ICMP_HEADER_LEN;
  switch (type) {
    case 0: // echo reply
    case 8: // echo request
    case 13: // timestamp
    case 14: // timestamp reply
    case 15: // information request
    case 16: // information reply
    case 17: // address mask request
    case 18: // address mask reply
      view.icmpId = (b[off + 4] << 8) | b[off + 5];
      view.icmpSeq = (b[off + 6] << 8) | b[off + 7];
      break;
    case 3: // destination unreachable
    case 4: // source quench
    case 5: // redirect
    case 9: // router advertisement
    case 10: // router solicitation
    case 11: // time exceeded
    case 12: // parameter problem
    case 42: // extended echo request (RFC 8335)
    case 43: // extended echo reply
      break;
    default:
      decodeEvent(view, EV_UNKNOWN_TYPE);
  }
  return off + ICMP_HEADER_LEN;
}
