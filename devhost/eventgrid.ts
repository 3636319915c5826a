import type { IncomingMessage, ServerResponse } from 'node:http';
import { DevhostError } from './errors.js';
import type { Invoker } from './invoke.js';
import { methodNotAllowed } from './http-guard.js';
import { parseJsonBody, readBody, sendJson } from './http-util.js';
import type { Registry } from './registry.js';

export const EVENT_GRID_PATH = '/runtime/webhooks/eventgrid';

/**
 * The Event Grid extension's webhook: `POST /runtime/webhooks/EventGrid?functionName=NAME`. `aeg-event-type:
 * SubscriptionValidation` answers the handshake with the validation code; `Notification` delivers a batch, one
 * invocation per event, 202 when all succeeded and 500 otherwise so Event Grid retries. Any other delivery (a
 * CloudEvents envelope, no header) is 400. CloudEvents' OPTIONS handshake is answered, as the host does.
 */
export async function handleEventGrid(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  registry: Registry,
  invoker: Invoker,
): Promise<boolean> {
  if (url.pathname.toLowerCase().replace(/\/+$/, '') !== EVENT_GRID_PATH) return false;
  if (req.method === 'OPTIONS') {
    const origin = req.headers['webhook-request-origin'];
    res.writeHead(
      200,
      typeof origin === 'string' ? { 'webhook-allowed-origin': origin, 'content-length': 0 } : { 'content-length': 0 },
    );
    res.end();
    return true;
  }
  if (req.method !== 'POST') throw methodNotAllowed(['OPTIONS', 'POST']);
  const name = url.searchParams.get('functionName');
  if (!name) throw new DevhostError('function_name_required', 'The functionName query parameter is required.', 400);
  const fn = registry.find(name, 'eventGridTrigger');
  if (!fn) throw new DevhostError('unknown_function', `No Event Grid function named '${name}'.`, 404);
  const body = parseJsonBody(await readBody(req));
  const kind = String(req.headers['aeg-event-type'] ?? '');
  const events = Array.isArray(body) ? (body as unknown[]) : body === undefined ? [] : [body];

  if (kind === 'SubscriptionValidation') {
    const code = (events[0] as { data?: { validationCode?: unknown } } | undefined)?.data?.validationCode;
    if (typeof code !== 'string' || code === '')
      throw new DevhostError('bad_validation_event', 'The validation event has no data.validationCode.', 400);
    sendJson(res, 200, { validationResponse: code });
    return true;
  }
  // Only the Event Grid schema's two deliveries, as the Functions host's extension takes them: a CloudEvents
  // envelope or a missing header is refused before any function runs.
  if (kind !== 'Notification') {
    throw new DevhostError(
      'bad_event_type_header',
      `aeg-event-type must be Notification or SubscriptionValidation, got '${kind.slice(0, 64)}'.`,
      400,
    );
  }
  for (const event of events) {
    if (event === null || typeof event !== 'object')
      throw new DevhostError('bad_event', 'Every event in the batch must be a JSON object.', 400);
  }
  let failed = 0;
  for (const event of events) {
    const outcome = await invoker.invoke(fn, event);
    if (outcome.error !== undefined) failed++;
  }
  if (failed > 0) {
    // 500 so that Event Grid retries the batch; the invocation log lines carry the causes.
    sendJson(res, 500, {
      code: 'internal_error',
      message: `${failed} of ${events.length} event(s) failed; see the devhost log.`,
    });
    return true;
  }
  res.writeHead(202, { 'content-length': 0 });
  res.end();
  return true;
}
