// ExecClient against the real exec server CLI (exec/test/harness.ts): typed errors, retries for busy and
// unreachable only, correlation ids in the audit, redaction, streaming and cancel.
import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { markedProcesses, startServer, waitFor, type RunningServer } from '../../exec/test/harness';
import {
  ExecBadRequestError,
  ExecBusyError,
  ExecCancelledError,
  ExecClient,
  ExecCommandFailedError,
  ExecDeniedError,
  ExecTimeoutError,
  ExecUnauthorizedError,
  ExecUnreachableError,
  parseRetryAfter,
  type ExecStreamLine,
} from '../exec-client';

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('ExecClient', () => {
  let s: RunningServer;
  let client: ExecClient;
  beforeAll(async () => {
    s = await startServer({ EXEC_MAX_CONCURRENCY: '1', EXEC_MAX_QUEUE: '0', EXEC_RETRY_AFTER_SECONDS: '1' });
    client = new ExecClient({ baseUrl: s.url, token: s.token, caller: 'client-test', baseDelayMs: 50 });
  });
  afterAll(async () => {
    await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'children gone');
    await s.stop();
  });

  it('runs a command and returns the contract fields', async () => {
    const r = await client.run({ argv: ['emit', '3'], request_id: 'client-run-1' });
    expect(r).toMatchObject({ request_id: 'client-run-1', exit_code: 0, stdout: 'xxx\n', timed_out: false });
  });

  it('sends a correlation id and caller the server records', async () => {
    await client.run({ argv: ['emit', '1'], request_id: 'client-corr-1' }, { correlationId: 'orch-42' });
    await waitFor(() => s.audit().some((a) => a.request_id === 'client-corr-1'));
    expect(s.audit().find((a) => a.request_id === 'client-corr-1')).toMatchObject({
      correlation_id: 'orch-42',
      caller: { name: 'client-test' },
    });
  });

  it('throws ExecUnauthorizedError for a wrong token, without retrying', async () => {
    const bad = new ExecClient({ baseUrl: s.url, token: 'not-the-token' });
    const err = await rejectionOf(bad.run({ argv: ['emit', '1'], request_id: 'client-unauth' }));
    expect(err).toBeInstanceOf(ExecUnauthorizedError);
    expect(s.audit().filter((a) => a.outcome === 'unauthorized' && a.request_id === null).length).toBeGreaterThan(0);
  });

  it('throws ExecDeniedError with the rule', async () => {
    const err = await rejectionOf(client.run({ argv: ['kubectl', '--kubeconfig', 'k', 'exec', 'pod'] }));
    expect(err).toBeInstanceOf(ExecDeniedError);
    expect((err as ExecDeniedError).rule).toBe('binaries.kubectl.commands');
    expect((err as ExecDeniedError).status).toBe(403);
  });

  it('throws ExecBadRequestError for a request the server refuses as malformed', async () => {
    const err = await rejectionOf(client.run({ argv: ['emit'], timeout_seconds: 99999 }));
    expect(err).toBeInstanceOf(ExecBadRequestError);
    expect((err as ExecBadRequestError).code).toBe('timeout_out_of_range');
  });

  it('returns a non-zero exit as a result, or throws ExecCommandFailedError when asked', async () => {
    const r = await client.run({ argv: ['emit', '2', '2', '5'] });
    expect(r.exit_code).toBe(5);
    const err = await rejectionOf(client.run({ argv: ['emit', '2', '2', '5'] }, { failOnNonZero: true }));
    expect(err).toBeInstanceOf(ExecCommandFailedError);
    expect((err as ExecCommandFailedError).result?.exit_code).toBe(5);
  });

  it('returns a timed-out result, or throws ExecTimeoutError with it under failOnNonZero', async () => {
    const r = await client.run({ argv: ['sleeper', '60'], timeout_seconds: 1 });
    expect(r).toMatchObject({ timed_out: true, exit_code: 124 });
    const err = await rejectionOf(client.run({ argv: ['sleeper', '60'], timeout_seconds: 1 }, { failOnNonZero: true }));
    expect(err).toBeInstanceOf(ExecTimeoutError);
    expect((err as ExecTimeoutError).result?.exit_code).toBe(124);
    expect((err as ExecTimeoutError).result?.stdout).toContain('started');
  });

  it('retries 503 busy honouring Retry-After, then succeeds once the slot frees', async () => {
    const holder = client.run({ argv: ['sleeper', '2'], request_id: 'client-holder' });
    await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'holder start');
    const started = Date.now();
    const r = await client.run({ argv: ['emit', '1'], request_id: 'client-busy-retry' });
    expect(r.exit_code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // it waited at least one Retry-After (1 s)
    await holder;
    const busy = s.audit().filter((a) => a.request_id === 'client-busy-retry' && a.outcome === 'busy');
    expect(busy.length).toBeGreaterThanOrEqual(1);
  });

  it('gives up with ExecBusyError carrying retryAfterSeconds after its attempts', async () => {
    const impatient = new ExecClient({ baseUrl: s.url, token: s.token, maxAttempts: 2, baseDelayMs: 10 });
    const holder = client.run(
      { argv: ['sleeper', '60'], timeout_seconds: 120, request_id: 'client-holder-2' },
      { failOnNonZero: true },
    );
    await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'holder start');
    const err = await rejectionOf(impatient.run({ argv: ['emit', '1'], request_id: 'client-busy-fail' }));
    expect(err).toBeInstanceOf(ExecBusyError);
    expect((err as ExecBusyError).retryAfterSeconds).toBe(1);
    expect(s.audit().filter((a) => a.request_id === 'client-busy-fail' && a.outcome === 'busy')).toHaveLength(2);
    expect(await client.cancel('client-holder-2')).toBe(true);
    const cancelled = await rejectionOf(holder);
    expect(cancelled).toBeInstanceOf(ExecCancelledError);
    expect((cancelled as ExecCancelledError).result?.exit_code).toBe(130);
  });

  it('cancels the server-side command when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = client.run(
      { argv: ['sleeper', '60'], timeout_seconds: 120, request_id: 'client-abort' },
      {
        signal: controller.signal,
      },
    );
    await waitFor(() => markedProcesses(s.marker).length >= 2, 30_000, 'sleeper start');
    controller.abort();
    expect(await rejectionOf(pending)).toBeInstanceOf(ExecCancelledError);
    await waitFor(() => markedProcesses(s.marker).length === 0, 30_000, 'sleeper killed');
    const execLine = () => s.audit().find((a) => a.request_id === 'client-abort' && a.route === 'exec');
    await waitFor(() => execLine() !== undefined, 30_000, 'audit line');
    expect(execLine()?.outcome).toMatch(/cancelled|client_aborted/);
    expect(await client.cancel('client-abort')).toBe(false);
  });

  it('streams redacted lines and returns the summary', async () => {
    const lines: ExecStreamLine[] = [];
    const r = await client.stream({ argv: ['emit', '20', '10'] }, (line) => lines.push(line));
    expect(r.exit_code).toBe(0);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
  });

  it('streams a multi-step request: each line names its step, the summary lists every step without text', async () => {
    const lines: ExecStreamLine[] = [];
    const r = await client.stream({ steps: [{ argv: ['emit', '10'] }, { argv: ['emit', '10', '10', '3'] }] }, (line) =>
      lines.push(line),
    );
    expect(r.exit_code).toBe(3);
    expect(r.steps?.map((step) => [step.exit_code, step.stdout, step.stderr])).toEqual([
      [0, '', ''],
      [3, '', ''],
    ]);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.step)).toEqual([0, 1]);
  });

  it('redacts secrets in what it returns', async () => {
    const r = await client.run({
      argv: ['echo-stdin'],
      stdin:
        '{"accessToken": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefgh", "x": 1}\nhttps://a/b?sv=1&sig=SECRETSIG\n',
    });
    expect(r.stdout).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(r.stdout).not.toContain('SECRETSIG');
    expect(r.stdout).toContain('"x": 1');
    const lines: string[] = [];
    await client.stream({ argv: ['echo-stdin'], stdin: 'AccountKey=abc123==;\n' }, (l) => lines.push(l.line));
    expect(lines.join('\n')).not.toContain('abc123');
  });

  it('marks refusals as not run: a wrong token (401) and a policy denial (403)', async () => {
    const wrong = new ExecClient({ baseUrl: s.url, token: 'w'.repeat(40) });
    const unauthorized = await rejectionOf(wrong.run({ argv: ['emit', '1'] }));
    expect(unauthorized).toBeInstanceOf(ExecUnauthorizedError);
    expect((unauthorized as ExecUnauthorizedError).notRun).toBe(true);
  });

  it('reports health', async () => {
    expect(await client.health()).toMatchObject({ status: 'ok', max_concurrency: 1 });
  });
});

describe('ExecClient when the server is not there', () => {
  it('throws ExecUnreachableError after its retries', async () => {
    const port = await freePort();
    const client = new ExecClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't', maxAttempts: 3, baseDelayMs: 10 });
    const err = await rejectionOf(client.run({ argv: ['emit', '1'] }));
    expect(err).toBeInstanceOf(ExecUnreachableError);
    expect(err.message).toContain('ECONNREFUSED');
    // Never connected: the command certainly did not run.
    expect((err as ExecUnreachableError).notRun).toBe(true);
  });

  it('keeps retrying a refused connection for retryForMs, then gives up (bounded, not at the first attempts)', async () => {
    const port = await freePort();
    const client = new ExecClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: 't',
      maxAttempts: 1,
      baseDelayMs: 50,
      maxDelayMs: 200,
      retryForMs: 1500,
    });
    const started = Date.now();
    const err = await rejectionOf(client.run({ argv: ['emit', '1'] }));
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(ExecUnreachableError);
    expect((err as ExecUnreachableError).notRun).toBe(true);
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(4000);
  });

  it('a connection lost after the request was sent may have run it: not retried, notRun false', async () => {
    // A server that reads the request and drops the connection without answering (as a killed exec server does).
    const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const port = (server.address() as net.AddressInfo).port;
    let connections = 0;
    server.on('connection', () => connections++);
    try {
      const client = new ExecClient({ baseUrl: `http://127.0.0.1:${port}`, token: 't', retryForMs: 5000 });
      const started = Date.now();
      const err = await rejectionOf(client.run({ argv: ['emit', '1'] }));
      expect(err).toBeInstanceOf(ExecUnreachableError);
      expect((err as ExecUnreachableError).notRun).toBe(false);
      expect(connections).toBe(1);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await new Promise((ok) => server.close(ok));
    }
  });

  it('retries connection refusals until the server comes up', async () => {
    const port = await freePort();
    const token = 'c'.repeat(40);
    const client = new ExecClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token,
      maxAttempts: 40,
      baseDelayMs: 200,
      maxDelayMs: 1000,
    });
    const pending = client.run({ argv: ['kubectl', 'version', '--client'] });
    const s = await startServer({ EXEC_PORT: String(port), EXEC_TOKEN: token });
    try {
      const r = await pending;
      expect(r.request_id).toBeTruthy();
    } finally {
      await s.stop();
    }
  });

  it('refuses a base URL carrying credentials or a missing token', () => {
    expect(() => new ExecClient({ baseUrl: 'http://u:p@127.0.0.1:1', token: 't' })).toThrow(/credentials/);
    expect(() => new ExecClient({ baseUrl: 'http://127.0.0.1:1', token: '' })).toThrow(/token/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(new Date(10_000 + 5000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
