// The one way a decoder reports malformed input: a named decode event on the view (the first one
// is kept in view.event, every one is counted in view.eventCount). Never an exception.

import type { PacketView } from './packet-view.js';

/** Records decode event `id`; returns -1 so a decoder can `return decodeEvent(view, EV_X)`. */
export function decodeEvent(view: PacketView, id: number): -1 {
  if (view.eventCount === 0) view.event = id;
  view.eventCount++;
  return -1;
}
