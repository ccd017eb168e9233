// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276), 20 bytes: protocol, reserved, interface
// index, ARPHRD type, packet type, address length, 8 address bytes.

import { decodeEventId } from './decode-events.js';
import { decodeEthertype } from './ethertype.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';
import { ARPHRD_NETLINK } from './sll.js';

export const SLL2_HEADER_LEN = 20;

const EV_TRUNC = decodeEventId('decoder.sll2.trunc_pkt');

export function decodeSll2(view: PacketView, off: number, end: number): number {
  if (end - off < SLL2_HEADER_LEN) return decodeEvent(view, EV_TRUNC);
  const b = view.buf;
  const hatype = (b[off + 8] << 8) | b[off + 9];
  if (hatype !== ARPHRD_NETLINK) decodeEthertype(view, (b[off] << 8) | b[off + 1], off + SLL2_HEADER_LEN, end);
  return off + SLL2_HEADER_LEN;
}
