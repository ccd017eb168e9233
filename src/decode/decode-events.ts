// Decode events: malformed input becomes a named, counted event, never an exception.
// Names are stable and dotted (as Suricata's decoder.* events); ids are indexes into DECODE_EVENTS
// and are never reused or reordered: append new events at the end.

export const DECODE_EVENTS = [
  '', // 0 = no event
  'decoder.link.unsupported_linktype',
  'decoder.link.trunc_pkt',
  'decoder.ethernet.trunc_pkt',
  'decoder.vlan.trunc_pkt',
  'decoder.vlan.too_many_layers',
  'decoder.sll.trunc_pkt',
  'decoder.sll2.trunc_pkt',
  'decoder.null.trunc_pkt',
  'decoder.null.unsupported_af',
  'decoder.ipv4.trunc_pkt',
  'decoder.ipv4.hlen_too_small',
  'decoder.ipv4.iplen_smaller_than_hlen',
  'decoder.ipv4.wrong_ip_version',
  'decoder.ipv4.opt_invalid',
  'decoder.ipv4.frag_garbage',
  'decoder.ipv6.trunc_pkt',
  'decoder.ipv6.wrong_ip_version',
  'decoder.ipv6.exthdr_trunc',
  'decoder.ipv6.exthdr_too_many',
  'decoder.ipv6.frag_garbage',
  'decoder.tcp.trunc_pkt',
  'decoder.tcp.hlen_too_small',
  'decoder.tcp.opt_trunc',
  'decoder.udp.trunc_pkt',
  'decoder.udp.len_invalid',
  'decoder.icmpv4.trunc_pkt',
  'decoder.icmpv4.unknown_type',
  'decoder.icmpv6.trunc_pkt',
  'decoder.icmpv6.unknown_type',
  'decoder.ethertype.unsupported',
  'decoder.ipraw.invalid_ip_version',
  'decoder.ipv6.exthdr_invalid_optlen',
] as const;

export type DecodeEventName = (typeof DECODE_EVENTS)[number];

const ids = new Map<string, number>();
DECODE_EVENTS.forEach((name, i) => ids.set(name, i));

/** Numeric id of a decode event name (throws for an unknown name: a programming error). */
export function decodeEventId(name: DecodeEventName): number {
  const id = ids.get(name);
  if (id === undefined) throw new Error(`unknown decode event ${name}`);
  return id;
}

export function decodeEventName(id: number): string {
  return DECODE_EVENTS[id] ?? `decoder.unknown_${id}`;
}
