// The exec server's HTTP surface (docs/exec.md): GET /healthz, POST /exec, POST /exec/stream,
// DELETE /exec/{request_id}. Every request is authenticated, size-limited, validated, checked against the policy,
// queued behind the concurrency gate, run in a private work dir, audited, and cleaned up.
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsc } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import type { AuditRecord, AuditSink, Outcome } from './audit';
import { digest, presentedToken, tokenMatches } from './auth';
import { checkKubeconfig } from './kubeconfig-check';
import { BusyError, ConcurrencyGate } from './limiter';
import { evaluate, type Decision, type Policy } from './policy';
import type {
  ExecCancelAnswer,
  ExecErrorBody,
  ExecHealth,
  ExecResult,
  ExecStepResult,
  ExecStreamLine,
  ExecStreamSummary,
} from './protocol';
import { BadRequest, parseExecRequest, REQUEST_ID_RE, type ExecInput } from './request';
import {
  EXIT_CANCELLED,
  EXIT_CANNOT_RUN,
  EXIT_NOT_FOUND,
  runCommand,
  type RunOutcome,
  type StreamName,
} from './runner';
import type { ExecSettings } from './settings';
import { createWorkDir, realPathInside, removeWorkDir, writeFiles } from './workdir';

export const SERVER_NAME = 'elb-exec';
export const API_VERSION = 1;

export interface ExecServerOptions {
  settings: ExecSettings;
  policy: Policy;
  /** The work root, already created and resolved (see prepareWorkRoot). */
  workRoot: string;
  audit: AuditSink;
  /** The environment children may take `policy.env.pass` variables from. */
  parentEnv: NodeJS.ProcessEnv;
}

interface ActiveRequest {
  controller: AbortController;
}

type Allowed = Extract<Decision, { allowed: true }>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly outcome: Outcome,
    readonly extra: Omit<ExecErrorBody, 'code' | 'message'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export class ExecServer {
  readonly server: http.Server;
  private readonly gate: ConcurrencyGate;
  private readonly active = new Map<string, ActiveRequest>();
  private readonly tokenDigest: Buffer;
  private readonly executables = new Map<string, string>();

  constructor(private readonly opts: ExecServerOptions) {
    const s = opts.settings;
    this.gate = new ConcurrencyGate(s.maxConcurrency, s.maxQueue);
    this.tokenDigest = digest(s.token);
    // How often Node checks the request timeouts below (its default, 30 s, would let a stalled sender linger).
    const checkEvery = Math.max(250, Math.min(1000, Math.floor(s.clientTimeoutMs / 2)));
    this.server = http.createServer({ connectionsCheckingInterval: checkEvery }, (req, res) => {
      this.route(req, res).catch((err: unknown) => this.internalError(res, err));
    });
    // Slow or stuck senders: the whole request (headers and body) must arrive within the client timeout.
    this.server.requestTimeout = s.clientTimeoutMs;
    this.server.headersTimeout = Math.min(s.clientTimeoutMs, 60_000);
    this.server.maxHeadersCount = 64;
  }

  listen(): Promise<AddressInfo> {
    const { host, port } = this.opts.settings;
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, cancels running commands (their groups are killed), and waits for the answers. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const entry of this.active.values()) entry.controller.abort('cancelled');
    this.server.closeIdleConnections();
    const deadline = setTimeout(() => this.server.closeAllConnections(), 10_000);
    await closed;
    clearTimeout(deadline);
  }

  get stats(): { active: number; queued: number; requests: number } {
    return { active: this.gate.active, queued: this.gate.waiting, requests: this.active.size };
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const pathname = (req.url ?? '/').split('?')[0] as string;
    if (pathname === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.methodNotAllowed(res, 'GET');
      const health: ExecHealth = {
        status: 'ok',
        max_concurrency: this.opts.settings.maxConcurrency,
        server: SERVER_NAME,
        api_version: API_VERSION,
        policy: this.opts.policy.name,
        active: this.gate.active,
        queued: this.gate.waiting,
      };
      return sendJson(res, 200, health);
    }
    if (pathname === '/exec' || pathname === '/exec/stream') {
      if (req.method !== 'POST') return this.methodNotAllowed(res, 'POST');
      return this.handleExec(req, res, pathname === '/exec/stream');
    }
    const cancel = /^\/exec\/([^/]+)$/.exec(pathname);
    if (cancel) {
      if (req.method !== 'DELETE') return this.methodNotAllowed(res, 'DELETE');
      return this.handleCancel(req, res, decodeURIComponentSafe(cancel[1] as string));
    }
    req.resume();
    sendJson(res, 404, { code: 'not_found', message: 'no such route' });
  }

  private methodNotAllowed(res: http.ServerResponse, allow: string): void {
    res.req.resume();
    sendJson(res, 405, { code: 'method_not_allowed', message: `use ${allow}` }, { allow });
  }

  private authorized(req: http.IncomingMessage): boolean {
    return tokenMatches(this.tokenDigest, presentedToken(req.headers));
  }

  private async handleCancel(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    req.resume();
    const started = Date.now();
    const base = this.auditBase(req, 'cancel');
    if (!this.authorized(req)) {
      this.opts.audit({ ...base, duration_ms: 0, outcome: 'unauthorized' });
      return sendUnauthorized(res);
    }
    const entry = this.active.get(id);
    if (!entry) {
      this.opts.audit({
        ...base,
        request_id: printableId(id),
        duration_ms: 0,
        outcome: 'bad_request',
        code: 'unknown_request',
      });
      return sendJson(res, 404, { code: 'unknown_request', message: 'no running or queued request has that id' });
    }
    entry.controller.abort('cancelled');
    this.opts.audit({ ...base, request_id: id, duration_ms: Date.now() - started, outcome: 'ok' });
    const answer: ExecCancelAnswer = { request_id: id, cancel_requested: true };
    sendJson(res, 202, answer);
  }

  private async handleExec(req: http.IncomingMessage, res: http.ServerResponse, streaming: boolean): Promise<void> {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    const audit: AuditRecord = {
      ...this.auditBase(req, streaming ? 'exec_stream' : 'exec'),
      duration_ms: 0,
      outcome: 'ok',
    };
    const finishAudit = (patch: Partial<AuditRecord>): void => {
      this.opts.audit({ ...audit, ...patch, duration_ms: Math.round(elapsed()) });
    };

    let input: ExecInput;
    let decisions: Allowed[];
    try {
      if (!this.authorized(req)) {
        req.resume();
        throw new HttpError(
          401,
          'unauthorized',
          'missing or invalid exec token',
          'unauthorized',
          {},
          {
            'www-authenticate': 'Bearer',
          },
        );
      }
      const body = await readBody(req, this.opts.settings.maxBodyBytes);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON', 'bad_request');
      }
      try {
        input = parseExecRequest(parsed, this.limits());
      } catch (err) {
        if (err instanceof BadRequest) throw new HttpError(400, err.code, err.message, 'bad_request');
        throw err;
      }
      audit.steps = input.steps.length;
      audit.request_id = input.requestId;
      decisions = [];
      for (const [i, step] of input.steps.entries()) {
        const decision = evaluate(this.opts.policy, step.argv);
        audit.binary ??= decision.binary;
        audit.verb ??= decision.verb;
        if (!decision.allowed) {
          throw new HttpError(403, 'denied_by_policy', decision.message, 'denied', {
            rule: decision.rule,
            ...(input.multiStep ? { step: i } : {}),
          });
        }
        decisions.push(decision);
      }
    } catch (err) {
      return this.refuse(res, err, finishAudit);
    }

    const requestId = input.requestId ?? randomBytes(8).toString('hex');
    audit.request_id = requestId;
    if (this.active.has(requestId)) {
      return this.refuse(
        res,
        new HttpError(409, 'duplicate_request_id', 'a request with this request_id is already running', 'conflict'),
        finishAudit,
      );
    }
    const controller = new AbortController();
    this.active.set(requestId, { controller });
    res.setHeader('x-request-id', requestId);
    // A client that goes away takes its command with it.
    res.on('close', () => {
      if (!res.writableFinished) controller.abort('client_aborted');
    });

    let release: (() => void) | undefined;
    let workDir: string | undefined;
    try {
      try {
        release = await this.gate.acquire(this.opts.settings.queueTimeoutMs, controller.signal);
      } catch (err) {
        if (err instanceof BusyError) {
          const retry = String(this.opts.settings.retryAfterSeconds);
          throw new HttpError(
            503,
            'busy',
            err.message,
            'busy',
            { max_concurrency: this.gate.max },
            { 'retry-after': retry },
          );
        }
        // Cancelled (or the client left) while queued: nothing ran.
        const summary = notRun(requestId, input.multiStep, elapsed());
        finishAudit({ outcome: abortOutcome(controller.signal), exit_code: EXIT_CANCELLED });
        if (!res.destroyed) this.answer(res, streaming, summary);
        return;
      }
      workDir = await createWorkDir(this.opts.workRoot);
      await writeFiles(workDir, input.files);
      const outcome = await this.runSteps(res, streaming, input, decisions, workDir, controller.signal);
      // Credentials and everything else the commands left go before the answer does.
      await removeWorkDir(workDir);
      workDir = undefined;
      release();
      release = undefined;
      const last = outcome.results[outcome.results.length - 1];
      const result: ExecResult = {
        request_id: requestId,
        ...(last ?? emptyStep(elapsed())),
        ...(input.multiStep ? { steps: outcome.results } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      finishAudit({
        exit_code: last?.exit_code,
        outcome: outcome.error ? 'denied' : stepOutcome(last, controller.signal),
        ...(outcome.error ? { code: outcome.error.code, rule: outcome.error.rule } : {}),
      });
      if (!res.destroyed) this.answer(res, streaming, result);
    } catch (err) {
      this.refuse(res, err, finishAudit);
    } finally {
      release?.();
      this.active.delete(requestId);
      if (workDir) await removeWorkDir(workDir).catch(() => undefined);
    }
  }

  private async runSteps(
    res: http.ServerResponse,
    streaming: boolean,
    input: ExecInput,
    decisions: Allowed[],
    workDir: string,
    signal: AbortSignal,
  ): Promise<{ results: ExecStepResult[]; error?: ExecErrorBody }> {
    const s = this.opts.settings;
    const results: ExecStepResult[] = [];
    const roots = [workDir, ...this.opts.policy.pathRoots];
    const env = this.childEnv(workDir);
    for (const [i, step] of input.steps.entries()) {
      const decision = decisions[i] as Allowed;
      const denial = await this.checkPaths(decision, workDir, roots);
      if (denial) {
        // Before anything ran the request can still be refused as a whole; later, the step reports it.
        if (results.length === 0) {
          throw new HttpError(403, 'denied_by_policy', denial.message, 'denied', {
            rule: denial.rule,
            ...(input.multiStep ? { step: i } : {}),
          });
        }
        results.push({
          ...emptyStep(0),
          exit_code: EXIT_CANNOT_RUN,
          stderr: `exec: denied by policy: ${denial.message}`,
        });
        return { results, error: { code: 'denied_by_policy', ...denial } };
      }
      if (streaming && !res.headersSent) {
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      }
      const executable = await this.resolveExecutable(decision.executable, this.opts.policy.env.path);
      let outcome: RunOutcome;
      if (!executable) {
        outcome = notFound(decision.binary);
      } else {
        const sink = streaming
          ? new NdjsonSink(res, s.maxLineBytes, s.clientTimeoutMs, input.multiStep ? i : undefined)
          : undefined;
        outcome = await runCommand({
          executable,
          args: decision.args,
          cwd: workDir,
          env,
          stdin: step.stdin,
          timeoutMs: step.timeoutSeconds * 1000,
          killGraceMs: s.killGraceMs,
          maxOutputBytes: s.maxOutputBytes,
          signal,
          sink,
        });
        sink?.flush();
        if (outcome.spawnError)
          outcome = {
            ...outcome,
            stderr: Buffer.from(`exec: cannot start ${decision.binary} (${outcome.spawnError})\n`),
          };
      }
      results.push(toStepResult(outcome, streaming));
      if (outcome.exitCode !== 0 || outcome.cancelled || outcome.timedOut) break;
    }
    return { results };
  }

  /** Path arguments must still resolve inside the allowed directories once symlinks are followed. */
  private async checkPaths(
    decision: Allowed,
    workDir: string,
    roots: string[],
  ): Promise<{ rule: string; message: string } | undefined> {
    for (const p of decision.paths) {
      const { ok, resolved } = await realPathInside(workDir, p.value, roots);
      if (!ok)
        return { rule: 'path_roots', message: `${decision.binary}: ${p.where} points outside the allowed directories` };
      if (p.kubeconfig) {
        const text = await readKubeconfig(resolved);
        if (text === undefined) continue; // kubectl reports a missing kubeconfig itself
        if (text === TOO_BIG) return { rule: 'kubeconfig.format', message: 'kubeconfig is larger than 4 MiB' };
        const problem = checkKubeconfig(text, path.dirname(resolved), roots, this.opts.policy.kubeconfigExecCommands);
        if (problem) return problem;
      }
    }
    return undefined;
  }

  private childEnv(workDir: string): Record<string, string> {
    const policyEnv = this.opts.policy.env;
    const env: Record<string, string> = {
      PATH: policyEnv.path,
      HOME: workDir,
      TMPDIR: workDir,
      LANG: 'C.UTF-8',
    };
    for (const name of policyEnv.pass) {
      const value = this.opts.parentEnv[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, policyEnv.set);
    return env;
  }

  private async resolveExecutable(name: string, searchPath: string): Promise<string | undefined> {
    const cached = this.executables.get(name);
    if (cached) return cached;
    const candidates = path.isAbsolute(name)
      ? [name]
      : searchPath
          .split(':')
          .filter(Boolean)
          .map((d) => path.join(d, name));
    for (const candidate of candidates) {
      try {
        await fs.access(candidate, fsc.X_OK);
        this.executables.set(name, candidate);
        return candidate;
      } catch {
        // try the next directory
      }
    }
    return undefined;
  }

  private answer(res: http.ServerResponse, streaming: boolean, result: ExecResult): void {
    if (streaming) {
      if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
      endStream(res, streamSummary(result));
      armStuckClientTimer(res, this.opts.settings.clientTimeoutMs);
    } else {
      sendJson(res, 200, result);
      armStuckClientTimer(res, this.opts.settings.clientTimeoutMs);
    }
  }

  private refuse(res: http.ServerResponse, err: unknown, finishAudit: (patch: Partial<AuditRecord>) => void): void {
    if (!(err instanceof HttpError)) {
      finishAudit({ outcome: 'error', code: 'internal_error' });
      return this.internalError(res, err);
    }
    finishAudit({
      outcome: err.outcome,
      code: err.code,
      ...(typeof err.extra.rule === 'string' ? { rule: err.extra.rule } : {}),
    });
    if (res.headersSent) {
      // Streaming already started: the error becomes the summary line.
      endStream(res, { summary: true, error: { code: err.code, message: err.message, ...err.extra } });
      return;
    }
    if (err.status === 413) res.setHeader('connection', 'close');
    sendJson(res, err.status, { code: err.code, message: err.message, ...err.extra }, err.headers);
  }

  private internalError(res: http.ServerResponse, err: unknown): void {
    // The detail goes to the server log only; callers get a code.
    process.stderr.write(
      `${JSON.stringify({ ts: new Date().toISOString(), event: 'exec_internal_error', message: (err as Error)?.message ?? String(err) })}\n`,
    );
    if (res.headersSent) {
      endStream(res, { summary: true, error: { code: 'internal_error', message: 'the exec server failed' } });
    } else if (!res.destroyed) {
      sendJson(res, 500, { code: 'internal_error', message: 'the exec server failed' });
    }
  }

  private auditBase(req: http.IncomingMessage, route: string): Omit<AuditRecord, 'duration_ms' | 'outcome'> {
    return {
      request_id: undefined,
      correlation_id: headerId(req.headers['x-correlation-id']),
      caller: { address: req.socket.remoteAddress, name: headerId(req.headers['x-exec-caller']) },
      route,
      binary: undefined,
      verb: undefined,
      steps: 0,
      exit_code: undefined,
    };
  }

  private limits() {
    const s = this.opts.settings;
    return {
      maxStdinBytes: s.maxStdinBytes,
      defaultTimeoutSeconds: s.defaultTimeoutSeconds,
      maxTimeoutSeconds: s.maxTimeoutSeconds,
      maxSteps: s.maxSteps,
      maxFiles: s.maxFiles,
      maxArgs: 256,
      maxArgBytes: 32 * 1024,
    };
  }
}

/** Streams output as NDJSON records, one per line, cutting lines longer than the cap. */
class NdjsonSink {
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialSize: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private readonly skipping: Record<StreamName, boolean> = { stdout: false, stderr: false };

  constructor(
    private readonly res: http.ServerResponse,
    private readonly maxLineBytes: number,
    private readonly stuckMs: number,
    private readonly step: number | undefined,
  ) {}

  write(stream: StreamName, chunk: Buffer): boolean {
    let ok = true;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!this.skipping[stream]) {
        const room = this.maxLineBytes - this.partialSize[stream];
        if (piece.length > room) {
          this.partial[stream].push(piece.subarray(0, room));
          ok = this.emit(stream, true) && ok;
          this.skipping[stream] = true;
        } else {
          this.partial[stream].push(piece);
          this.partialSize[stream] += piece.length;
        }
      }
      if (nl === -1) break;
      if (this.skipping[stream]) this.skipping[stream] = false;
      else ok = this.emit(stream, false) && ok;
      start = nl + 1;
    }
    return ok;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      // A client that stops reading is stuck: drop it (which kills the command) rather than wait forever.
      const timer = setTimeout(() => this.res.destroy(), this.stuckMs);
      const done = (): void => {
        clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialSize[stream] > 0) this.emit(stream, false);
      this.skipping[stream] = false;
    }
  }

  private emit(stream: StreamName, truncated: boolean): boolean {
    const line = Buffer.concat(this.partial[stream]).toString('utf8');
    this.partial[stream] = [];
    this.partialSize[stream] = 0;
    if (this.res.destroyed) return true;
    const record: ExecStreamLine = {
      stream,
      line,
      ...(truncated ? { truncated: true } : {}),
      ...(this.step !== undefined ? { step: this.step } : {}),
    };
    return this.res.write(`${JSON.stringify(record)}\n`);
  }
}

/** Streamed answers carried the output as lines already; the summary keeps only the figures. */
function streamSummary(result: ExecResult): ExecStreamSummary {
  const { stdout: _out, stderr: _err, steps, ...figures } = result;
  return {
    summary: true,
    ...figures,
    ...(steps ? { steps: steps.map(({ stdout: _o, stderr: _e, ...step }) => step) } : {}),
  };
}

/** The summary is always the stream's last record. */
function endStream(res: http.ServerResponse, summary: ExecStreamSummary): void {
  res.end(`${JSON.stringify(summary)}\n`);
}

function toStepResult(o: RunOutcome, streaming: boolean): ExecStepResult {
  return {
    exit_code: o.exitCode,
    stdout: streaming ? '' : decodeUtf8(o.stdout),
    stderr: streaming ? '' : decodeUtf8(o.stderr),
    stdout_truncated: o.stdoutTruncated,
    stderr_truncated: o.stderrTruncated,
    duration_ms: Math.round(o.durationMs),
    timed_out: o.timedOut,
    ...(o.cancelled ? { cancelled: true } : {}),
  };
}

function emptyStep(durationMs: number): ExecStepResult {
  return {
    exit_code: 0,
    stdout: '',
    stderr: '',
    stdout_truncated: false,
    stderr_truncated: false,
    duration_ms: Math.round(durationMs),
    timed_out: false,
  };
}

function notRun(requestId: string, multiStep: boolean, durationMs: number): ExecResult {
  return {
    request_id: requestId,
    ...emptyStep(durationMs),
    exit_code: EXIT_CANCELLED,
    cancelled: true,
    ...(multiStep ? { steps: [] } : {}),
  };
}

function notFound(binary: string): RunOutcome {
  return {
    exitCode: EXIT_NOT_FOUND,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from(`exec: ${binary} is not installed on the exec server\n`),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 0,
    timedOut: false,
    cancelled: false,
  };
}

function stepOutcome(last: ExecStepResult | undefined, signal: AbortSignal): Outcome {
  if (last?.cancelled) return abortOutcome(signal);
  if (last?.timed_out) return 'timed_out';
  return last && last.exit_code !== 0 ? 'failed' : 'ok';
}

function abortOutcome(signal: AbortSignal): Outcome {
  return signal.reason === 'client_aborted' ? 'client_aborted' : 'cancelled';
}

/** Decodes UTF-8, dropping a multi-byte character the output cap cut in half. */
function decodeUtf8(buf: Buffer): string {
  let end = buf.length;
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && ((buf[end - back - 1] as number) & 0xc0) === 0x80) back++;
  const lead = buf[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back + 1 < need) end = end - back - 1;
  }
  return buf.subarray(0, end).toString('utf8');
}

async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > max) {
    req.resume(); // discard what the client still sends; the connection closes after the answer
    throw new HttpError(413, 'body_too_large', `the request body is larger than ${max} bytes`, 'too_large');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        if (chunks.length) chunks.length = 0;
        reject(new HttpError(413, 'body_too_large', `the request body is larger than ${max} bytes`, 'too_large'));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () =>
      reject(new HttpError(400, 'body_incomplete', 'the request body ended early', 'bad_request')),
    );
  });
}

const TOO_BIG = Symbol('too big');

async function readKubeconfig(file: string): Promise<string | typeof TOO_BIG | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return undefined;
    if (stat.size > 4 * 1024 * 1024) return TOO_BIG;
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

function armStuckClientTimer(res: http.ServerResponse, ms: number): void {
  if (res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), ms);
  res.once('finish', () => clearTimeout(timer));
  res.once('close', () => clearTimeout(timer));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendUnauthorized(res: http.ServerResponse): void {
  sendJson(
    res,
    401,
    { code: 'unauthorized', message: 'missing or invalid exec token' },
    { 'www-authenticate': 'Bearer' },
  );
}

function headerId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID_RE.test(value) ? value : undefined;
}

function printableId(id: string): string | undefined {
  return REQUEST_ID_RE.test(id) ? id : undefined;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
