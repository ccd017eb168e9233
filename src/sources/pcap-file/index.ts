// Capture files: pcap (both byte orders, µs and ns) and pcapng, told apart by the magic number
// (never by the file name: some .pcapng files hold classic pcap). Opening fails with one line
// naming the file; damage later in the file ends the read with a CaptureProblem instead.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PalisadeError } from '../../errors.js';
import type { FrameSource } from '../source.js';
import { PCAP_FILE_HEADER_BYTES, PcapSource, isPcapMagic } from './pcap.js';
import { PCAPNG_BYTE_ORDER_MAGIC, PCAPNG_SHB, PcapngSource } from './pcapng.js';

export { PcapSource } from './pcap.js';
export { PcapngSource } from './pcapng.js';

/** Bytes read up front to recognise the format. */
const HEAD_BYTES = 28;

function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

function openError(path: string, err: unknown): PalisadeError {
  const e = err as NodeJS.ErrnoException;
  const why =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? 'permission denied'
        : e.code === 'EISDIR'
          ? 'is a directory'
          : (e.code ?? String(err));
  return new PalisadeError('PALISADE_ERR_FILE_OPEN', `${path}: cannot open (${why})`);
}

/** Opens a pcap or pcapng file for reading; throws PalisadeError when it cannot be read as one. */
export function openCapture(path: string): FrameSource {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw openError(path, err);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new PalisadeError('PALISADE_ERR_FILE_OPEN', `${path}: cannot open (is a directory)`);
    const head = Buffer.alloc(HEAD_BYTES);
    let n = 0;
    while (n < HEAD_BYTES) {
      let got: number;
      try {
        got = readSync(fd, head, n, HEAD_BYTES - n, null);
      } catch (err) {
        throw openError(path, err);
      }
      if (got === 0) break;
      n += got;
    }
    if (n < 4) {
      throw new PalisadeError(
        'PALISADE_ERR_FILE_FORMAT',
        `${path}: not a capture file (${n === 0 ? 'empty' : `only ${n} bytes`}; expected pcap or pcapng)`,
      );
    }
    const magic = head.readUInt32BE(0);
    const regular = st.isFile();
    if (isPcapMagic(magic)) {
      if (n < PCAP_FILE_HEADER_BYTES) {
        throw new PalisadeError(
          'PALISADE_ERR_CAPTURE_TRUNCATED',
          `${path}: truncated pcap file header: needs ${PCAP_FILE_HEADER_BYTES} bytes, file has ${n}`,
        );
      }
      return new PcapSource(path, fd, regular, st.size, head, n);
    }
    if (magic === PCAPNG_SHB) {
      if (n < 12) {
        throw new PalisadeError('PALISADE_ERR_CAPTURE_TRUNCATED', `${path}: truncated pcapng section header: needs 12 bytes, file has ${n}`);
      }
      const bom = head.readUInt32LE(8);
      if (bom !== PCAPNG_BYTE_ORDER_MAGIC && head.readUInt32BE(8) !== PCAPNG_BYTE_ORDER_MAGIC) {
        throw new PalisadeError(
          'PALISADE_ERR_FILE_FORMAT',
          `${path}: not a capture file (pcapng magic but byte-order magic ${hex32(head.readUInt32BE(8))}; expected 0x1a2b3c4d)`,
        );
      }
      return new PcapngSource(path, fd, regular, st.size, head, n);
    }
    throw new PalisadeError('PALISADE_ERR_FILE_FORMAT', `${path}: not a capture file (magic ${hex32(magic)}; expected pcap or pcapng)`);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}
