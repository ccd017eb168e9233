// Deterministic pcap synthesizer: frames, a pcap writer, a seeded generator, traffic scenes mixed on
// one timeline, and the profiles behind bench/make-capture.ts and examples/make-lab-capture.ts.

export * from './frames.js';
export * from './net.js';
export * from './payloads.js';
export * from './pcap-reader.js';
export * from './pcap-writer.js';
export * from './prng.js';
export * from './profiles.js';
export * from './scenes.js';
export * from './timeline.js';
export * from './web.js';
