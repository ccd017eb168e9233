// Dispatch on an ethertype (Ethernet, SLL, SLL2 and VLAN tags all end in one): VLAN tags are
// peeled in a loop, then IPv4 or IPv6. Other protocols have no IP layer; that is not an error, so
// only ethertypes nobody uses on a LAN raise decoder.ethertype.unsupported.

import { decodeEventId } from './decode-events.js';
import { decodeEvent } from './event.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import type { PacketView } from './packet-view.js';
import { ETHERTYPE_QINQ, ETHERTYPE_QINQ_OLD, ETHERTYPE_VLAN, decodeVlan } from './vlan.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

const EV_UNSUPPORTED = decodeEventId('decoder.ethertype.unsupported');

/** Non-IP protocols common on real links: no IP layer, and no event either. */
function isCommonNonIp(type: number): boolean {
  switch (type) {
    case 0x0806: // ARP
    case 0x8035: // RARP
    case 0x809b: // AppleTalk
    case 0x80f3: // AARP
    case 0x8137: // IPX
    case 0x8808: // Ethernet flow control
    case 0x8809: // slow protocols (LACP)
    case 0x8847: // MPLS unicast
    case 0x8848: // MPLS multicast
    case 0x8863: // PPPoE discovery
    case 0x8864: // PPPoE session
    case 0x888e: // 802.1X EAPOL
    case 0x8892: // PROFINET
    case 0x889a: // HyperSCSI
    case 0x88a2: // ATA over Ethernet
    case 0x88a4: // EtherCAT
    case 0x88b8: // GOOSE
    case 0x88cc: // LLDP
    case 0x88e1: // HomePlug
    case 0x88e5: // MACsec
    case 0x88e7: // PBB
    case 0x88f7: // PTP
    case 0x8902: // CFM
    case 0x8906: // FCoE
    case 0x8914: // FIP
    case 0x893a: // IEEE 1905
    case 0x9000: // loopback (configuration test protocol)
      return true;
    default:
      return false;
  }
}

export function decodeEthertype(view: PacketView, type: number, off: number, end: number): number {
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    off = decodeVlan(view, off, end);
    if (off < 0) return -1;
    type = (view.buf[off - 2] << 8) | view.buf[off - 1];
  }
  if (type === ETHERTYPE_IPV4) return decodeIPv4(view, off, end);
  if (type === ETHERTYPE_IPV6) return decodeIPv6(view, off, end);
  // Values up to 1500 are 802.3 lengths (LLC follows): not an ethertype at all.
  if (type >= 0x0600 && !isCommonNonIp(type)) decodeEvent(view, EV_UNSUPPORTED);
  return off;
}
