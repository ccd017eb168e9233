// Live packets through the same stages as a capture file: decode -> detect, with the inline verdict
// for NFQUEUE: a block-mode detection raised by a packet drops that very packet. Decisions about
// sources (blocking them in the kernel) stay with whoever owns the detection sink (the daemon's
// policy, or `palisade live`'s report).

import { DECODE_EVENTS } from '../decode/decode-events.js';
import { decodeFrame } from '../decode/decoder.js';
import type { PacketView } from '../decode/packet-view.js';
import type { Config } from '../config/defaults.js';
import type { Detection, DetectionSink } from '../detect/detection.js';
import type { DetectEngine } from '../detect/engine.js';
import { assemble, type Stages } from './assemble.js';

export interface LiveCounters {
  packets: number;
  decode_errors: number;
  /** Packets whose own detection was in block mode (inline sources drop them). */
  verdict_drops: number;
  decode_events: Record<string, number>;
}

export class LivePacketPipeline {
  readonly stages: Stages;
  private readonly detect: DetectEngine;
  private packets = 0;
  private decodeErrors = 0;
  private verdictDrops = 0;
  private readonly events = new Float64Array(DECODE_EVENTS.length);
  /** Packet number of the packet being handled; a block-mode detection carrying it drops it. */
  private current = 0;
  private dropCurrent = false;

  constructor(config: Config, sink: DetectionSink) {
    const inner = (d: Detection): void => {
      if (d.action === 'would-block' && d.packet === this.current && d.packet !== 0) this.dropCurrent = true;
      sink(d);
    };
    this.stages = assemble(config, inner);
    this.detect = this.stages.detect;
  }

  /** Handles one frame; true when it raised a block-mode detection (inline: drop it). */
  handle = (view: PacketView): boolean => {
    this.packets++;
    view.index = this.packets;
    this.current = this.packets;
    this.dropCurrent = false;
    decodeFrame(view);
    if (view.eventCount !== 0) {
      this.decodeErrors++;
      this.events[view.event]++;
    }
    this.detect.onPacket(view);
    if (this.dropCurrent) this.verdictDrops++;
    return this.dropCurrent;
  };

  counters(): LiveCounters {
    const decode_events: Record<string, number> = {};
    DECODE_EVENTS.forEach((name, i) => {
      if (this.events[i] > 0) decode_events[name] = this.events[i];
    });
    return { packets: this.packets, decode_errors: this.decodeErrors, verdict_drops: this.verdictDrops, decode_events };
  }
}
