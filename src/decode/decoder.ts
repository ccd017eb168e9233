// decodeFrame: fills the reused PacketView from the frame the capture source put in it, layer by
// layer. Every layer lives in its own small file and follows one template (Suricata's
// decode-template.c in spirit):
//
//   const EV_TRUNC = decodeEventId('decoder.<layer>.trunc_pkt');   // the layer's named events
//   export function decode<Layer>(view: PacketView, off: number, end: number): number {
//     if (end - off < HEADER_LEN) return decodeEvent(view, EV_TRUNC); // lengths first
//     const b = view.buf;                                             // direct indexing only
//     view.field = (b[off] << 8) | b[off + 1];                        // fill the view, no allocation
//     decodeNext(view, type, off + HEADER_LEN, end);                  // hand the rest on
//     return off + HEADER_LEN;                                        // offset after this header, or -1
//   }
//
// `end` is where the bytes this layer may use stop: the captured length, narrowed by the IP length
// so link-layer padding never reaches a payload. Malformed input never throws.

import { decodeEventId } from './decode-events.js';
import { decodeEthernet } from './ethernet.js';
import { decodeEvent } from './event.js';
import { decodeIPv4 } from './ipv4.js';
import { decodeIPv6 } from './ipv6.js';
import { decodeNull } from './null.js';
import type { PacketView } from './packet-view.js';
import { decodeRaw } from './raw.js';
import { decodeSll } from './sll.js';
import { decodeSll2 } from './sll2.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as most BSDs and Linux number it in files written with the DLT value. */
export const LINKTYPE_RAW_DLT12 = 12;
/** DLT_RAW as OpenBSD numbers it. */
export const LINKTYPE_RAW_DLT14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const EV_UNSUPPORTED_LINKTYPE = decodeEventId('decoder.link.unsupported_linktype');

/** Link types decodeFrame understands. */
export const SUPPORTED_LINKTYPES: readonly number[] = [
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  LINKTYPE_RAW_DLT12,
  LINKTYPE_RAW_DLT14,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
];

export function decodeFrame(view: PacketView): void {
  view.resetDecoded();
  const off = view.frameOff;
  const end = off + view.caplen;
  switch (view.linktype) {
    case LINKTYPE_ETHERNET:
      decodeEthernet(view, off, end);
      return;
    case LINKTYPE_LINUX_SLL:
      decodeSll(view, off, end);
      return;
    case LINKTYPE_LINUX_SLL2:
      decodeSll2(view, off, end);
      return;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      decodeNull(view, off, end);
      return;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_DLT12:
    case LINKTYPE_RAW_DLT14:
      decodeRaw(view, off, end);
      return;
    case LINKTYPE_IPV4:
      decodeIPv4(view, off, end);
      return;
    case LINKTYPE_IPV6:
      decodeIPv6(view, off, end);
      return;
    default:
      decodeEvent(view, EV_UNSUPPORTED_LINKTYPE);
  }
}
