import type { IncomingMessage, ServerResponse } from 'node:http';
import { DevhostError } from '../errors.js';
import { methodNotAllowed } from '../http-guard.js';
import { parseJsonBody, readBody, sendJson } from '../http-util.js';
import type { DurableEngine } from './engine.js';
import { isTerminal } from './history.js';
import { matchesFilter, pageOf, parseFilter, statusPayload } from './status.js';

export const WEBHOOK_BASE = '/runtime/webhooks/durabletask/';
export const RPC_BASE = '/durabletask/';

export interface DurableApiOptions {
  engine: DurableEngine;
  hubName: string;
  /** http://host:port of this devhost, for the URLs handed to clients. */
  origin: () => string;
  /** The system key the handed-out URLs carry (as the extension's do), so whoever holds them can use them. */
  systemKey: string;
}

/** The query every Durable API URL carries: task hub, connection and, as in Azure, the system key as `code`. */
function requiredQuery(hubName: string, systemKey: string): string {
  return `taskHub=${hubName}&connection=Storage&code=${encodeURIComponent(systemKey)}`;
}

/** URLs of the extension's management API for one instance (the shape of HttpManagementPayload). */
export function managementPayload(
  origin: string,
  hubName: string,
  instanceId: string,
  systemKey: string,
): Record<string, string> {
  const base = `${origin}/runtime/webhooks/durabletask/instances/${encodeURIComponent(instanceId)}`;
  const query = requiredQuery(hubName, systemKey);
  return {
    id: instanceId,
    statusQueryGetUri: `${base}?${query}`,
    sendEventPostUri: `${base}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${base}/terminate?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${base}?${query}`,
    rewindPostUri: `${base}/rewind?reason={text}&${query}`,
    restartPostUri: `${base}/restart?${query}`,
    suspendPostUri: `${base}/suspend?reason={text}&${query}`,
    resumePostUri: `${base}/resume?reason={text}&${query}`,
  };
}

/**
 * The durable client binding value the extension would send (see BindingHelper), with the system key in every URL.
 * No `rpcBaseUrl`: the extension's RPC endpoint is a separate listener only the worker can reach, and its URLs
 * cannot carry a key, so the client uses the keyed webhook URLs instead (docs/devhost.md "Keys").
 */
export function durableClientValue(origin: string, hubName: string, systemKey: string): Record<string, unknown> {
  const webhook = `${origin}/runtime/webhooks/durabletask`;
  const query = requiredQuery(hubName, systemKey);
  const management = managementPayload(origin, hubName, 'INSTANCEID', systemKey);
  management.id = 'INSTANCEID';
  return {
    taskHubName: hubName,
    creationUrls: {
      createNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${webhook}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: management,
    baseUrl: webhook,
    requiredQueryStringParameters: query,
  };
}

/** Handles a request under one of the two Durable API bases; returns false when the path is not one of them. */
export async function handleDurableApi(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  options: DurableApiOptions,
): Promise<boolean> {
  const base = [WEBHOOK_BASE, RPC_BASE].find((b) => url.pathname.toLowerCase().startsWith(b));
  if (!base) return false;
  const segments = url.pathname
    .slice(base.length)
    .split('/')
    .map((s) => decodeURIComponent(s));
  if (segments[segments.length - 1] === '') segments.pop();
  const hub = url.searchParams.get('taskHub');
  if (hub && hub.toLowerCase() !== options.hubName.toLowerCase()) {
    throw new DevhostError('unknown_task_hub', `This devhost serves task hub '${options.hubName}', not '${hub}'.`, 404);
  }
  const method = req.method ?? 'GET';
  const { engine } = options;
  const [area, id, action, extra] = segments;
  const allowed = allowedMethods(segments);
  if (allowed && !allowed.includes(method)) throw methodNotAllowed(allowed);

  if (area === 'orchestrators' && method === 'POST' && id && segments.length <= 3) {
    const input = parseJsonBody(await readBody(req));
    const rec = engine.startNew(id, action, input);
    const payload = managementPayload(options.origin(), options.hubName, rec.instanceId, options.systemKey);
    const { id: _placeholder, ...urls } = payload;
    sendJson(
      res,
      202,
      { id: rec.instanceId, ...urls },
      { location: payload.statusQueryGetUri as string, 'retry-after': '10' },
    );
    return true;
  }

  if (area === 'instances' && id === undefined) {
    const filter = parseFilter(url.searchParams);
    const matching = engine.list().filter((rec) => matchesFilter(rec, filter));
    if (method === 'GET') {
      const topText = url.searchParams.get('top');
      const top = topText === null ? undefined : Number(topText);
      if (top !== undefined && (!Number.isInteger(top) || top < 1))
        throw new DevhostError('bad_top', 'top must be a positive integer.');
      const token = header(req, 'x-ms-continuation-token');
      const { page, next } = pageOf(matching, top, token);
      const show = showOptions(url);
      sendJson(
        res,
        200,
        page.map((rec) => statusPayload(rec, show)),
        next ? { 'x-ms-continuation-token': next } : {},
      );
      return true;
    }
    if (method === 'DELETE') {
      const finished = matching.filter((rec) => isTerminal(rec.status));
      for (const rec of finished) engine.purge(rec.instanceId);
      if (finished.length === 0)
        sendJson(res, 404, { code: 'no_instances', message: 'No finished instances match the filter.' });
      else sendJson(res, 200, { instancesDeleted: finished.length });
      return true;
    }
  }

  if (area === 'instances' && id !== undefined) {
    if (action === undefined && method === 'GET') {
      const rec = engine.get(id);
      if (!rec) throw new DevhostError('instance_not_found', `No instance with ID '${id}'.`, 404);
      const payload = statusPayload(rec, showOptions(url));
      if (isTerminal(rec.status)) sendJson(res, 200, payload);
      else {
        const location = managementPayload(options.origin(), options.hubName, id, options.systemKey)
          .statusQueryGetUri as string;
        sendJson(res, 202, payload, { location, 'retry-after': '5' });
      }
      return true;
    }
    if (action === undefined && method === 'DELETE') {
      engine.purge(id);
      sendJson(res, 200, { instancesDeleted: 1 });
      return true;
    }
    if (action === 'raiseEvent' && method === 'POST' && extra) {
      const type = header(req, 'content-type');
      const body = await readBody(req);
      if (body.length > 0 && type && !/json/i.test(type)) {
        throw new DevhostError('unsupported_content_type', 'Event data must be sent as application/json.', 400);
      }
      const data = parseJsonBody(body);
      const outcome = engine.raiseEvent(id, extra, data === undefined ? undefined : JSON.stringify(data));
      sendOutcome(res, outcome);
      return true;
    }
    if ((action === 'terminate' || action === 'suspend' || action === 'resume') && method === 'POST') {
      await readBody(req);
      const reason = url.searchParams.get('reason') ?? undefined;
      const outcome = engine[action](id, reason);
      sendOutcome(res, outcome);
      return true;
    }
    if ((action === 'rewind' || action === 'restart') && method === 'POST') {
      throw new DevhostError('not_implemented', `elb-devhost does not implement ${action}.`, 501);
    }
  }
  if (area === 'entities')
    throw new DevhostError('not_implemented', 'elb-devhost does not implement durable entities.', 501);
  throw new DevhostError('not_found', `No Durable API route for ${method} ${url.pathname}.`, 404);
}

function showOptions(url: URL): { showInput: boolean; showHistory: boolean; showHistoryOutput: boolean } {
  const flag = (name: string, fallback: boolean): boolean => {
    const value = url.searchParams.get(name);
    return value === null ? fallback : value.toLowerCase() === 'true';
  };
  return {
    showInput: flag('showInput', true),
    showHistory: flag('showHistory', false),
    showHistoryOutput: flag('showHistoryOutput', false),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** 202 (accepted, no body) or, for an instance that has finished, 410 with a code. */
function sendOutcome(res: ServerResponse, outcome: unknown): void {
  if (outcome === 'gone') {
    sendJson(res, 410, { code: 'instance_finished', message: 'The instance has already finished.' });
    return;
  }
  res.writeHead(202, { 'content-length': 0 });
  res.end();
}

/** The methods a Durable API path takes, or undefined when the path is not one of its routes (then: 404). */
function allowedMethods(segments: string[]): string[] | undefined {
  const [area, id, action, extra] = segments;
  if (area === 'orchestrators' && id && segments.length <= 3) return ['POST'];
  if (area !== 'instances') return undefined;
  if (segments.length <= 2) return ['GET', 'DELETE'];
  if (action === 'raiseEvent' && extra && segments.length === 4) return ['POST'];
  if (segments.length === 3 && ['terminate', 'suspend', 'resume', 'rewind', 'restart'].includes(action ?? ''))
    return ['POST'];
  return undefined;
}
