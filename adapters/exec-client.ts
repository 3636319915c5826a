// Typed client for the exec server (docs/contracts.md "Exec server request", docs/exec.md).
// One call = one request id, kept across retries; only "busy" (503) and "could not connect" are retried, with
// exponential backoff and jitter (honouring Retry-After), because those are the only failures where the command
// certainly did not run. Every error says whether the command certainly did not run (`notRun`), so a caller can
// tell "nothing changed" from "it may have run". Everything it returns has secrets redacted.
import { randomUUID } from 'node:crypto';

import type {
  ExecErrorBody,
  ExecHealth,
  ExecRequest,
  ExecResult,
  ExecStepResult,
  ExecStreamLine,
  ExecStreamSummary,
} from '../exec/protocol';
import { redactSecrets } from '../exec/redact';

export type { ExecRequest, ExecResult, ExecStep, ExecStepResult, ExecStreamLine } from '../exec/protocol';

export class ExecError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
  /**
   * True when the server certainly did not run the command: it could not be connected to, or it answered with an
   * HTTP error (refused, busy, bad request) instead of running it.
   */
  notRun = false;
}
/** 401: the token is missing or wrong. */
export class ExecUnauthorizedError extends ExecError {}
/** 403: the policy refused the command; `rule` names the policy rule. */
export class ExecDeniedError extends ExecError {
  rule: string | undefined;
}
/** 503 after the last retry; `retryAfterSeconds` is the server's hint. */
export class ExecBusyError extends ExecError {
  retryAfterSeconds: number | undefined;
}
/** 400/404/409/413: the request itself is wrong. */
export class ExecBadRequestError extends ExecError {}
/** The server could not be reached (after retries). */
export class ExecUnreachableError extends ExecError {}
/**
 * No answer came within the commands' timeouts plus the margin (no `result`), or — with `failOnNonZero` — the
 * command ran past its timeout and was killed (`result` has what it printed).
 */
export class ExecTimeoutError extends ExecError {
  result: ExecResult | undefined;
}
/** The command exited non-zero and the caller asked `failOnNonZero`. */
export class ExecCommandFailedError extends ExecError {
  result: ExecResult | undefined;
}
/** The caller's AbortSignal fired (no `result`), or — with `failOnNonZero` — the server cancelled the command. */
export class ExecCancelledError extends ExecError {
  result: ExecResult | undefined;
}

export interface ExecClientOptions {
  baseUrl: string;
  token: string;
  /** Sent as X-Exec-Caller, recorded in the server's audit line (e.g. "deploy-activity"). */
  caller?: string;
  /** Attempts in total for busy/unreachable (default 4). */
  maxAttempts?: number;
  /**
   * Keep retrying busy/unreachable beyond maxAttempts until this much time has passed since the first attempt
   * (default 0: attempts only). A server restarting for a few seconds is then waited for, not reported down.
   */
  retryForMs?: number;
  /** First backoff delay (default 250 ms); doubles per attempt, with full jitter, up to maxDelayMs (default 8 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Extra time over the commands' own timeouts before the client stops waiting (default 30 s). */
  answerMarginMs?: number;
  /** The longest Retry-After the client sleeps through before giving up with ExecBusyError (default 60 s). */
  maxRetryAfterMs?: number;
}

export interface ExecRunOptions {
  signal?: AbortSignal;
  /**
   * Turn any unsuccessful result into a typed error: ExecCommandFailedError (non-zero exit), ExecTimeoutError
   * (timed out), ExecCancelledError (cancelled), ExecDeniedError (a later step refused). Without it those come
   * back as results (`exit_code`, `timed_out`, `cancelled`, `error`).
   */
  failOnNonZero?: boolean;
  /** Sent as X-Correlation-Id (e.g. the orchestration instance id); one is generated when absent. */
  correlationId?: string;
}

const DEFAULT_TIMEOUT_SECONDS = 60;
/** Connection errors where the request certainly never reached the server. */
const NOT_CONNECTED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class ExecClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly options: Required<Omit<ExecClientOptions, 'baseUrl' | 'token' | 'caller'>> & { caller?: string };

  constructor(options: ExecClientOptions) {
    if (!options.token) throw new ExecError('exec_token_missing', 'the exec client needs a token');
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new ExecError('exec_url_invalid', 'the exec server base URL is not a URL');
    }
    if (parsed.username || parsed.password || parsed.search) {
      throw new ExecError('exec_url_invalid', 'the exec server base URL must not carry credentials or a query');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.options = {
      maxAttempts: Math.max(1, options.maxAttempts ?? 4),
      retryForMs: Math.max(0, options.retryForMs ?? 0),
      baseDelayMs: options.baseDelayMs ?? 250,
      maxDelayMs: options.maxDelayMs ?? 8000,
      answerMarginMs: options.answerMarginMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
      ...(options.caller ? { caller: options.caller } : {}),
    };
  }

  /** POST /exec: runs the command (or steps) and returns the redacted result. */
  async run(request: ExecRequest, options: ExecRunOptions = {}): Promise<ExecResult> {
    const req = { ...request, request_id: request.request_id ?? randomUUID() };
    const response = await this.send('/exec', req, options);
    const body = (await readJson(response, req.request_id)) as ExecResult;
    return this.judge(redactResult(body), options);
  }

  /**
   * POST /exec/stream: calls `onLine` for every output line as it arrives (redacted) and returns the summary
   * (which has no stdout/stderr: they were streamed).
   */
  async stream(
    request: ExecRequest,
    onLine: (line: ExecStreamLine) => void,
    options: ExecRunOptions = {},
  ): Promise<ExecResult> {
    const req = { ...request, request_id: request.request_id ?? randomUUID() };
    const response = await this.send('/exec/stream', req, options);
    if (!response.body) throw new ExecError('exec_bad_answer', 'the exec server sent no body', 200, req.request_id);
    const got: { summary?: ExecStreamSummary } = {};
    let pending = '';
    const decoder = new TextDecoder();
    const handle = (text: string): void => {
      if (!text.trim()) return;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return; // not ours to interpret; the summary decides the outcome
      }
      if (record.summary === true) {
        got.summary = record as unknown as ExecStreamSummary;
      } else if (record.stream === 'stdout' || record.stream === 'stderr') {
        onLine({ ...(record as unknown as ExecStreamLine), line: redactSecrets(String(record.line ?? '')) });
      }
    };
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          handle(pending.slice(0, nl));
          pending = pending.slice(nl + 1);
        }
      }
      handle(pending + decoder.decode());
    } catch (err) {
      if (options.signal?.aborted) throw this.aborted(req.request_id);
      throw new ExecUnreachableError(
        'exec_stream_broken',
        `the exec stream broke: ${describe(err)}`,
        undefined,
        req.request_id,
      );
    }
    const summary = got.summary;
    if (!summary) {
      throw new ExecError('exec_bad_answer', 'the exec stream ended without a summary', 200, req.request_id);
    }
    if (!('exit_code' in summary) || typeof summary.exit_code !== 'number') {
      const error = 'error' in summary ? summary.error : undefined;
      if (typeof error?.code === 'string') {
        throw new ExecError(error.code, redactSecrets(String(error.message ?? '')), 200, req.request_id);
      }
      throw new ExecError('exec_bad_answer', 'the exec stream summary has no exit code', 200, req.request_id);
    }
    // The output went by as lines; the result keeps its shape with empty text.
    const { summary: _marker, steps, ...figures } = summary;
    const result: ExecResult = {
      ...figures,
      stdout: '',
      stderr: '',
      ...(steps ? { steps: steps.map((step) => ({ ...step, stdout: '', stderr: '' })) } : {}),
    };
    return this.judge(redactResult(result), options);
  }

  /** DELETE /exec/{id}: asks the server to stop a running or queued request. Returns false when it is unknown. */
  async cancel(requestId: string): Promise<boolean> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/exec/${encodeURIComponent(requestId)}`, {
        method: 'DELETE',
        headers: this.headers(undefined),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new ExecUnreachableError('exec_unreachable', `exec server is unreachable: ${describe(err)}`);
    }
    await response.body?.cancel();
    if (response.status === 202) return true;
    if (response.status === 404) return false;
    if (response.status === 401) throw new ExecUnauthorizedError('unauthorized', 'the exec token was refused', 401);
    throw new ExecError(
      `http_${response.status}`,
      `exec server answered ${response.status} to cancel`,
      response.status,
    );
  }

  /** GET /healthz. */
  async health(): Promise<ExecHealth> {
    try {
      const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`status ${response.status}`);
      return (await response.json()) as ExecHealth;
    } catch (err) {
      throw new ExecUnreachableError('exec_unreachable', `exec server health check failed: ${describe(err)}`);
    }
  }

  /** Sends with retries for busy/unreachable; returns a 200 response or throws the typed error. */
  private async send(
    route: string,
    request: ExecRequest & { request_id: string },
    options: ExecRunOptions,
  ): Promise<Response> {
    const correlationId = options.correlationId ?? request.request_id;
    const answerWithinMs = totalTimeoutSeconds(request) * 1000 + this.options.answerMarginMs;
    const body = JSON.stringify(request);
    let lastError: ExecError | undefined;
    const started = Date.now();
    const mayRetry = (attempt: number) =>
      attempt < this.options.maxAttempts || Date.now() - started < this.options.retryForMs;
    for (let attempt = 1; ; attempt++) {
      if (options.signal?.aborted) throw this.aborted(request.request_id);
      const attemptSignal = options.signal
        ? AbortSignal.any([options.signal, AbortSignal.timeout(answerWithinMs)])
        : AbortSignal.timeout(answerWithinMs);
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${route}`, {
          method: 'POST',
          headers: { ...this.headers(correlationId), 'content-type': 'application/json' },
          body,
          signal: attemptSignal,
        });
      } catch (err) {
        if (options.signal?.aborted) {
          void this.cancel(request.request_id).catch(() => undefined);
          throw this.aborted(request.request_id);
        }
        if (attemptSignal.aborted) {
          // The server may still be running it: ask it to stop, and do not retry.
          void this.cancel(request.request_id).catch(() => undefined);
          const e = new ExecTimeoutError(
            'exec_no_answer',
            `the exec server did not answer within ${Math.round(answerWithinMs / 1000)} s`,
            undefined,
            request.request_id,
          );
          e.result = undefined;
          throw e;
        }
        const code = connectCode(err);
        lastError = new ExecUnreachableError(
          'exec_unreachable',
          `exec server at ${this.baseUrl} is unreachable: ${describe(err)}`,
          undefined,
          request.request_id,
        );
        if (!code || !NOT_CONNECTED.has(code)) throw lastError; // it may have run: never repeat it blindly
        lastError.notRun = true;
        if (!mayRetry(attempt)) throw lastError;
        await this.pause(attempt, undefined, options.signal);
        continue;
      }
      if (response.ok) return response;
      const error = await errorFrom(response, request.request_id);
      if (!(error instanceof ExecBusyError)) throw error;
      lastError = error;
      // A hint longer than the caller would want to sit waiting is passed up instead of slept through.
      if ((error.retryAfterSeconds ?? 0) * 1000 > this.options.maxRetryAfterMs) throw error;
      if (!mayRetry(attempt)) throw error;
      await this.pause(attempt, error.retryAfterSeconds, options.signal);
    }
  }

  /**
   * Every result the server produced is returned as is, unless the caller asked `failOnNonZero`: then anything
   * but a clean exit becomes the matching typed error, carrying the result.
   */
  private judge(result: ExecResult, options: ExecRunOptions): ExecResult {
    if (!options.failOnNonZero) return result;
    const fail = <E extends ExecError & { result: ExecResult | undefined }>(e: E): E => {
      e.result = result;
      return e;
    };
    if (result.cancelled) {
      throw fail(new ExecCancelledError('exec_cancelled', 'the command was cancelled', 200, result.request_id));
    }
    if (result.timed_out) {
      throw fail(
        new ExecTimeoutError(
          'exec_timed_out',
          'the command ran past its timeout and was killed',
          200,
          result.request_id,
        ),
      );
    }
    if (result.error?.code === 'denied_by_policy') {
      const e = new ExecDeniedError('denied_by_policy', result.error.message, 200, result.request_id);
      e.rule = result.error.rule;
      throw e;
    }
    if (result.exit_code !== 0) {
      const tail = lastLine(result.stderr) || lastLine(result.stdout);
      throw fail(
        new ExecCommandFailedError(
          'exec_command_failed',
          `the command exited with ${result.exit_code}${tail ? `: ${tail}` : ''}`,
          200,
          result.request_id,
        ),
      );
    }
    return result;
  }

  private headers(correlationId: string | undefined): Record<string, string> {
    return {
      'x-exec-token': this.token,
      ...(correlationId ? { 'x-correlation-id': correlationId } : {}),
      ...(this.options.caller ? { 'x-exec-caller': this.options.caller } : {}),
    };
  }

  private aborted(requestId: string): ExecCancelledError {
    const e = new ExecCancelledError('exec_aborted', 'the caller aborted the request', undefined, requestId);
    e.result = undefined;
    return e;
  }

  /** Exponential backoff with full jitter; a Retry-After hint is a floor (plus a little jitter). */
  private pause(attempt: number, retryAfterSeconds: number | undefined, signal?: AbortSignal): Promise<void> {
    const { baseDelayMs, maxDelayMs } = this.options;
    const backoff = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    const hinted = retryAfterSeconds !== undefined ? retryAfterSeconds * 1000 * (1 + Math.random() * 0.2) : 0;
    const delay = Math.max(backoff, hinted);
    return new Promise((resolve) => {
      const timer = setTimeout(done, delay);
      signal?.addEventListener('abort', done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

/** Parses Retry-After: delta seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

async function errorFrom(response: Response, requestId: string): Promise<ExecError> {
  const body = (await response.json().catch(() => ({}))) as Partial<Record<keyof ExecErrorBody, unknown>>;
  const status = response.status;
  const code = typeof body.code === 'string' ? body.code : `http_${status}`;
  const error = errorOfStatus(status, code, body, response, requestId);
  // A refusal (4xx) or "busy" (503) is answered instead of running the command; another 5xx may come from a proxy
  // after the server started it.
  error.notRun = (status >= 400 && status < 500) || status === 503;
  return error;
}

function errorOfStatus(
  status: number,
  code: string,
  body: Partial<Record<keyof ExecErrorBody, unknown>>,
  response: Response,
  requestId: string,
): ExecError {
  const message = redactSecrets(typeof body.message === 'string' ? body.message : `exec server answered ${status}`);
  if (status === 401) return new ExecUnauthorizedError(code, message, status, requestId);
  if (status === 403) {
    const e = new ExecDeniedError(code, message, status, requestId);
    e.rule = typeof body.rule === 'string' ? body.rule : undefined;
    return e;
  }
  if (status === 503) {
    const e = new ExecBusyError(code, message, status, requestId);
    e.retryAfterSeconds = parseRetryAfter(response.headers.get('retry-after'));
    return e;
  }
  if (status >= 400 && status < 500) return new ExecBadRequestError(code, message, status, requestId);
  return new ExecError(code, message, status, requestId);
}

async function readJson(response: Response, requestId: string): Promise<unknown> {
  try {
    return await response.json();
  } catch (err) {
    throw new ExecError('exec_bad_answer', `the exec server answer is not JSON: ${describe(err)}`, 200, requestId);
  }
}

function redactResult(result: ExecResult): ExecResult {
  const clean = <T extends ExecStepResult>(r: T): T => ({
    ...r,
    stdout: redactSecrets(r.stdout ?? ''),
    stderr: redactSecrets(r.stderr ?? ''),
  });
  return {
    ...clean(result),
    ...(result.steps ? { steps: result.steps.map(clean) } : {}),
    ...(result.error ? { error: { ...result.error, message: redactSecrets(result.error.message) } } : {}),
  };
}

function totalTimeoutSeconds(request: ExecRequest): number {
  if (request.steps?.length) {
    return request.steps.reduce(
      (sum, s) => sum + (s.timeout_seconds ?? request.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS),
      0,
    );
  }
  return request.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').slice(0, 300);
}

function connectCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown; errors?: Array<{ code?: unknown }> } })?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  const inner = cause?.errors?.find((e) => typeof e.code === 'string')?.code;
  return typeof inner === 'string' ? inner : undefined;
}

function describe(err: unknown): string {
  return redactSecrets(connectCode(err) ?? (err instanceof Error ? err.message : String(err)));
}
