// The contract every live packet source meets (XDP ring buffer, NFQUEUE, libpcap): it fills the one
// reused PacketView with a frame (buf/frameOff/caplen/wirelen/linktype/ts/index) and calls the
// handler; the handler decodes and detects. Only inline sources (NFQUEUE) act on the returned
// verdict: true = drop this packet.

import type { PacketView } from '../../decode/packet-view.js';

/** Decodes and inspects the frame in `view`; returns true when this very packet should be dropped. */
export type PacketHandler = (view: PacketView) => boolean;

export type LiveSourceKind = 'xdp' | 'nfqueue' | 'pcap';

export interface LiveSourceStatus {
  kind: LiveSourceKind;
  /** e.g. "xdp veth0 (native)", "nfqueue 0 (fail-open)", "pcap eth0". */
  name: string;
  packets: number;
  /** Packets this source lost before Palisade saw them (ring full, queue overflow, pcap drops). */
  lost: number;
  /** Inline sources: packets dropped by verdict. */
  dropped: number;
  /** One line when the source is unhealthy, else null. */
  problem: string | null;
}

export interface LivePacketSource {
  readonly kind: LiveSourceKind;
  /** Starts delivering packets on the event loop (batches from the addon, one handler call per packet). */
  start(handler: PacketHandler): void;
  /** Stops delivery and releases kernel resources this source created. */
  stop(): Promise<void>;
  status(): LiveSourceStatus;
}
