// TCP: ports, sequence and acknowledgement numbers, all 8 flag bits, window, data offset (options
// skipped), payload. The fixed 20 bytes must be there for any field to be set; a data offset below
// 20 or past the available bytes is an event, and the payload is then empty.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const TCP_HEADER_LEN = 20;

const EV_TRUNC = decodeEventId('decoder.tcp.trunc_pkt');
const EV_HLEN_TOO_SMALL = decodeEventId('decoder.tcp.hlen_too_small');
const EV_OPT_TRUNC = decodeEventId('decoder.tcp.opt_trunc');

export function decodeTCP(view: PacketView, off: number, end: number): number {
  if (end - off < TCP_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  view.l4Off = off;
  view.sport = (b[off] << 8) | b[off + 1];
  view.dport = (b[off + 2] << 8) | b[off + 3];
  view.tcpSeq = ((b[off + 4] << 24) | (b[off + 5] << 16) | (b[off + 6] << 8) | b[off + 7]) >>> 0;
  view.tcpAck = ((b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11]) >>> 0;
  view.tcpFlags = b[off + 13];
  view.tcpWindow = (b[off + 14] << 8) | b[off + 15];
  const hlen = (b[off + 12] >> 4) << 2;
  if (hlen < TCP_HEADER_LEN) {
    view.payloadOff = off + TCP_HEADER_LEN;
    return decodeEvent(view, EV_HLEN_TOO_SMALL);
  }
  if (end - off < hlen) {
    view.payloadOff = end;
    return decodeEvent(view, EV_OPT_TRUNC);
  }
  view.payloadOff = off + hlen;
  view.payloadLen = end - off - hlen;
  return off + hlen;
}
