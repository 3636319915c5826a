// One JSON line per request. It names who asked, what ran (binary and policy verb only) and how it ended;
// it never carries the token, stdin, file contents or the rest of argv (where secrets would be).
import { appendFileSync } from 'node:fs';

export type Outcome =
  | 'ok'
  | 'failed'
  | 'timed_out'
  | 'cancelled'
  | 'client_aborted'
  | 'denied'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'busy'
  | 'conflict'
  | 'error';

export interface AuditRecord {
  request_id: string | undefined;
  correlation_id: string | undefined;
  caller: { address: string | undefined; name: string | undefined };
  route: string;
  binary: string | undefined;
  verb: string | undefined;
  steps: number;
  exit_code: number | undefined;
  duration_ms: number;
  outcome: Outcome;
  code?: string;
  rule?: string;
}

export type AuditSink = (record: AuditRecord) => void;

export function auditTo(file: string | undefined): AuditSink {
  return (record) => {
    // Absent values are written as null so every line has the same fields.
    const fields = { ts: new Date().toISOString(), event: 'exec_audit', ...record };
    const line = `${JSON.stringify(fields, (_key, value: unknown) => (value === undefined ? null : value))}\n`;
    if (file) appendFileSync(file, line, { mode: 0o600 });
    else process.stderr.write(line);
  };
}
