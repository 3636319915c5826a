// One stand-in elb-openapi HTTP server per (LoadBalancer address, Service port) while the Service has ready
// endpoints. Each request is answered "by" one of the ready pods, so during a rollout answers may come from either
// version, as behind a real load balancer.
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createGuardedServer } from '../../devhost/http-guard';
import { RESOURCE } from '../k8s/resources';
import { arr, str, type KObject } from '../k8s/object';
import { servicePods } from '../controllers/service';
import type { Controller, ControllerContext } from '../controllers/context';
import { openApiDocument, versionFor } from './spec';

interface Listener {
  server: Server;
  service: string; // namespace/name
  listening: boolean;
}

const BIND_RETRY_MS = 5_000;
/** The variable the real service reads its token from (the manifests fill it from the token Secret). */
const TOKEN_VARIABLE = 'ELB_OPENAPI_API_TOKEN';
const TOKEN_HEADER = 'x-elb-api-token';

export class StandInServers implements Controller {
  readonly name = 'stand-in';
  private readonly listeners = new Map<string, Listener>();
  private readonly failedAt = new Map<string, number>();

  constructor(private readonly ctx: ControllerContext) {}

  reconcile(now: number): void {
    const wanted = new Map<string, { ip: string; port: number; service: string }>();
    for (const svc of this.ctx.api.store.list(RESOURCE.services)) {
      if (str(svc, 'spec', 'type') !== 'LoadBalancer') continue;
      const ip = str(arr(svc, 'status', 'loadBalancer', 'ingress')[0], 'ip');
      if (!ip || servicePods(this.ctx, svc).ready.length === 0) continue;
      for (const p of arr(svc, 'spec', 'ports')) {
        const port = (p as { port?: unknown }).port;
        if (typeof port !== 'number' || (str(p, 'protocol') ?? 'TCP') !== 'TCP') continue;
        wanted.set(`${ip}:${port}`, { ip, port, service: `${svc.metadata.namespace}/${svc.metadata.name}` });
      }
    }
    for (const [key, l] of this.listeners) {
      if (!wanted.has(key) || wanted.get(key)!.service !== l.service) {
        l.server.close();
        l.server.closeAllConnections();
        this.listeners.delete(key);
      }
    }
    for (const [key, w] of wanted) {
      if (this.listeners.has(key)) continue;
      if (now - (this.failedAt.get(key) ?? -Infinity) < BIND_RETRY_MS) continue;
      this.listen(key, w.ip, w.port, w.service, now);
    }
  }

  private listen(key: string, ip: string, port: number, service: string, now: number): void {
    // Guarded like the sim's own ports: a malformed request gets a JSON 400, never an exception in the sim.
    const server = createGuardedServer(
      (req, res, url) => this.answer(service, req.method ?? 'GET', `${url.pathname}${url.search}`, req.headers, res),
      { maxBodyBytes: 1024 * 1024 },
    );
    const entry: Listener = { server, service, listening: false };
    this.listeners.set(key, entry);
    server.on('error', (err: NodeJS.ErrnoException) => {
      this.listeners.delete(key);
      this.failedAt.set(key, now);
      const [ns, name] = service.split('/');
      const svc = this.ctx.api.tryGet(RESOURCE.services, ns, name!);
      if (svc) {
        this.ctx.events.record(
          svc,
          'Warning',
          'StandInListenFailed',
          `elb-sim could not serve ${key}: ${err.code ?? err.message}`,
          'elb-sim',
        );
      }
    });
    server.listen(port, ip, () => {
      entry.listening = true;
      this.failedAt.delete(key);
    });
  }

  private answer(
    service: string,
    method: string,
    url: string,
    requestHeaders: IncomingHttpHeaders,
    res: ServerResponse,
  ): void {
    const [ns, name] = service.split('/');
    const svc = this.ctx.api.tryGet(RESOURCE.services, ns, name!);
    const pods = svc ? servicePods(this.ctx, svc).ready : [];
    if (pods.length === 0) {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ detail: 'no ready endpoints' }));
      return;
    }
    const pod = pods[Math.floor(Math.random() * pods.length)]!;
    const { image, version } = this.versionOf(pod);
    const path = url.split('?')[0];
    const headers = { 'Content-Type': 'application/json', 'X-Served-By': pod.metadata.name, Server: 'uvicorn' };
    // As the real service: every /v1 route needs the token the answering pod was started with; a pod started
    // without one accepts nobody.
    if (url.startsWith('/v1/') && !tokenMatches(this.ctx.env.valueOf(pod, TOKEN_VARIABLE), requestHeaders)) {
      res.writeHead(401, { ...headers, 'WWW-Authenticate': 'ApiKey header="X-ELB-API-Token"' });
      res.end(JSON.stringify({ detail: 'Missing or invalid API token' }));
      return;
    }
    if (method === 'GET' && path === '/healthz') {
      res.writeHead(200, headers);
      res.end(JSON.stringify({ status: 'ok', version }));
    } else if (method === 'GET' && path === '/openapi.json') {
      res.writeHead(200, headers);
      res.end(JSON.stringify(openApiDocument(version, image)));
    } else if (method === 'GET' && (path === '/docs' || path === '/docs/')) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html><head><title>ElasticBLAST OpenAPI ${version} - Swagger UI</title></head><body><h1>ElasticBLAST OpenAPI ${version}</h1><p>Stand-in service (elb-sim). Specification: <a href="/openapi.json">/openapi.json</a></p></body></html>`,
      );
    } else if (method === 'GET' && path === '/v1/jobs') {
      res.writeHead(200, headers);
      res.end('[]');
    } else if (method === 'GET' && path === '/v1/databases') {
      res.writeHead(200, headers);
      res.end(
        JSON.stringify([
          { name: 'nt', molecule: 'nucl' },
          { name: 'swissprot', molecule: 'prot' },
        ]),
      );
    } else {
      res.writeHead(404, headers);
      res.end(JSON.stringify({ detail: 'Not Found' }));
    }
  }

  private versionOf(pod: KObject): { image: string; version: string } {
    const c = arr(pod, 'status', 'containerStatuses')[0];
    const image = str(c, 'image') ?? str(arr(pod, 'spec', 'containers')[0], 'image') ?? '';
    const imageID = str(c, 'imageID') ?? '';
    const pulled = this.ctx.images.pull(image);
    const digest = imageID.includes('@')
      ? imageID.slice(imageID.lastIndexOf('@') + 1)
      : pulled.ok
        ? pulled.digest
        : undefined;
    const buildTag = digest ? this.ctx.images.buildTagOf(image, digest) : undefined;
    const tagMatch = image.split('@')[0]!.match(/:([^/:]+)$/);
    const tag = buildTag ?? tagMatch?.[1];
    return { image: imageID || image, version: versionFor(tag ? [tag] : [], digest) };
  }

  close(): void {
    for (const l of this.listeners.values()) {
      l.server.close();
      l.server.closeAllConnections();
    }
    this.listeners.clear();
  }

  /** Addresses currently served, for the control API and tests. */
  serving(): { address: string; service: string }[] {
    return [...this.listeners.entries()]
      .filter(([, l]) => l.listening)
      .map(([address, l]) => ({ address, service: l.service }));
  }
}

/** Constant-time comparison of the presented token with the expected one (hashed first so lengths match). */
function tokenMatches(expected: string | undefined, headers: IncomingHttpHeaders): boolean {
  const presented = headers[TOKEN_HEADER];
  if (!expected || typeof presented !== 'string') return false;
  const digest = (v: string): Buffer => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(presented));
}
