// The exec server's HTTP surface (docs/exec.md): GET /healthz, POST /exec, POST /exec/stream,
// DELETE /exec/{request_id}. Every connection passes the guard (http-guard.ts); every request is routed
// (routes.ts), authenticated, size- and time-limited (body.ts), validated (request.ts), checked against the policy,
// queued behind the concurrency gate, run in a private work dir (steps.ts), audited, and cleaned up. A handler that
// throws answers 500 internal_error and the server keeps serving.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { AuditRecord, AuditSink } from './audit';
import { digest, presentedToken, tokenMatches } from './auth';
import { readBody } from './body';
import { Executables } from './executables';
import { armStuckClientTimer, HttpError, sendError, sendJson, UNAUTHORIZED } from './http-answers';
import { guardServer, missingHost, stallTimeoutMs } from './http-guard';
import type { KubectlCaches } from './kubectl-cache';
import { BusyError, ConcurrencyGate } from './limiter';
import { endStream, startStream, streamSummary } from './ndjson';
import { evaluate, type Policy } from './policy';
import type { GroupHooks } from './process-groups';
import type { ExecCancelAnswer, ExecHealth, ExecResult } from './protocol';
import { BadRequest, parseExecRequest, REQUEST_ID_RE, type ExecInput } from './request';
import { abortOutcome, emptyStep, notRun, stepOutcome } from './results';
import { routeOf } from './routes';
import { EXIT_CANCELLED } from './runner';
import type { ExecSettings } from './settings';
import { runSteps, type Allowed } from './steps';
import { createWorkDir, removeWorkDir, writeFiles } from './workdir';

export const SERVER_NAME = 'elb-exec';
export const API_VERSION = 1;

export interface ExecServerOptions {
  settings: ExecSettings;
  policy: Policy;
  /** Where request dirs are made: this server's own instance dir (see claimWorkRoot). */
  workRoot: string;
  audit: AuditSink;
  /** The environment children may take `policy.env.pass` variables from. */
  parentEnv: NodeJS.ProcessEnv;
  /** Records each command's process group so every exit of the server can kill it (process-groups.ts). */
  groups?: GroupHooks;
  /** The per-cluster kubectl cache dirs (kubectl-cache.ts); none: every command starts with an empty cache. */
  kubectlCaches?: KubectlCaches;
}

type FinishAudit = (patch: Partial<AuditRecord>) => void;

export class ExecServer {
  readonly server: http.Server;
  private readonly gate: ConcurrencyGate;
  private readonly active = new Map<string, AbortController>();
  private readonly tokenDigest: Buffer;
  private readonly executables = new Executables();

  constructor(private readonly opts: ExecServerOptions) {
    const s = opts.settings;
    this.gate = new ConcurrencyGate(s.maxConcurrency, s.maxQueue);
    this.tokenDigest = digest(s.token);
    // How often Node checks its request timeouts (its default, 30 s, would let a stalled sender linger).
    const checkEvery = Math.max(250, Math.min(1000, Math.floor(s.clientTimeoutMs / 2)));
    this.server = http.createServer(
      { connectionsCheckingInterval: checkEvery, requireHostHeader: false },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => this.internalError(res, err));
      },
    );
    guardServer(this.server, s.clientTimeoutMs);
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
    for (const controller of this.active.values()) controller.abort('cancelled');
    // Keep-alive connections go as soon as their answer is out, not after the keep-alive timeout.
    this.server.closeIdleConnections();
    const idle = setInterval(() => this.server.closeIdleConnections(), 100);
    const deadline = setTimeout(() => this.server.closeAllConnections(), 10_000);
    await closed;
    clearInterval(idle);
    clearTimeout(deadline);
  }

  get stats(): { active: number; queued: number; requests: number } {
    return { active: this.gate.active, queued: this.gate.waiting, requests: this.active.size };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const noHost = missingHost(req);
    if (noHost) {
      req.resume();
      return sendJson(res, 400, noHost, { connection: 'close' });
    }
    const route = routeOf(req.url, req.method);
    switch (route.kind) {
      case 'healthz':
        return this.health(req, res);
      case 'exec':
        return this.handleExec(req, res, route.streaming);
      case 'cancel':
        return this.handleCancel(req, res, route.id);
      case 'method_not_allowed':
        req.resume();
        return sendJson(
          res,
          405,
          { code: 'method_not_allowed', message: `use ${route.allow}` },
          { allow: route.allow, connection: 'close' },
        );
      case 'not_found':
        req.resume();
        return sendJson(res, 404, { code: 'not_found', message: 'no such route' }, { connection: 'close' });
    }
  }

  private health(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    const health: ExecHealth = {
      status: 'ok',
      max_concurrency: this.opts.settings.maxConcurrency,
      server: SERVER_NAME,
      api_version: API_VERSION,
      policy: this.opts.policy.name,
      active: this.gate.active,
      queued: this.gate.waiting,
    };
    sendJson(res, 200, health);
  }

  private authorized(req: http.IncomingMessage): boolean {
    return tokenMatches(this.tokenDigest, presentedToken(req.headers));
  }

  private async handleCancel(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    req.resume();
    const base = this.auditBase(req, 'cancel');
    if (!this.authorized(req)) {
      this.opts.audit({ ...base, duration_ms: 0, outcome: 'unauthorized' });
      return sendError(res, UNAUTHORIZED());
    }
    const controller = this.active.get(id);
    if (!controller) {
      this.opts.audit({
        ...base,
        request_id: REQUEST_ID_RE.test(id) ? id : undefined,
        duration_ms: 0,
        outcome: 'bad_request',
        code: 'unknown_request',
      });
      return sendJson(res, 404, { code: 'unknown_request', message: 'no running or queued request has that id' });
    }
    controller.abort('cancelled');
    this.opts.audit({ ...base, request_id: id, duration_ms: 0, outcome: 'ok' });
    const answer: ExecCancelAnswer = { request_id: id, cancel_requested: true };
    sendJson(res, 202, answer);
  }

  /** Authenticates, reads and validates the body, and checks every step against the policy before anything runs. */
  private async admit(
    req: http.IncomingMessage,
    audit: AuditRecord,
    receivedAt: number,
  ): Promise<{ input: ExecInput; decisions: Allowed[] }> {
    if (!this.authorized(req)) {
      req.resume();
      throw UNAUTHORIZED();
    }
    const s = this.opts.settings;
    const body = await readBody(req, s.maxBodyBytes, receivedAt + s.clientTimeoutMs, stallTimeoutMs(s.clientTimeoutMs));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'the request body is not valid JSON', 'bad_request');
    }
    let input: ExecInput;
    try {
      input = parseExecRequest(parsed, this.limits());
    } catch (err) {
      if (err instanceof BadRequest) throw new HttpError(400, err.code, err.message, 'bad_request');
      throw err;
    }
    audit.steps = input.steps.length;
    audit.request_id = input.requestId;
    const decisions: Allowed[] = [];
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
    return { input, decisions };
  }

  private async handleExec(req: http.IncomingMessage, res: http.ServerResponse, streaming: boolean): Promise<void> {
    const receivedAt = Date.now();
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    const audit: AuditRecord = {
      ...this.auditBase(req, streaming ? 'exec_stream' : 'exec'),
      duration_ms: 0,
      outcome: 'ok',
    };
    const finishAudit: FinishAudit = (patch) => {
      this.opts.audit({ ...audit, ...patch, duration_ms: Math.round(elapsed()) });
    };

    let admitted: { input: ExecInput; decisions: Allowed[] };
    try {
      admitted = await this.admit(req, audit, receivedAt);
    } catch (err) {
      return this.refuse(res, err, finishAudit);
    }
    const { input, decisions } = admitted;

    const requestId = input.requestId ?? randomBytes(8).toString('hex');
    audit.request_id = requestId;
    if (this.active.has(requestId)) {
      const conflict = new HttpError(
        409,
        'duplicate_request_id',
        'a request with this id is already running',
        'conflict',
      );
      return this.refuse(res, conflict, finishAudit);
    }
    const controller = new AbortController();
    this.active.set(requestId, controller);
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
          const extra = { max_concurrency: this.gate.max };
          throw new HttpError(503, 'busy', err.message, 'busy', extra, { 'retry-after': retry });
        }
        // Cancelled (or the client left) while queued: nothing ran.
        finishAudit({ outcome: abortOutcome(controller.signal), exit_code: EXIT_CANCELLED });
        if (!res.destroyed) this.answer(res, streaming, notRun(requestId, input.multiStep, elapsed()));
        return;
      }
      workDir = await createWorkDir(this.opts.workRoot);
      await writeFiles(workDir, input.files);
      const context = {
        settings: this.opts.settings,
        policy: this.opts.policy,
        parentEnv: this.opts.parentEnv,
        executables: this.executables,
        groups: this.opts.groups,
        kubectlCaches: this.opts.kubectlCaches,
      };
      const outcome = await runSteps(context, { res, streaming, input, decisions, workDir, signal: controller.signal });
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

  private answer(res: http.ServerResponse, streaming: boolean, result: ExecResult): void {
    if (streaming) {
      startStream(res);
      endStream(res, streamSummary(result));
    } else {
      sendJson(res, 200, result);
    }
    armStuckClientTimer(res, this.opts.settings.clientTimeoutMs);
  }

  private refuse(res: http.ServerResponse, err: unknown, finishAudit: FinishAudit): void {
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
    sendError(res, err);
  }

  private internalError(res: http.ServerResponse, err: unknown): void {
    // The detail goes to the server log only; callers get a code.
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `${JSON.stringify({ ts: new Date().toISOString(), event: 'exec_internal_error', message })}\n`,
    );
    if (res.headersSent) {
      if (!res.writableEnded) {
        endStream(res, { summary: true, error: { code: 'internal_error', message: 'the exec server failed' } });
      }
    } else {
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

function headerId(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && REQUEST_ID_RE.test(value) ? value : undefined;
}
