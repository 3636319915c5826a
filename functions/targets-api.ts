// Resource-style routes for the dashboard: targets and their summaries, deploy history, deploy start/status/
// cancel per target, and the live service's OpenAPI document.
import { DomainError } from '../core/errors';
import { parseLimit } from '../core/requests';
import { fetchSpec, serviceBaseUrl } from '../adapters/service-probe';
import { cancelDeploy, deployStatus, startDeploy } from './lib/deploy-handlers';
import { httpRoute, json, readBody, targetFromRoute } from './lib/http';
import {
  checkPath,
  parseProxyRequest,
  PROXY_LIMITS,
  requireMethodRole,
  specOperations,
  upstreamRequest,
  visibleBody,
  visibleHeaders,
} from '../core/service-proxy';
import { sendToService } from '../adapters/service-proxy';
import { adapters, deployLeases } from '../services/composition';
import { probeExec } from '../adapters/dependencies';
import { clusterRead, summaryRegistryTags, targetActivity, targetSummary } from './lib/views';

httpRoute('targetsList', {
  GET: async (_req, _caller, client) => {
    const config = adapters().config;
    const [tags, execProblem] = [summaryRegistryTags(config), probeExec(config.execUpstream)];
    return json(
      200,
      await Promise.all(config.targets.map(async (t) => targetSummary(config, t, client, await tags, execProblem))),
    );
  },
});

httpRoute('targetSummary', {
  GET: async (req, _caller, client) =>
    json(200, await targetSummary(adapters().config, targetFromRoute(req.params.target), client)),
});

httpRoute('targetActivity', {
  GET: async (req) => json(200, await targetActivity(targetFromRoute(req.params.target))),
});

httpRoute('activity', {
  GET: async () => json(200, { targets: await Promise.all(adapters().config.targets.map(targetActivity)) }),
});

httpRoute('targetDeployments', {
  POST: (r, caller, c) => startDeploy(r, caller, c, targetFromRoute(r.params.target).name),
  GET: async (r, _caller, c) => {
    const target = targetFromRoute(r.params.target);
    const config = adapters().config;
    const limit = parseLimit(r.query.get('limit'), config.historyLimit, config.historyLimit);
    // Reads only, but for the one-time repair of a record whose orchestration ended without it (docs/deploy.md#repairs).
    const records = await deployLeases(c).history(target.name, limit);
    // The full output stays on the per-deploy route; the list carries what a history table needs.
    return json(
      200,
      records.map(({ output: _output, ...rest }) => rest),
    );
  },
});

httpRoute('targetDeployment', {
  GET: (req, _caller, client) => deployStatus(req.params.id, client, targetFromRoute(req.params.target).name),
});

httpRoute('targetDeploymentCancel', {
  POST: (req, caller, client) =>
    cancelDeploy(req, req.params.id, caller, client, targetFromRoute(req.params.target).name),
});

httpRoute('targetSpec', {
  GET: async (req) => {
    const target = targetFromRoute(req.params.target);
    const svc = await clusterRead(target, (kube) => kube.service());
    if (!svc.externalIp)
      throw new DomainError('service_not_ready', `elb-openapi on ${target.name} has no address yet`, 404);
    return json(200, await fetchSpec(serviceBaseUrl(svc.externalIp, target.servicePort, svc.scheme)));
  },
});

httpRoute('targetProxy', {
  POST: async (req, caller) => {
    const target = targetFromRoute(req.params.target);
    // Parsed before anything is read from the cluster: a malformed request costs nothing upstream.
    const wanted = parseProxyRequest(await readBody(req, PROXY_LIMITS.requestBytes + 4096));
    checkPath(wanted.path);
    requireMethodRole(wanted.method, caller.roles);
    const [svc, token] = await clusterRead(target, (kube) => Promise.all([kube.service(), kube.apiToken()]));
    if (!svc.externalIp)
      throw new DomainError('service_not_ready', `elb-openapi on ${target.name} has no address yet`, 404);
    const base = serviceBaseUrl(svc.externalIp, target.servicePort, svc.scheme);
    const spec = await fetchSpec(base, PROXY_LIMITS.specTimeoutMs);
    const upstream = upstreamRequest(wanted, specOperations(spec));
    const answer = await sendToService(base, upstream, token);
    return json(200, {
      status: answer.status,
      headers: visibleHeaders(answer.headers, token),
      ...visibleBody(answer.text, answer.headers.find(([n]) => n === 'content-type')?.[1] ?? null, token),
      duration_ms: answer.durationMs,
    });
  },
});
