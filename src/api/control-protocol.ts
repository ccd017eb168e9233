// The local control protocol between the CLI and the daemon: one JSON object per line over a unix
// socket under the state directory. The socket is created mode 0600 in a root-owned directory, so
// only root (the daemon's own user) can change anything; the REST API with its token comes later.

export interface ControlRequest {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string; code?: string };

/** Longest request line accepted (a request is a command name and a few arguments). */
export const MAX_REQUEST_BYTES = 64 * 1024;
