// Resource-style routes for the dashboard: targets and their summaries, deploy history, deploy start/status/
// cancel per target, and the live service's OpenAPI document.
import * as df from 'durable-functions';
import { DomainError } from '../core/errors';
import { parseLimit, parseTargetParam } from '../core/requests';
import { TERMINAL_RUNTIME } from '../core/status';
import { selectTarget } from '../core/targets';
import { interruptedTimeline, timelineOf } from '../core/timeline';
import { kubeReaderFor } from '../adapters/cluster-reader';
import { fetchSpec, serviceBaseUrl } from '../adapters/service-probe';
import { appConfig } from '../adapters/settings';
import { DeploymentRecord } from '../core/deployment-record';
import { cancelDeploy, deployStatus, startDeploy } from './lib/deploy-handlers';
import { httpRoute, json } from './lib/http';
import { deployStores } from './lib/services';
import { probeExec } from '../adapters/dependencies';
import { bounded, summaryRegistryTags, targetActivity, targetSummary } from './lib/views';

function targetFromRoute(raw: string | undefined) {
  return selectTarget(appConfig().targets, parseTargetParam(raw));
}

httpRoute('targetsList', {
  GET: async (_req, _caller, client) => {
    const config = appConfig();
    const [tags, execProblem] = [summaryRegistryTags(config), probeExec(config.execUpstream)];
    return json(
      200,
      await Promise.all(config.targets.map(async (t) => targetSummary(config, t, client, await tags, execProblem))),
    );
  },
});

httpRoute('targetSummary', {
  GET: async (req, _caller, client) =>
    json(200, await targetSummary(appConfig(), targetFromRoute(req.params.target), client)),
});

httpRoute('targetActivity', {
  GET: async (req) => json(200, await targetActivity(targetFromRoute(req.params.target))),
});

httpRoute('activity', {
  GET: async () => json(200, { targets: await Promise.all(appConfig().targets.map(targetActivity)) }),
});

/**
 * Records still marked running: a live one gets its current timeline from Durable (not stored); one whose
 * orchestration already ended without recording (terminated, or failed in the host) is closed with the phase it
 * stopped in marked failed.
 */
async function reconcile(records: DeploymentRecord[], client: df.DurableClient): Promise<DeploymentRecord[]> {
  return Promise.all(
    records.map(async (r) => {
      if (r.finished_at !== null) return r;
      try {
        const s = await client.getStatus(r.deploy_id);
        const live = timelineOf(s.customStatus);
        if (!TERMINAL_RUNTIME.has(s.runtimeStatus)) return live ? { ...r, timeline: live } : r;
        const status = s.runtimeStatus === 'Terminated' ? 'terminated' : 'failed';
        const finishedAt = new Date(s.lastUpdatedTime).toISOString();
        const patch = {
          status,
          finished_at: finishedAt,
          timeline: interruptedTimeline(live ?? r.timeline, finishedAt, `ended as ${s.runtimeStatus}`),
          error: r.error ?? {
            code: status,
            message: `the orchestration ended as ${s.runtimeStatus} without recording a result`,
          },
        } as const;
        return (await deployStores().deployments.update(r.target, r.deploy_id, patch)) ?? { ...r, ...patch };
      } catch {
        return r;
      }
    }),
  );
}

httpRoute('targetDeployments', {
  POST: (r, caller, c) => startDeploy(r, caller, c, targetFromRoute(r.params.target).name),
  GET: async (r, _caller, c) => {
    const target = targetFromRoute(r.params.target);
    const config = appConfig();
    const limit = parseLimit(r.query.get('limit'), config.historyLimit, config.historyLimit);
    const records = await reconcile(await deployStores().deployments.list(target.name, limit), c);
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
    const svc = await bounded(
      kubeReaderFor(target).then((kube) => kube.service()),
      'cluster_unavailable',
      `the cluster API of ${target.name}`,
    );
    if (!svc.externalIp)
      throw new DomainError('service_not_ready', `elb-openapi on ${target.name} has no address yet`, 404);
    return json(200, await fetchSpec(serviceBaseUrl(svc.externalIp, target.servicePort)));
  },
});
