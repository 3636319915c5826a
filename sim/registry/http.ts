// The registry's HTTP surface: the ACR data-plane routes @azure/container-registry calls (anonymous pull), the
// OCI distribution read routes (tags/list, manifests, blobs), and the sim's push API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DIGEST,
  IMAGE_DEFECTS,
  REPOSITORY_NAME,
  TAG_NAME,
  type ImageDefect,
  type ManifestRecord,
  type RegistryStore,
  type RepositoryRecord,
} from './store';
import { HttpError, readBody } from '../../devhost/http-guard';
import { deliver, imagePushedEvent, type Delivery, type DeliveryOptions } from './eventgrid';

export interface RegistryHttpDeps {
  store: RegistryStore;
  /** Host name images and ACR responses use for this registry (`127.0.0.1:5001` or `elbacr01.azurecr.io`). */
  loginServer: () => string;
  webhook: string | undefined;
  /** File with the webhook's key (sent as x-functions-key), read at each delivery. */
  webhookKeyFile?: string | undefined;
  topic: string;
  delivery: DeliveryOptions;
  log?: (line: string) => void;
}

const CHANGEABLE = { deleteEnabled: true, writeEnabled: true, readEnabled: true, listEnabled: true };

class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The handler behind the guard (sim/sim.ts), which has already parsed and checked the request-target. */
export function createRegistryHandler(
  deps: RegistryHttpDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    const started = Date.now();
    res.on('finish', () => deps.log?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`));
    await handle(deps, req, res, url).catch((err: unknown) => {
      const e =
        err instanceof RegistryError
          ? err
          : err instanceof HttpError
            ? new RegistryError(err.status, err.code, err.message)
            : new RegistryError(500, 'UNKNOWN', 'internal error');
      if (res.headersSent) return void res.end();
      // A body that was not read to its end cannot leave the connection reusable.
      if (e.status === 413) res.setHeader('Connection', 'close');
      // The sim's own API answers {code, message}; registry routes answer in the registry error format.
      const body = (req.url ?? '').startsWith('/_sim/')
        ? { code: e.code, message: e.message }
        : { errors: [{ code: e.code, message: e.message }] };
      send(res, e.status, body, req.method === 'HEAD');
    });
  };
}

async function handle(deps: RegistryHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const head = method === 'HEAD';
  if (path === '/_sim/push') {
    if (method !== 'POST') {
      res.setHeader('Allow', 'POST');
      throw new RegistryError(405, 'UNSUPPORTED', 'use POST');
    }
    const body = await readJson(req);
    const out = await push(deps, body);
    return send(res, 201, out);
  }
  if (method !== 'GET' && !head) {
    res.setHeader('Allow', 'GET, HEAD');
    throw new RegistryError(405, 'UNSUPPORTED', 'the sim registry is read-only except for POST /_sim/push');
  }
  if (path === '/v2' || path === '/v2/') {
    res.setHeader('Docker-Distribution-Api-Version', 'registry/2.0');
    return send(res, 200, {}, head);
  }
  if (path === '/v2/_catalog' || path === '/acr/v1/_catalog') {
    const names = page(deps.store.repositories(), url, (n) => n, res, path);
    return send(res, 200, { repositories: names }, head);
  }
  let m = path.match(/^\/v2\/(.+)\/tags\/list$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    return send(res, 200, { name: repo.name, tags: Object.keys(repo.tags).sort() }, head);
  }
  m = path.match(/^\/v2\/(.+)\/manifests\/([^/]+)$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    const manifest = deps.store.resolve(repo.name, decodeURIComponent(m[2]!));
    if (!manifest) throw new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    res.writeHead(200, {
      'Content-Type': manifest.mediaType,
      'Content-Length': Buffer.byteLength(manifest.content),
      'Docker-Content-Digest': manifest.digest,
      'Docker-Distribution-Api-Version': 'registry/2.0',
      ETag: `"${manifest.digest}"`,
    });
    res.end(head ? undefined : manifest.content);
    return;
  }
  m = path.match(/^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    const blob = deps.store.blob(repo.name, m[2]!);
    if (!blob) throw new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': Buffer.byteLength(blob),
      'Docker-Content-Digest': m[2]!,
    });
    res.end(head ? undefined : blob);
    return;
  }
  m = path.match(/^\/acr\/v1\/(.+?)\/_tags(?:\/([^/]+))?$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    if (m[2]) {
      const tag = repo.tags[decodeURIComponent(m[2])];
      if (!tag) throw new RegistryError(404, 'TAG_UNKNOWN', `the specified tag does not exist`);
      return send(res, 200, { registry: deps.loginServer(), imageName: repo.name, tag: tagBody(tag) }, head);
    }
    let tags = Object.values(repo.tags);
    const digest = url.searchParams.get('digest');
    if (digest) tags = tags.filter((t) => t.digest === digest);
    tags = order(
      tags,
      url.searchParams.get('orderby'),
      (t) => t.lastUpdateTime,
      (t) => t.name,
    );
    const pageTags = page(tags, url, (t) => t.name, res, path);
    return send(res, 200, { registry: deps.loginServer(), imageName: repo.name, tags: pageTags.map(tagBody) }, head);
  }
  m = path.match(/^\/acr\/v1\/(.+?)\/_manifests(?:\/([^/]+))?$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    if (m[2]) {
      const digest = decodeURIComponent(m[2]);
      const manifest = DIGEST.test(digest) ? repo.manifests[digest] : undefined;
      if (!manifest) throw new RegistryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown');
      return send(
        res,
        200,
        { registry: deps.loginServer(), imageName: repo.name, manifest: manifestBody(deps, repo, manifest) },
        head,
      );
    }
    let manifests = Object.values(repo.manifests);
    manifests = order(
      manifests,
      url.searchParams.get('orderby'),
      (x) => x.lastUpdateTime,
      (x) => x.digest,
    );
    const pageManifests = page(manifests, url, (x) => x.digest, res, path);
    return send(
      res,
      200,
      {
        registry: deps.loginServer(),
        imageName: repo.name,
        manifests: pageManifests.map((x) => manifestBody(deps, repo, x)),
      },
      head,
    );
  }
  m = path.match(/^\/acr\/v1\/(.+)$/);
  if (m) {
    const repo = repoOr404(deps, m[1]!);
    return send(
      res,
      200,
      {
        registry: deps.loginServer(),
        imageName: repo.name,
        createdTime: repo.createdTime,
        lastUpdateTime: repo.lastUpdateTime,
        manifestCount: Object.keys(repo.manifests).length,
        tagCount: Object.keys(repo.tags).length,
        changeableAttributes: { ...CHANGEABLE, teleportEnabled: false },
      },
      head,
    );
  }
  throw new RegistryError(404, 'NOT_FOUND', 'not found');
}

function repoOr404(deps: RegistryHttpDeps, raw: string): RepositoryRecord {
  const name = decodeURIComponent(raw);
  const repo = deps.store.repository(name);
  if (!repo) throw new RegistryError(404, 'NAME_UNKNOWN', 'repository name not known to registry');
  return repo;
}

function tagBody(t: {
  name: string;
  digest: string;
  createdTime: string;
  lastUpdateTime: string;
}): Record<string, unknown> {
  return {
    name: t.name,
    digest: t.digest,
    createdTime: t.createdTime,
    lastUpdateTime: t.lastUpdateTime,
    signed: false,
    changeableAttributes: CHANGEABLE,
  };
}

function manifestBody(deps: RegistryHttpDeps, repo: RepositoryRecord, m: ManifestRecord): Record<string, unknown> {
  const tags = deps.store.tagsOf(repo.name, m.digest);
  return {
    digest: m.digest,
    imageSize: m.imageSize,
    createdTime: m.createdTime,
    lastUpdateTime: m.lastUpdateTime,
    architecture: m.architecture,
    os: m.os,
    mediaType: m.mediaType,
    configMediaType: 'application/vnd.oci.image.config.v1+json',
    ...(tags.length > 0 ? { tags } : {}),
    changeableAttributes: { ...CHANGEABLE, quarantineState: 'Passed' },
  };
}

function order<T>(items: T[], orderby: string | null, time: (x: T) => string, name: (x: T) => string): T[] {
  const sorted = [...items];
  if (orderby === 'timedesc') sorted.sort((a, b) => time(b).localeCompare(time(a)));
  else if (orderby === 'timeasc') sorted.sort((a, b) => time(a).localeCompare(time(b)));
  else sorted.sort((a, b) => name(a).localeCompare(name(b)));
  return sorted;
}

/** `n`/`last` paging with an RFC 5988 `Link: <…>; rel="next"` header, as the registry APIs page. */
function page<T>(items: T[], url: URL, key: (x: T) => string, res: ServerResponse, path: string): T[] {
  const last = url.searchParams.get('last');
  const n = Number(url.searchParams.get('n') ?? 0);
  let start = 0;
  if (last) {
    const idx = items.findIndex((x) => key(x) === last);
    start = idx >= 0 ? idx + 1 : items.length;
  }
  const out = n > 0 ? items.slice(start, start + n) : items.slice(start);
  if (n > 0 && start + n < items.length && out.length > 0) {
    const next = new URLSearchParams(url.searchParams);
    next.set('last', key(out[out.length - 1]!));
    next.set('n', String(n));
    res.setHeader('Link', `<${path}?${next.toString()}>; rel="next"`);
  }
  return out;
}

export interface PushResult {
  repository: string;
  tag: string;
  /** The defect this build carries, or null for a good image. */
  broken: ImageDefect | null;
  digest: string;
  image: string;
  media_type: string;
  event: Delivery | { delivered: false; reason: 'no_webhook' | 'not_requested' };
}

async function push(deps: RegistryHttpDeps, body: unknown): Promise<PushResult> {
  if (typeof body !== 'object' || body === null)
    throw new RegistryError(400, 'invalid_request', 'body must be {"repository","tag"[,"broken"]}');
  const { repository, tag, broken, deliver_event: deliverEvent } = body as Record<string, unknown>;
  if (typeof repository !== 'string' || !REPOSITORY_NAME.test(repository)) {
    throw new RegistryError(
      400,
      'invalid_repository',
      'repository must be a lowercase repository name such as elb-openapi',
    );
  }
  if (typeof tag !== 'string' || !TAG_NAME.test(tag)) {
    throw new RegistryError(400, 'invalid_tag', 'tag must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}');
  }
  if (broken !== undefined && broken !== null && !IMAGE_DEFECTS.includes(broken as ImageDefect)) {
    throw new RegistryError(400, 'invalid_broken', `broken must be one of ${IMAGE_DEFECTS.join(', ')} (or absent)`);
  }
  if (deliverEvent !== undefined && typeof deliverEvent !== 'boolean') {
    throw new RegistryError(400, 'invalid_deliver_event', 'deliver_event must be true or false');
  }
  return pushImage(deps, repository, tag, {
    defect: (broken ?? undefined) as ImageDefect | undefined,
    deliverEvent: deliverEvent !== false,
  });
}

/**
 * A push as ACR makes it: a new digest for `repository:tag` in the store, then the ImagePushed event to the webhook
 * (unless `deliverEvent` is false). Used by POST /_sim/push and by simulated ACR Tasks builds (sim/arm/builds.ts).
 * Callers validate the names.
 */
export async function pushImage(
  deps: RegistryHttpDeps,
  repository: string,
  tag: string,
  opts: { defect?: ImageDefect | undefined; deliverEvent?: boolean } = {},
): Promise<PushResult> {
  const defect = opts.defect;
  const deliverEvent = opts.deliverEvent ?? true;
  const image = deps.store.push(repository, tag, defect);
  const result: PushResult = {
    repository,
    tag,
    broken: defect ?? null,
    digest: image.digest,
    image: `${deps.loginServer()}/${repository}@${image.digest}`,
    media_type: image.mediaType,
    event: { delivered: false, reason: 'no_webhook' },
  };
  // `deliver_event: false` stands for a push Event Grid never delivers (e.g. before the subscription exists).
  if (deliverEvent === false) {
    result.event = { delivered: false, reason: 'not_requested' };
    deps.log?.(`push ${repository}:${tag} ${image.digest} event not sent (deliver_event false)`);
  } else if (deps.webhook) {
    const event = imagePushedEvent({
      topic: deps.topic,
      registryHost: deps.loginServer(),
      repository,
      tag,
      digest: image.digest,
      mediaType: image.mediaType,
      size: Buffer.byteLength(image.content),
      now: new Date(),
    });
    result.event = await deliver(deps.webhook, event, { ...deps.delivery, keyFile: deps.webhookKeyFile });
    deps.log?.(
      `push ${repository}:${tag}${defect ? ` (broken: ${defect})` : ''} ${image.digest} event ${result.event.delivered ? 'delivered' : 'not delivered'}`,
    );
  }
  return result;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req, 64 * 1024);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new RegistryError(400, 'invalid_json', 'body must be JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, head = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(head ? undefined : text);
}
