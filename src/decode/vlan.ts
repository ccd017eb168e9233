// 802.1Q / 802.1ad tags (TPID 0x8100, 0x88a8, 0x9100), stacked as QinQ: 2 bytes TCI (PCP, DEI,
// VLAN id) and the inner ethertype. The outermost id and the depth go to the view; the depth is
// capped so a frame of stacked tags cannot make decoding run long.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import type { PacketView } from './packet-view.js';

export const VLAN_TAG_LEN = 4;
/** Deepest tag stack decoded; a deeper one raises decoder.vlan.too_many_layers. */
export const VLAN_MAX_DEPTH = 8;

export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;

const EV_TRUNC = decodeEventId('decoder.vlan.trunc_pkt');
const EV_TOO_MANY = decodeEventId('decoder.vlan.too_many_layers');

/** One tag at `off` (after its TPID); returns the offset after it, where the next type was read from its last 2 bytes. */
export function decodeVlan(view: PacketView, off: number, end: number): number {
  if (end - off < VLAN_TAG_LEN) return decodeEvent(view, EV_TRUNC);
  if (view.vlanDepth >= VLAN_MAX_DEPTH) return decodeEvent(view, EV_TOO_MANY);
  const b = view.buf;
  if (view.vlanDepth === 0) view.vlanId = ((b[off] & 0x0f) << 8) | b[off + 1];
  view.vlanDepth++;
  return off + VLAN_TAG_LEN;
}
