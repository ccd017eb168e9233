// Dispatch from IPv4 / IPv6 to the transport decoders. Other protocols (GRE, SCTP, ...) have no
// L4 decode: l4Off stays -1 and the payload empty.

import { decodeICMPv4 } from './icmpv4.js';
import { decodeICMPv6 } from './icmpv6.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, type PacketView } from './packet-view.js';
import { decodeTCP } from './tcp.js';
import { decodeUDP } from './udp.js';

export function decodeL4(view: PacketView, proto: number, off: number, end: number): number {
  switch (proto) {
    case IPPROTO_TCP:
      return decodeTCP(view, off, end);
    case IPPROTO_UDP:
      return decodeUDP(view, off, end);
    case IPPROTO_ICMP:
      return decodeICMPv4(view, off, end);
    case IPPROTO_ICMPV6:
      return decodeICMPv6(view, off, end);
    default:
      return off;
  }
}
