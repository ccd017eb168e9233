// Ethernet II (LINKTYPE_ETHERNET 1): destination, source, ethertype; 802.1Q tags follow in
// decodeEthertype. The frame check sequence, when captured, is trimmed later by the IP length.

import { decodeEventId } from './decode-events.js';
import { decodeEthertype } from './ethertype.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const ETHERNET_HEADER_LEN = 14;

const EV_TRUNC = decodeEventId('decoder.ethernet.trunc_pkt');

export function decodeEthernet(view: PacketView, off: number, end: number): number {
  if (end - off < ETHERNET_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  decodeEthertype(view, (b[off + 12] << 8) | b[off + 13], off + ETHERNET_HEADER_LEN, end);
  return off + ETHERNET_HEADER_LEN;
}
