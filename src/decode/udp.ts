// UDP: ports and payload. The UDP length bounds the payload when it is sane (at least 8 and within
// the IP payload); otherwise the available bytes do. A length below 8, or above what a complete,
// unfragmented IP datagram carries, is an event.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const UDP_HEADER_LEN = 8;

const EV_TRUNC = decodeEventId('decoder.udp.trunc_pkt');
const EV_LEN_INVALID = decodeEventId('decoder.udp.len_invalid');

export function decodeUDP(view: PacketView, off: number, end: number): number {
  if (end - off < UDP_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  view.l4Off = off;
  view.sport = (b[off] << 8) | b[off + 1];
  view.dport = (b[off + 2] << 8) | b[off + 3];
  const ulen = (b[off + 4] << 8) | b[off + 5];
  const avail = end - off;
  view.payloadOff = off + UDP_HEADER_LEN;
  if (ulen >= UDP_HEADER_LEN && ulen <= avail) {
    view.payloadLen = ulen - UDP_HEADER_LEN;
    return off + UDP_HEADER_LEN;
  }
  view.payloadLen = avail - UDP_HEADER_LEN;
  // Longer than the datagram is fine for a first fragment or a snaplen-cut capture, not otherwise.
  if (ulen < UDP_HEADER_LEN || (!view.isFragment && view.ipOff + view.ipLen <= view.frameOff + view.caplen)) {
    decodeEvent(view, EV_LEN_INVALID);
  }
  return off + UDP_HEADER_LEN;
}
