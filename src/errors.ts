// Every user-facing error has a stable code and a one-line message naming what and where.
// Codes are never reused; docs/errors.md lists them (a test checks both lists agree).

export const ErrorCodes = {
  PALISADE_ERR_FILE_OPEN: 'cannot open an input file',
  PALISADE_ERR_FILE_FORMAT: 'input is not a pcap, pcapng or known log format',
  PALISADE_ERR_CAPTURE_TRUNCATED: 'a capture file ends inside a record',
  PALISADE_ERR_CAPTURE_CORRUPT: 'a capture record header is impossible',
  PALISADE_ERR_CONFIG: 'configuration file or value is invalid',
  PALISADE_ERR_RULE: 'a signature rule is invalid',
  PALISADE_ERR_USAGE: 'command-line usage is wrong',
  PALISADE_ERR_OUTPUT: 'cannot write an output file',
  PALISADE_ERR_DAEMON: 'the daemon cannot start, or a control request failed',
  PALISADE_ERR_NOT_RUNNING: 'no daemon answers on the state directory\'s control socket',
  PALISADE_ERR_GEOIP: 'cannot read the GeoIP country database',
  PALISADE_ERR_STORE: 'cannot open or write the state database',
  PALISADE_ERR_REFUSED: 'a block, unblock or whitelist change was refused',
  PALISADE_ERR_ENFORCE_TARGET: 'a block target is not an IPv4/IPv6 address or CIDR',
  PALISADE_ERR_ENFORCE: 'a firewall command (nft, ipset, iptables) failed',
  PALISADE_ERR_XDP: 'the XDP guard cannot load, attach or change its maps',
  PALISADE_ERR_CAPTURE: 'live capture or connection tracing cannot start here',
  PALISADE_ERR_NFQUEUE: 'cannot bind an NFQUEUE queue (not root, queue taken, no NFQUEUE in the kernel)',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

/** An error caused by the user's input: printed as one line, never with a stack trace. */
export class PalisadeError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'PalisadeError';
    this.code = code;
  }
}

export function isPalisadeError(err: unknown): err is PalisadeError {
  return err instanceof PalisadeError;
}
