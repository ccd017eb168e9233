// IPv6: the fixed 40-byte header, then the extension headers walked up to a cap (hop-by-hop,
// routing, fragment, destination options, mobility, HIP, shim6, AH); ESP and "no next header" end
// the walk. The payload length bounds what follows (0 means a jumbogram: the captured length).
// A fragment header flags the packet; only the first fragment gets an L4 decode.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import { isGarbageFragment } from './ipv4.js';
import { decodeL4 } from './l4.js';
import type { PacketView } from './packet-view.js';

export const IPV6_HEADER_LEN = 40;
/** Most extension headers walked; RFC 8200's recommended order has at most 7. */
export const IPV6_MAX_EXT_HEADERS = 8;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

const EV_TRUNC = decodeEventId('decoder.ipv6.trunc_pkt');
const EV_WRONG_VERSION = decodeEventId('decoder.ipv6.wrong_ip_version');
const EV_EXTHDR_TRUNC = decodeEventId('decoder.ipv6.exthdr_trunc');
const EV_EXTHDR_TOO_MANY = decodeEventId('decoder.ipv6.exthdr_too_many');
const EV_FRAG_GARBAGE = decodeEventId('decoder.ipv6.frag_garbage');
const EV_EXTHDR_INVALID_OPTLEN = decodeEventId('decoder.ipv6.exthdr_invalid_optlen');

export function decodeIPv6(view: PacketView, off: number, end: number): number {
  if (end - off < IPV6_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  if (b[off] >> 4 !== 6) return decodeEvent(view, EV_WRONG_VERSION);
  const plen = (b[off + 4] << 8) | b[off + 5];

  view.ipVersion = 6;
  view.ipOff = off;
  view.ipLen = IPV6_HEADER_LEN + plen;
  view.ttl = b[off + 7];
  view.srcOff = off + 8;
  view.dstOff = off + 24;

  // Where the packet ends by its own account (fragment sizes are judged by it, not by the snaplen).
  const statedEnd = plen !== 0 ? off + IPV6_HEADER_LEN + plen : end;
  if (plen !== 0) {
    if (end >= statedEnd) end = statedEnd;
    // Fewer bytes than stated is normal under a snaplen; in a frame captured whole it is damage.
    else if (view.caplen >= view.wirelen) decodeEvent(view, EV_TRUNC);
  }

  let nh = b[off + 6];
  let p = off + IPV6_HEADER_LEN;
  let walked = 0;
  for (;;) {
    let len: number;
    if (nh === IPPROTO_FRAGMENT) {
      len = 8;
    } else if (
      nh === IPPROTO_HOPOPTS ||
      nh === IPPROTO_ROUTING ||
      nh === IPPROTO_DSTOPTS ||
      nh === IPPROTO_MOBILITY ||
      nh === IPPROTO_HIP ||
      nh === IPPROTO_SHIM6
    ) {
      if (end - p < 2) break;
      len = (b[p + 1] + 1) << 3;
    } else if (nh === IPPROTO_AH) {
      if (end - p < 2) break;
      len = (b[p + 1] + 2) << 2;
    } else {
      // ESP, no next header, an upper layer or an unknown header: the walk ends here.
      view.proto = nh;
      if (nh !== IPPROTO_ESP && nh !== IPPROTO_NONE) decodeL4(view, nh, p, end);
      return p;
    }
    if (end - p < len) break;
    if (++walked > IPV6_MAX_EXT_HEADERS) {
      view.proto = nh;
      decodeEvent(view, EV_EXTHDR_TOO_MANY);
      return -1;
    }
    if (nh === IPPROTO_HOPOPTS || nh === IPPROTO_DSTOPTS) {
      checkOptions(view, p + 2, p + len);
    } else if (nh === IPPROTO_FRAGMENT) {
      const fo = (b[p + 2] << 8) | b[p + 3];
      const fragOffset = fo & 0xfff8;
      const more = (fo & 1) !== 0;
      // An atomic fragment (offset 0, no more) is a whole packet (RFC 6946).
      if (fragOffset !== 0 || more) {
        view.isFragment = true;
        view.fragOffset = fragOffset;
        view.moreFragments = more;
        view.ipId = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
        if (isGarbageFragment(fragOffset, statedEnd - p - 8, more)) decodeEvent(view, EV_FRAG_GARBAGE);
        if (fragOffset !== 0) {
          // A later fragment: what follows is data, not a header.
          view.proto = b[p];
          return p + 8;
        }
      }
    }
    nh = b[p];
    p += len;
  }
  // The extension header at p does not fit in the packet.
  view.proto = nh;
  decodeEvent(view, EV_EXTHDR_TRUNC);
  return -1;
}

/**
 * Walks the TLV options of a hop-by-hop or destination options header in [o, optEnd): Pad1 is one
 * byte, every other option carries a length that must stay inside the header. The walk by header
 * length goes on either way; a bad option is only flagged.
 */
function checkOptions(view: PacketView, o: number, optEnd: number): void {
  const b = view.buf;
  while (o < optEnd) {
    if (b[o] === 0) {
      o++;
      continue;
    }
    if (optEnd - o < 2 || b[o + 1] > optEnd - o - 2) {
      decodeEvent(view, EV_EXTHDR_INVALID_OPTLEN);
      return;
    }
    o += 2 + b[o + 1];
  }
}
