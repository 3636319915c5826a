// The exec server's wire protocol (docs/contracts.md "Exec server request", docs/exec.md): the one declaration of
// the request, result, stream record and error shapes that the server (exec/) and its client
// (adapters/exec-client.ts) both import. Types and constants only, no I/O. It lives in exec/ rather than core/
// because exec/Dockerfile builds the server image from exec/ alone.

/** One command of a request. */
export interface ExecStep {
  argv: string[];
  stdin?: string;
  timeout_seconds?: number;
}

/** The JSON body of POST /exec and POST /exec/stream: either `argv` (+ `stdin`) or `steps`. */
export interface ExecRequest {
  argv?: string[];
  stdin?: string;
  timeout_seconds?: number;
  steps?: ExecStep[];
  /** Files written into the request's private work dir before the first command (plain names only). */
  files?: Record<string, string>;
  request_id?: string;
}

/** The fields a request body may carry; anything else is refused (`unknown_field`). */
export const REQUEST_FIELDS = [
  'argv',
  'stdin',
  'timeout_seconds',
  'files',
  'steps',
  'request_id',
] as const satisfies readonly (keyof ExecRequest)[];
/** The fields one entry of `steps` may carry. */
export const STEP_FIELDS = ['argv', 'stdin', 'timeout_seconds'] as const satisfies readonly (keyof ExecStep)[];

/** What one command did. */
export interface ExecStepResult {
  exit_code: number;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  duration_ms: number;
  timed_out: boolean;
  /** Present (true) when the command was stopped by a cancel or by the client going away. */
  cancelled?: boolean;
}

/**
 * The `{code, message}` every refusal carries, plus the policy rule and step index for policy denials and the
 * concurrency limit for 503 busy.
 */
export interface ExecErrorBody {
  code: string;
  message: string;
  rule?: string;
  step?: number;
  max_concurrency?: number;
}

/**
 * The answer of POST /exec: the last step's figures at the top level, every step's under `steps` when the
 * request sent `steps`, and `error` when a later step was refused at run time.
 */
export interface ExecResult extends ExecStepResult {
  request_id: string;
  steps?: ExecStepResult[];
  error?: ExecErrorBody;
}

/** One NDJSON output record of POST /exec/stream. */
export interface ExecStreamLine {
  stream: 'stdout' | 'stderr';
  line: string;
  truncated?: boolean;
  /** The step's index, for multi-step requests. */
  step?: number;
}

/**
 * The last NDJSON record of POST /exec/stream: the result without `stdout`/`stderr` (those were streamed as
 * lines), or — when the request failed after streaming began — just the error.
 */
export type ExecStreamSummary = { summary: true } & (
  | (Omit<ExecResult, 'stdout' | 'stderr' | 'steps'> & { steps?: Omit<ExecStepResult, 'stdout' | 'stderr'>[] })
  | { error: ExecErrorBody }
);

/** GET /healthz. */
export interface ExecHealth {
  status: 'ok';
  max_concurrency: number;
  server: string;
  api_version: number;
  policy: string;
  active: number;
  queued: number;
}

/** The answer of DELETE /exec/{request_id} (202). */
export interface ExecCancelAnswer {
  request_id: string;
  cancel_requested: true;
}
