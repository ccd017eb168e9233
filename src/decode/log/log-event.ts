// What the log parsers hand on: one small record per meaningful log line. Addresses are canonical
// text (parseAddress + format), never taken verbatim from the line.

export type SshOutcome = 'ssh_failure' | 'ssh_success';

/** Why an SSH line counts: the OpenSSH message it matched. */
export type SshReason =
  | 'failed_password'
  | 'failed_publickey'
  | 'failed_none'
  | 'failed_other'
  | 'invalid_user'
  | 'not_allowed'
  | 'preauth_disconnect'
  | 'preauth_reset'
  | 'too_many_failures'
  | 'pam_failure'
  | 'accepted';

export interface SshEvent {
  kind: SshOutcome;
  /** Event time from the line (seconds since the epoch, fractional). */
  ts: number;
  ip: string;
  user: string | null;
  port: number | null;
  reason: SshReason;
  /** sshd called the user invalid ("invalid user U", or not allowed by AllowUsers/DenyUsers...). */
  invalidUser: boolean;
}

export interface HttpRequestEvent {
  kind: 'http_request';
  ts: number;
  ip: string;
  method: string;
  /** Request target as logged (still URL-encoded). */
  target: string;
  protocol: string;
  status: number | null;
  referer: string | null;
  userAgent: string | null;
}

export type LogEvent = SshEvent | HttpRequestEvent;

/** Where a line came from, for alerts and explain output. */
export interface LineOrigin {
  /** File path, or "journald". */
  source: string;
  /** 1-based line number in the file (or entry number in the journal stream). */
  line: number;
}
