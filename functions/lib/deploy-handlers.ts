// Deploy start, status and cancel, shared by the seed-compatible routes (/api/aks/openapi/deploy…) and the
// resource-style routes (/api/targets/{target}/openapi/deployments…).
import { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { DurableClient } from 'durable-functions';
import { Caller } from '../../core/auth';
import { DeployReason } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import {
  parseCancelMode,
  parseClusterStartRequest,
  parseDeployId,
  parseDeployRequest,
  parseRebuildRequest,
} from '../../core/requests';
import { imageName } from '../../core/image';
import { isInstanceNotFound, shapeStatus } from '../../core/status';
import { initialTimeline } from '../../core/timeline';
import { checkRegistry, configuredRegistry, selectSeedTarget } from '../../core/seed-compat';
import { probeCluster, probeExec } from '../../adapters/dependencies';
import { AppConfig } from '../../core/config';
import { dependencyProblem } from '../../core/summary';
import { Target } from '../../core/targets';
import { TargetState } from '../../core/target-state';
import { policyOf } from '../../core/update-policy';
import { windowState } from '../../core/maintenance-window';
import { clusterStoppedError, isStopped } from '../../core/cluster-power';
import { bounded, clusterPowerView } from './views';
import { json, readBody } from './http';
import { adapters, deployLeases } from '../../services/composition';
import type { StartOutcome } from '../../services/deploy-leases';
import type { DeployAccepted, RebuildPreview } from '../../core/contract/deploy';

export function statusPath(id: string): string {
  return `/api/aks/openapi/deploy/${id}/status`;
}

/**
 * Refuses a deploy, before anything is recorded or leased, when the target's AKS cluster is stopped (409
 * `cluster_stopped`: Start cluster is what it needs), or when the exec server or the cluster API does not answer
 * (each probe ≤ 2 s): 503 with the part's code, its reason and, locally, the command that starts it.
 */
export async function preflight(config: AppConfig, target: Target): Promise<void> {
  const [exec, cluster, power] = await Promise.all([
    probeExec(config.execUpstream),
    probeCluster(target),
    clusterPowerView(target),
  ]);
  if (isStopped(power)) throw clusterStoppedError(target);
  const problem = exec
    ? dependencyProblem(config, 'exec', exec)
    : cluster
      ? dependencyProblem(config, 'cluster', cluster)
      : null;
  if (problem) {
    throw new DomainError(problem.code, `not started: ${problem.message}`, 503, {
      part: problem.part,
      hint: problem.hint,
    });
  }
}

/**
 * A manual deploy outside the target's maintenance window is refused (409 `outside_window`, before anything is
 * recorded) unless it says why (`override_window: {reason}`); the reason and who gave it go into its history record.
 * Inside the window (or without one) an override changes nothing and is not recorded.
 */
export function windowCheck(
  target: Target,
  state: TargetState,
  overrideReason: string | null,
  caller: Caller,
): { reason: string; by: string } | null {
  const window = policyOf(target, state).window;
  if (!window) return null;
  const w = windowState(window, new Date());
  if (w.open) return null;
  if (overrideReason !== null) return { reason: overrideReason, by: caller.name };
  throw new DomainError(
    'outside_window',
    `${target.name} changes only in its maintenance window (${w.text}), which opens next at ${w.next.toISOString()}; ` +
      'to deploy now, send override_window: {"reason": "…"} (recorded in the history)',
    409,
    { window: w.text, opens_at: w.next.toISOString() },
  );
}

export async function startDeploy(
  req: HttpRequest,
  caller: Caller,
  client: DurableClient,
  routeTarget: string | null,
): Promise<HttpResponseInit> {
  const body = parseDeployRequest(await readBody(req), routeTarget);
  const { config, targets } = adapters();
  const target = selectSeedTarget(config.targets, body.target, body.cluster);
  const unchecked = checkRegistry(configuredRegistry(config), {
    acr_name: { value: body.acrName, against: 'name' },
    acr_resource_group: { value: body.acrResourceGroup, against: 'resourceGroup' },
  });
  const ignored = [...unchecked, ...body.ignoredFields];
  const { state } = await targets.get(target.name);
  const windowOverride = windowCheck(target, state, body.overrideWindow, caller);
  await preflight(config, target);
  const reason: DeployReason = body.reason ?? (state.deployedDigest ? 'update' : 'install');
  const outcome = await deployLeases(client).start({
    target,
    reason,
    tag: body.tag,
    digest: body.digest,
    requester: caller.name,
    windowOverride,
  });
  return startAnswer(target, reason, outcome, ignored);
}

/** Where the older system's clients follow a Rebuild & Deploy (the same status as a deploy's). */
export function rebuildStatusPath(id: string): string {
  return `/api/aks/openapi/rebuild-deploy/${id}/status`;
}

/**
 * Rebuild & Deploy (docs/deploy.md#rebuild--deploy): an ACR Tasks build of the pinned tag, then a deploy of the digest
 * it pushed — one operation under the target's lease. `dry_run` (the older system's preview) starts nothing.
 */
export async function startRebuild(
  req: HttpRequest,
  caller: Caller,
  client: DurableClient,
  routeTarget: string | null,
): Promise<HttpResponseInit> {
  const body = parseRebuildRequest(await readBody(req), routeTarget);
  const { config, registryManagement } = adapters();
  const target = selectSeedTarget(config.targets, body.target, body.cluster);
  const registry = configuredRegistry(config);
  const unchecked = checkRegistry(registry, {
    acr_name: { value: body.acrName, against: 'name' },
    acr_resource_group: { value: body.acrResourceGroup, against: 'resourceGroup' },
  });
  const ignored = [...unchecked, ...body.ignoredFields];
  if (!config.build || !registryManagement) {
    throw new DomainError(
      'build_not_configured',
      'Rebuild & Deploy needs ELB_REGISTRY_RESOURCE_ID and ELB_BUILD_SOURCE_URL/ELB_BUILD_SOURCE_REF (docs/deploy.md)',
      409,
    );
  }
  const image = `${config.image.repository}:${config.pinnedTag}`;
  if (body.dryRun) {
    const preview: RebuildPreview = {
      status: 'dry_run',
      target: target.name,
      image: `${imageName(config.image)}:${config.pinnedTag}`,
      registry_name: registry.name,
      would_build: image,
      would_deploy: target.name,
      source: {
        url: config.build.url,
        ref: config.build.ref,
        context: config.build.context,
        dockerfile: config.build.dockerfile,
      },
      ...(ignored.length > 0 ? { ignored_fields: ignored } : {}),
    };
    return json(200, preview);
  }
  await preflight(config, target);
  const outcome = await deployLeases(client).start({
    target,
    reason: 'rebuild',
    tag: config.pinnedTag,
    digest: null,
    requester: caller.name,
  });
  return startAnswer(target, 'rebuild', outcome, ignored, routeTarget === null ? rebuildStatusPath : statusPath);
}

/**
 * Start cluster (docs/deploy.md#start-cluster): starts the target's stopped AKS cluster, then deploys the target's
 * desired image on it — one operation (reason `start_cluster`) under the target's lease. Only a stopped cluster is
 * started: anything else is 409 `cluster_not_stopped`, before anything is recorded.
 */
export async function startCluster(
  req: HttpRequest,
  caller: Caller,
  client: DurableClient,
  routeTarget: string,
): Promise<HttpResponseInit> {
  parseClusterStartRequest(await readBody(req));
  const { config, clusterPower } = adapters();
  const target = selectSeedTarget(config.targets, routeTarget, null);
  const power = clusterPower(target);
  if (!power) {
    throw new DomainError(
      'cluster_not_azure',
      `${target.name} declares no AKS cluster (an aks target, or seedCluster on a kubeconfig target): nothing to start`,
      409,
    );
  }
  const state = await bounded(power.state(), 'cluster_unavailable', 'Azure Resource Manager');
  if (!isStopped(state)) {
    throw new DomainError(
      'cluster_not_stopped',
      `the AKS cluster of ${target.name} is not stopped (power ${state.power_state}, provisioning ${state.provisioning_state})`,
      409,
      { power_state: state.power_state, provisioning_state: state.provisioning_state },
    );
  }
  // The deploy that follows the start needs the exec server: refuse now rather than start half an operation.
  const exec = await probeExec(config.execUpstream);
  if (exec) {
    const problem = dependencyProblem(config, 'exec', exec);
    throw new DomainError(problem.code, `not started: ${problem.message}`, 503, { part: 'exec', hint: problem.hint });
  }
  const outcome = await deployLeases(client).start({
    target,
    reason: 'start_cluster',
    tag: null,
    digest: null,
    requester: caller.name,
  });
  return startAnswer(target, 'start_cluster', outcome);
}

/** 202 with the new instance and where to follow it, or 409 naming the operation that holds the target. */
export function startAnswer(
  target: Target,
  reason: DeployReason,
  outcome: StartOutcome,
  ignored: readonly string[] = [],
  followAt: (id: string) => string = statusPath,
): HttpResponseInit {
  if (!outcome.started) {
    return json(409, {
      code: 'deploy_in_progress',
      message: `a deploy or token rotation is already running on ${target.name}`,
      active_instance_id: outcome.activeInstanceId,
      statusQueryGetUri: statusPath(outcome.activeInstanceId),
    });
  }
  const id = outcome.instanceId;
  const body: DeployAccepted = {
    id,
    instance_id: id,
    task_id: id,
    target: target.name,
    reason,
    status: 'queued',
    statusQueryGetUri: followAt(id),
    ...(ignored.length > 0 ? { ignored_fields: [...ignored] } : {}),
  };
  return json(202, body, { location: followAt(id) });
}

export async function deployStatus(
  rawId: string | undefined,
  client: DurableClient,
  expectedTarget: string | null,
): Promise<HttpResponseInit> {
  const id = parseDeployId(rawId);
  const { config, deployments } = adapters();
  let status;
  try {
    status = await client.getStatus(id, { showInput: true });
  } catch (err) {
    if (!isInstanceNotFound(err)) {
      throw new DomainError('durable_unavailable', 'the orchestration service is unavailable', 503);
    }
  }
  if (status) {
    const target = (status.input as { target?: string } | null)?.target ?? null;
    if (expectedTarget !== null && target !== expectedTarget)
      throw new DomainError('unknown_deploy', `no deploy ${id} on ${expectedTarget}`, 404);
    return json(200, shapeStatus(status, Date.now(), config.pendingWarnSeconds));
  }
  // Durable no longer knows it (purged, or a fresh task hub): answer from the history record.
  const record = await deployments.findAny(id);
  if (!record || (expectedTarget !== null && record.target !== expectedTarget))
    throw new DomainError('unknown_deploy', `no deploy ${id}`, 404);
  const finished = record.finished_at !== null;
  return json(200, {
    instance_id: id,
    runtime_status: !finished ? 'Unknown' : record.status === 'terminated' ? 'Terminated' : 'Completed',
    custom_status: {
      phase: finished ? (record.status === 'succeeded' ? 'completed' : record.status) : 'queued',
      target: record.target,
      image: record.image,
      reason: record.reason,
      cancel_requested: false,
      timeline: record.output?.timeline ?? initialTimeline(),
    },
    output: record.output,
    created_time: record.requested_at,
    last_updated_time: record.finished_at ?? record.requested_at,
    stuck: false,
    from_history: true,
  });
}

export async function cancelDeploy(
  req: HttpRequest,
  rawId: string | undefined,
  caller: Caller,
  client: DurableClient,
  expectedTarget: string | null,
): Promise<HttpResponseInit> {
  const id = parseDeployId(rawId);
  const mode = parseCancelMode(req.query);
  const result = await deployLeases(client).cancel(id, mode, caller.name, expectedTarget);
  return json(202, result);
}
