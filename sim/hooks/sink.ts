// The sim's webhook sink (docs/sim.md "Webhook sink"): stands in for Teams, Slack or any JSON receiver while the app
// runs locally. It accepts POSTs at /hooks/<name>, keeps the last requests in memory and lists them at
// GET /_sim/notifications (DELETE clears them), so `local-run.sh notifications` and the tests can see exactly what was
// sent. On demand it answers the next requests with an error or drops their connection, to watch the app retry.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, methodNotAllowed, readBody, type GuardedHandler } from '../../devhost/http-guard';

/** One request the sink received. */
export interface SinkRecord {
  /** 1, 2, 3 … since the sim started (a cleared list keeps counting). */
  seq: number;
  time: string;
  path: string;
  /** The `<name>` of /hooks/<name>. */
  name: string;
  content_type: string | null;
  /** What the sink answered: 200, an injected error status, or 0 for a dropped connection. */
  answered: number;
  /** The body, parsed when it is JSON (else the text, cut at 4 KiB). */
  body: unknown;
}

/** Injected trouble for the next `remaining` requests: an error status (with Retry-After) or a dropped connection. */
export interface SinkFailure {
  status: number | 'reset';
  remaining: number;
  retry_after_seconds: number | null;
}

export const SINK_LIMIT = 200;
const MAX_BODY_BYTES = 256 * 1024;
const NAME = /^[a-z0-9]([-a-z0-9]{0,62}[a-z0-9])?$/;

export class WebhookSink {
  private records: SinkRecord[] = [];
  private seq = 0;
  private failure: SinkFailure | null = null;

  constructor(private readonly limit = SINK_LIMIT) {}

  list(): SinkRecord[] {
    return [...this.records];
  }

  clear(): number {
    const n = this.records.length;
    this.records = [];
    return n;
  }

  /** The HTTP handler for the sink's port. */
  readonly handler: GuardedHandler = async (req, res, url) => {
    const path = url.pathname.replace(/\/+$/, '');
    const method = req.method ?? 'GET';
    const hook = path.match(/^\/hooks\/([^/]+)$/);
    if (hook) {
      if (method !== 'POST') throw methodNotAllowed(['POST']);
      if (!NAME.test(hook[1]!)) return send(res, 404, { code: 'not_found', message: 'hook names are DNS labels' });
      return this.receive(req, res, path, hook[1]!);
    }
    if (path === '/_sim/notifications') {
      if (method === 'GET') return send(res, 200, { notifications: this.list(), failure: this.failure });
      if (method === 'DELETE') return send(res, 200, { removed: this.clear() });
      throw methodNotAllowed(['GET', 'DELETE']);
    }
    if (path === '/_sim/notifications/failures') {
      if (method === 'POST') {
        this.failure = parseFailure(await readJson(req));
        return send(res, 201, this.failure);
      }
      if (method === 'DELETE') {
        this.failure = null;
        return send(res, 200, { removed: 1 });
      }
      throw methodNotAllowed(['POST', 'DELETE']);
    }
    return send(res, 404, { code: 'not_found', message: 'POST /hooks/<name>, or GET/DELETE /_sim/notifications' });
  };

  private async receive(req: IncomingMessage, res: ServerResponse, path: string, name: string): Promise<void> {
    const raw = await readBody(req, MAX_BODY_BYTES);
    const contentType = req.headers['content-type'] ?? null;
    const text = raw.toString('utf8');
    let body: unknown = text.slice(0, 4096);
    if (contentType?.toLowerCase().includes('json')) {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // kept as text: the list shows what arrived
      }
    }
    const failure = this.takeFailure();
    const answered = failure === null ? 200 : failure.status === 'reset' ? 0 : failure.status;
    this.records.push({
      seq: ++this.seq,
      time: new Date().toISOString(),
      path,
      name,
      content_type: contentType,
      answered,
      body,
    });
    if (this.records.length > this.limit) this.records.splice(0, this.records.length - this.limit);
    if (failure?.status === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure) {
      const headers: Record<string, string> =
        failure.retry_after_seconds === null ? {} : { 'Retry-After': String(failure.retry_after_seconds) };
      return send(res, answered, { code: 'injected', message: `the sink answers ${answered} on demand` }, headers);
    }
    // Slack answers `ok` as text; Teams Workflows 202 with no body. Either way a 2xx is all a sender reads.
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 2 });
    res.end('ok');
  }

  private takeFailure(): SinkFailure | null {
    const f = this.failure;
    if (!f) return null;
    f.remaining -= 1;
    if (f.remaining <= 0) this.failure = null;
    return f;
  }
}

function parseFailure(raw: unknown): SinkFailure {
  const v = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const status = v.status;
  if (status !== 'reset' && !(Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599))
    throw new HttpError('invalid_failure', 'status must be an HTTP status from 400 to 599, or "reset"', 400);
  const count = v.count ?? 1;
  if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 1000)
    throw new HttpError('invalid_failure', 'count must be a whole number from 1 to 1000', 400);
  const retryAfter = v.retry_after_seconds ?? null;
  if (
    retryAfter !== null &&
    !(Number.isInteger(retryAfter) && (retryAfter as number) >= 0 && (retryAfter as number) <= 3600)
  )
    throw new HttpError('invalid_failure', 'retry_after_seconds must be a whole number from 0 to 3600', 400);
  return {
    status: status as number | 'reset',
    remaining: count as number,
    retry_after_seconds: retryAfter as number | null,
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, 16 * 1024);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError('invalid_json', 'the body must be JSON', 400);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * One readable line for a received request, whatever its format: the generic JSON event, a Slack message (its
 * `text`) or a Teams Adaptive Card (its fallback text or first text blocks).
 */
export function describeRecord(r: SinkRecord): string {
  const status = r.answered === 0 ? 'dropped' : String(r.answered);
  return `${r.time}  ${r.name}  ${status}  ${summaryOf(r.body)}`;
}

function summaryOf(body: unknown): string {
  const b = (typeof body === 'object' && body !== null ? body : null) as Record<string, unknown> | null;
  if (!b) return `text: ${String(body).replace(/\s+/g, ' ').slice(0, 200)}`;
  if (typeof b.schema === 'string' && typeof b.kind === 'string') {
    const error = (b.error as { code?: unknown } | null)?.code;
    const parts = [
      `json ${b.kind} ${String(b.target)}`,
      b.tag ? `tag ${String(b.tag)}` : null,
      b.outcome ? `outcome ${String(b.outcome)}` : null,
      typeof error === 'string' ? `error ${error}` : null,
      b.deploy_id ? `deploy ${String(b.deploy_id)}` : null,
    ];
    return parts.filter((p) => p !== null).join(', ');
  }
  if (typeof b.text === 'string') return `slack ${b.text.slice(0, 300)}`;
  const card = (
    b.attachments as { content?: { fallbackText?: unknown; body?: { text?: unknown }[] } }[] | undefined
  )?.[0]?.content;
  if (card) {
    const text =
      typeof card.fallbackText === 'string'
        ? card.fallbackText
        : (card.body ?? []).flatMap((x) => (typeof x.text === 'string' ? [x.text] : [])).join(' — ');
    return `teams ${text.slice(0, 300)}`;
  }
  return `json ${JSON.stringify(b).slice(0, 200)}`;
}
