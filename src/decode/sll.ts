// Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113), 16 bytes: packet type, ARPHRD type, address
// length, 8 address bytes, protocol. The protocol is an ethertype except for netlink captures.

import { decodeEventId } from './decode-events.js';
import { decodeEthertype } from './ethertype.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const SLL_HEADER_LEN = 16;
export const ARPHRD_NETLINK = 824;

const EV_TRUNC = decodeEventId('decoder.sll.trunc_pkt');

export function decodeSll(view: PacketView, off: number, end: number): number {
  if (end - off < SLL_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  const hatype = (b[off + 2] << 8) | b[off + 3];
  if (hatype !== ARPHRD_NETLINK) decodeEthertype(view, (b[off + 14] << 8) | b[off + 15], off + SLL_HEADER_LEN, end);
  return off + SLL_HEADER_LEN;
}
