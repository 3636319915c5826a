// Typed client for the exec server (docs/contracts.md, "Exec server request").
// First cut: one POST /exec per call and a typed error per status; retries, correlation ids and redaction
// belong here too (issue 3).

export interface ExecStep {
  argv: string[];
  stdin?: string;
  timeout_seconds?: number;
}

export interface ExecRequest {
  argv?: string[];
  stdin?: string;
  timeout_seconds?: number;
  steps?: ExecStep[];
  /** Files written into the request's private work dir before the first command (relative names only). */
  files?: Record<string, string>;
  request_id?: string;
}

export interface ExecStepResult {
  exit_code: number;
  stdout: string;
  stderr: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  duration_ms: number;
  timed_out: boolean;
}

export interface ExecResult extends ExecStepResult {
  request_id: string;
  steps?: ExecStepResult[];
}

export class ExecError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class ExecUnauthorizedError extends ExecError {}
export class ExecDeniedError extends ExecError {}
export class ExecBusyError extends ExecError {}
export class ExecBadRequestError extends ExecError {}
export class ExecUnreachableError extends ExecError {}

export interface ExecClientOptions {
  baseUrl: string;
  token: string;
}

export class ExecClient {
  private readonly baseUrl: string;
  private readonly token: string;

  constructor(options: ExecClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
  }

  async run(request: ExecRequest, options: { signal?: AbortSignal } = {}): Promise<ExecResult> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/exec`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-exec-token': this.token },
        body: JSON.stringify(request),
        signal: options.signal,
      });
    } catch (err) {
      throw new ExecUnreachableError(
        'exec_unreachable',
        `exec server at ${this.baseUrl} is unreachable: ${describe(err)}`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok) return body as unknown as ExecResult;
    const code = typeof body.code === 'string' ? body.code : `http_${response.status}`;
    const message = typeof body.message === 'string' ? body.message : `exec server answered ${response.status}`;
    if (response.status === 401) throw new ExecUnauthorizedError(code, message, 401);
    if (response.status === 403) throw new ExecDeniedError(code, message, 403);
    if (response.status === 503) throw new ExecBusyError(code, message, 503);
    if (response.status >= 400 && response.status < 500) throw new ExecBadRequestError(code, message, response.status);
    throw new ExecError(code, message, response.status);
  }
}

function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string } })?.cause?.code;
  return cause ?? (err instanceof Error ? err.message : String(err));
}
