// The Kubernetes REST surface over plain HTTP: routing, content negotiation, list chunking, watch streams,
// Status errors and the API faults (latency, 5xx). Semantics live in ClusterApi.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ApiError, badRequest } from './status';
import { isObject, type KObject } from './object';
import { apiVersionOf, findByPlural, type ResourceType } from './resources';
import {
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiV3Doc,
  openApiV3Root,
  SERVER_VERSION,
} from './discovery';
import { matchesFields, matchesObjectLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import { toTable } from './table';
import type { ClusterApi, PatchType, Propagation } from './api';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import type { StoreEvent } from './store';
import type { FaultRegistry } from '../faults';

const MAX_BODY = 3 * 1024 * 1024;

export interface K8sHttpDeps {
  api: ClusterApi;
  faults: FaultRegistry;
  serverAddress: () => string;
  log?: (line: string) => void;
}

interface Route {
  t: ResourceType;
  ns: string | undefined;
  name: string | undefined;
  sub: 'status' | 'scale' | undefined;
}

const SCALABLE = new Set(['deployments', 'replicasets']);

/** The handler behind the guard (sim/sim.ts), which has already parsed and checked the request-target. */
export function createK8sHandler(
  deps: K8sHttpDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const started = Date.now();
    res.on('finish', () => deps.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    await handle(deps, req, res, url).catch((err: unknown) => sendError(res, err));
  };
}

async function handle(deps: K8sHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  await injectApiFaults(deps.faults);
  if (path === '/version') return sendJson(res, 200, SERVER_VERSION);
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('ok');
    return;
  }
  if (path === '/api') return sendJson(res, 200, apiVersions(deps.serverAddress()));
  if (path === '/apis') return sendJson(res, 200, apiGroupList());
  if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Root());
  if (path === '/openapi/v2') throw new ApiError(404, 'NotFound', 'the sim serves OpenAPI v3 only (/openapi/v3)');
  if (path.startsWith('/openapi/v3/')) {
    const m = path.match(/^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
    const doc = m ? (m[1] ? openApiV3Doc('', m[1]) : openApiV3Doc(m[2]!, m[3]!)) : undefined;
    if (!doc) throw new ApiError(404, 'NotFound', `the server could not find the requested resource`);
    return sendJson(res, 200, doc);
  }
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string | undefined;
  let rest: string[];
  if (segs[0] === 'api') {
    group = '';
    version = segs[1];
    rest = segs.slice(2);
  } else if (segs[0] === 'apis') {
    group = segs[1] ?? '';
    version = segs[2];
    rest = segs.slice(3);
    if (!version) {
      const g = apiGroup(group);
      if (!g) throw notFoundPath();
      return sendJson(res, 200, g);
    }
  } else throw notFoundPath();
  if (!version) throw notFoundPath();
  if (rest.length === 0) {
    const list = apiResourceList(group, version);
    if (!list) throw notFoundPath();
    return sendJson(res, 200, list);
  }
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  const route = parseRoute(group, version, rest);
  const watch = legacyWatch || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
  await serveResource(deps, req, res, route, url.searchParams, watch);
}

function notFoundPath(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function parseRoute(group: string, version: string, rest: string[]): Route {
  let ns: string | undefined;
  let parts = rest;
  if (parts[0] === 'namespaces' && parts.length >= 3 && parts[2] !== 'status' && parts[2] !== 'finalize') {
    ns = parts[1];
    parts = parts.slice(2);
  }
  const [plural, name, sub, ...extra] = parts;
  const t = plural ? findByPlural(group, version, plural) : undefined;
  if (!t || extra.length > 0) throw notFoundPath();
  if (sub !== undefined && !(sub === 'status' && t.hasStatus) && !(sub === 'scale' && SCALABLE.has(t.plural))) {
    throw notFoundPath();
  }
  if (!t.namespaced && ns !== undefined) throw notFoundPath();
  return { t, ns, name, sub: sub === 'status' || sub === 'scale' ? sub : undefined };
}

async function serveResource(
  deps: K8sHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  r: Route,
  q: URLSearchParams,
  watch: boolean,
): Promise<void> {
  const { api } = deps;
  const method = req.method ?? 'GET';
  const dryRun = parseDryRun(q);
  const fieldManager = q.get('fieldManager') ?? managerFromUserAgent(req.headers['user-agent']);
  if (r.t.namespaced && !r.ns && r.name !== undefined) throw notFoundPath();
  const wantsTable = acceptsTable(req.headers.accept);
  if (r.sub === 'scale') return serveScale(api, req, res, r as Route & { name: string }, dryRun, fieldManager);
  const sub = r.sub === 'status' ? { subresource: 'status' as const } : {};
  if (method === 'GET') {
    if (watch) return serveWatch(deps, req, res, r, q, wantsTable);
    if (r.name !== undefined) {
      const o = api.get(r.t, r.ns, r.name);
      return sendJson(res, 200, wantsTable ? toTable(r.t.kind, [o], o.metadata.resourceVersion) : o);
    }
    return serveList(api, res, r, q, wantsTable);
  }
  if (method === 'POST') {
    if (r.name !== undefined || (r.t.namespaced && !r.ns))
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const body = await readJson(req);
    const o = api.create(r.t, r.ns, body, { dryRun, fieldManager });
    return sendJson(res, 201, o);
  }
  if (method === 'PUT') {
    if (r.name === undefined)
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const body = await readJson(req);
    const o = api.update(r.t, r.ns, r.name, body, { dryRun, fieldManager, ...sub });
    return sendJson(res, 200, o);
  }
  if (method === 'PATCH') {
    if (r.name === undefined)
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const type = patchType(req.headers['content-type']);
    const body = await readJson(req);
    const force = q.get('force') === 'true';
    const manager = type === 'apply' ? (q.get('fieldManager') ?? undefined) : fieldManager;
    const { object, created } = api.patch(r.t, r.ns, r.name, type, body, {
      dryRun,
      force,
      ...(manager ? { fieldManager: manager } : {}),
      ...sub,
    });
    return sendJson(res, created ? 201 : 200, object);
  }
  if (method === 'DELETE') {
    const body = await readJson(req, true);
    const opts = deleteOptions(q, body);
    if (r.name === undefined) {
      const deleted = api.deleteCollection(r.t, r.ns, {
        ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
        ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
        dryRun: opts.dryRun,
      });
      return sendJson(res, 200, listBody(r.t, deleted, String(api.store.resourceVersion)));
    }
    const o = api.delete(r.t, r.ns, r.name, opts);
    return sendJson(res, 200, o);
  }
  throw new ApiError(405, 'MethodNotAllowed', `the server does not allow method ${method}`);
}

/** The autoscaling/v1 Scale view of a Deployment or ReplicaSet (`kubectl scale` reads and patches it). */
function scaleOf(o: KObject): Record<string, unknown> {
  const selector =
    isObject(o.spec) && isObject(o.spec.selector) && isObject(o.spec.selector.matchLabels)
      ? o.spec.selector.matchLabels
      : {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: o.metadata.name,
      namespace: o.metadata.namespace,
      uid: o.metadata.uid,
      resourceVersion: o.metadata.resourceVersion,
      creationTimestamp: o.metadata.creationTimestamp,
    },
    spec: { replicas: isObject(o.spec) ? o.spec.replicas : 0 },
    status: {
      replicas: isObject(o.status) && typeof o.status.replicas === 'number' ? o.status.replicas : 0,
      selector: Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}

async function serveScale(
  api: ClusterApi,
  req: IncomingMessage,
  res: ServerResponse,
  r: Route & { name: string },
  dryRun: boolean,
  fieldManager: string,
): Promise<void> {
  const current = api.get(r.t, r.ns, r.name);
  const method = req.method ?? 'GET';
  if (method === 'GET') return sendJson(res, 200, scaleOf(current));
  let desired: unknown;
  const body = await readJson(req);
  if (method === 'PUT') desired = body;
  else if (method === 'PATCH') {
    const type = patchType(req.headers['content-type']);
    const base = scaleOf(current);
    desired =
      type === 'json'
        ? jsonPatch(base, body)
        : type === 'apply'
          ? body
          : type === 'merge'
            ? mergePatch(base, body)
            : strategicMergePatch(base, body);
  } else throw new ApiError(405, 'MethodNotAllowed', `the server does not allow method ${method} on scale`);
  const replicas = isObject(desired) && isObject(desired.spec) ? desired.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      422,
      'Invalid',
      `Scale.autoscaling "${r.name}" is invalid: spec.replicas: Invalid value: must be greater than or equal to 0`,
    );
  }
  const { object } = api.patch(r.t, r.ns, r.name, 'merge', { spec: { replicas } }, { dryRun, fieldManager });
  sendJson(res, 200, scaleOf(object));
}

function serveList(api: ClusterApi, res: ServerResponse, r: Route, q: URLSearchParams, wantsTable: boolean): void {
  const rv = String(api.store.resourceVersion);
  let items = api.list(r.t, r.ns, {
    ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
    ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
  });
  const limit = Number(q.get('limit') ?? 0);
  const cont = q.get('continue');
  let offset = 0;
  if (cont) {
    try {
      const decoded = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { offset?: unknown };
      if (typeof decoded.offset !== 'number') throw new Error('bad token');
      offset = decoded.offset;
    } catch {
      throw badRequest('the provided continue parameter is not valid');
    }
  }
  const total = items.length;
  items = items.slice(offset);
  const meta: Record<string, unknown> = { resourceVersion: rv };
  if (limit > 0 && items.length > limit) {
    items = items.slice(0, limit);
    meta.continue = Buffer.from(JSON.stringify({ offset: offset + limit })).toString('base64url');
    meta.remainingItemCount = total - offset - limit;
  }
  if (wantsTable) {
    const table = toTable(r.t.kind, items, rv);
    (table.metadata as Record<string, unknown>) = meta;
    return sendJson(res, 200, table);
  }
  const body = listBody(r.t, items, rv);
  body.metadata = meta;
  sendJson(res, 200, body);
}

function listBody(t: ResourceType, items: KObject[], rv: string): Record<string, unknown> {
  return { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: rv }, items };
}

function serveWatch(
  deps: K8sHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  r: Route,
  q: URLSearchParams,
  wantsTable: boolean,
): void {
  const { api } = deps;
  const labels = q.get('labelSelector') ? parseLabelSelector(q.get('labelSelector')!) : [];
  const fieldSel = q.get('fieldSelector') ? parseFieldSelector(q.get('fieldSelector')!, r.t.kind) : [];
  if (r.name !== undefined) fieldSel.push({ path: 'metadata.name', op: '=', value: r.name });
  const inScope = (o: KObject | undefined): boolean =>
    !!o &&
    (!r.t.namespaced || !r.ns || o.metadata.namespace === r.ns) &&
    matchesObjectLabels(o, labels) &&
    matchesFields(o, fieldSel);
  const rvParam = q.get('resourceVersion') ?? '';
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Math.min(Number(q.get('timeoutSeconds') ?? 1800) || 1800, 3600);

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.flushHeaders();
  const wrap = (o: KObject): unknown => (wantsTable ? toTable(r.t.kind, [o], o.metadata.resourceVersion) : o);
  const write = (type: string, object: unknown): void => {
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const translate = (e: StoreEvent): void => {
    const now = inScope(e.object);
    const before = e.old ? inScope(e.old) : false;
    if (e.type === 'DELETED') {
      if (before || now) write('DELETED', wrap(e.object));
    } else if (now && before) write('MODIFIED', wrap(e.object));
    else if (now) write('ADDED', wrap(e.object));
    else if (before) write('DELETED', wrap({ ...e.object }));
  };

  let closed = false;
  const unsubscribe = api.store.subscribe((e) => {
    if (!closed && e.resource === r.t) translate(e);
  });
  const bookmark = (extra?: Record<string, string>): void =>
    write('BOOKMARK', {
      kind: r.t.kind,
      apiVersion: apiVersionOf(r.t),
      metadata: { resourceVersion: String(api.store.resourceVersion), ...(extra ? { annotations: extra } : {}) },
    });
  if (rvParam === '' || rvParam === '0' || sendInitial) {
    for (const o of api.store.list(r.t, r.t.namespaced ? r.ns : undefined)) if (inScope(o)) write('ADDED', wrap(o));
    if (sendInitial) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const from = Number(rvParam);
    if (!Number.isInteger(from)) throw badRequest(`invalid resourceVersion "${rvParam}"`);
    const past = api.store.eventsSince(r.t, from);
    if (past === 'gone') {
      write(
        'ERROR',
        new ApiError(410, 'Expired', `too old resource version: ${from} (${api.store.resourceVersion})`).toStatus(),
      );
      closed = true;
      unsubscribe();
      res.end();
      return;
    }
    for (const e of past) translate(e);
  }
  const ticker = bookmarks ? setInterval(() => bookmark(), 10_000) : undefined;
  const stop = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    if (ticker) clearInterval(ticker);
    clearTimeout(timer);
    res.end();
  };
  const timer = setTimeout(stop, timeoutSeconds * 1000);
  req.on('close', stop);
  res.on('close', stop);
}

async function injectApiFaults(faults: FaultRegistry): Promise<void> {
  const latency = faults.of('api_latency').reduce((max, f) => Math.max(max, f.ms), 0);
  if (latency > 0) await new Promise((r) => setTimeout(r, latency));
  for (const f of faults.of('api_errors')) {
    if (Math.random() < f.rate) {
      throw f.status === 503
        ? new ApiError(
            503,
            'ServiceUnavailable',
            'the server is currently unable to handle the request (injected fault)',
            { retryAfterSeconds: 1 },
          )
        : new ApiError(
            500,
            'InternalError',
            'an error on the server ("injected fault") has prevented the request from succeeding',
          );
    }
  }
}

function parseDryRun(q: URLSearchParams): boolean {
  const v = q.getAll('dryRun');
  if (v.length === 0) return false;
  if (v.every((x) => x === 'All')) return true;
  throw badRequest(`Invalid dryRun value "${v.join(',')}": valid values are "All"`);
}

/** Kubernetes names an unnamed writer after its User-Agent's first word (`kubectl/v1.32 …` → `kubectl`). */
function managerFromUserAgent(ua: string | undefined): string {
  const first = (ua ?? '').split('/')[0]?.trim();
  return first ? first.slice(0, 128) : 'unknown';
}

function acceptsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

function patchType(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
      return 'apply';
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

function deleteOptions(
  q: URLSearchParams,
  body: unknown,
): { dryRun: boolean; propagation?: Propagation; preconditionUid?: string; preconditionRv?: string } {
  const b = isObject(body) ? body : {};
  const dryRun = parseDryRun(q) || (Array.isArray(b.dryRun) && b.dryRun.includes('All'));
  const raw = q.get('propagationPolicy') ?? (typeof b.propagationPolicy === 'string' ? b.propagationPolicy : undefined);
  if (raw !== undefined && raw !== 'Background' && raw !== 'Foreground' && raw !== 'Orphan') {
    throw badRequest(`unsupported propagationPolicy "${raw}"`);
  }
  const out: { dryRun: boolean; propagation?: Propagation; preconditionUid?: string; preconditionRv?: string } = {
    dryRun,
  };
  if (raw) out.propagation = raw;
  if (b.orphanDependents === true) out.propagation = 'Orphan';
  const pre = isObject(b.preconditions) ? b.preconditions : {};
  if (typeof pre.uid === 'string') out.preconditionUid = pre.uid;
  if (typeof pre.resourceVersion === 'string') out.preconditionRv = pre.resourceVersion;
  return out;
}

async function readJson(req: IncomingMessage, optional = false): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY)
      throw new ApiError(413, 'RequestEntityTooLarge', 'the request body is too large (limit 3 MiB)');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') {
    if (optional) return undefined;
    throw badRequest('the request body is empty');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json (the sim does not decode protobuf or YAML bodies)',
    );
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    'Audit-Id': randomUUID(),
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const e =
    err instanceof ApiError
      ? err
      : new ApiError(
          500,
          'InternalError',
          `an error on the server ("${err instanceof Error ? err.message : String(err)}") has prevented the request from succeeding`,
        );
  if (res.headersSent) {
    res.end();
    return;
  }
  if (e.details?.retryAfterSeconds) res.setHeader('Retry-After', String(e.details.retryAfterSeconds));
  sendJson(res, e.code, e.toStatus());
}
