// Read models for the monitor and target routes: what the registry has, the live service, the active deploy.
import type { DurableClient } from 'durable-functions';
import { AppConfig } from '../../core/config';
import { DomainError } from '../../core/errors';
import { ACTIVE_RUNTIME, shapeStatus } from '../../core/status';
import {
  ActiveDeployView,
  activityView,
  ClusterPowerView,
  ActivityView,
  buildSummary,
  DependencyProblem,
  dependencyProblem,
  RegistryView,
  ServiceView,
  TargetSummary,
} from '../../core/summary';
import { addressRange, Scheme, serviceExposure } from '../../core/service-exposure';
import { TargetState } from '../../core/target-state';
import { desiredTag } from '../../core/update-policy';
import { PendingUpdate, pendingUpdateView, policyView } from '../../core/update-views';
import { Target } from '../../core/targets';
import { probeExec, withTimeout } from '../../adapters/dependencies';
import { isStopped, stoppedProblem } from '../../core/cluster-power';
import { KubeReader } from '../../adapters/kube';
import { RegistryTags } from '../../adapters/registry';
import { serviceBaseUrl } from '../../adapters/service-probe';
import { adapters } from '../../services/composition';

/** The repository's tags, through the registry client that fails fast (services/composition.ts). */
export async function registryTags(config: AppConfig): Promise<RegistryTags> {
  return adapters().requestRegistry.listTags(config.image.repository);
}

export function registryView(
  config: AppConfig,
  target: Target,
  state: TargetState,
  tags: RegistryTags | DomainError,
): RegistryView {
  const tag = desiredTag(target, state, config.pinnedTag);
  if (tags instanceof DomainError) return { tag, digest: null, tags: [], error: tags.code };
  return { tag, digest: tags.digests[tag] ?? null, tags: tags.tags };
}

export interface LiveService {
  exists: boolean;
  externalIp: string | null;
  liveImage: string | null;
  annotations: Record<string, string>;
  scheme: Scheme;
}

function liveService(target: Target): Promise<LiveService> {
  return clusterRead(target, async (kube) => {
    const [svc, dep] = await Promise.all([kube.service(), kube.deployment()]);
    return {
      exists: svc.exists,
      externalIp: svc.externalIp,
      liveImage: dep?.image ?? null,
      annotations: svc.annotations,
      scheme: svc.scheme,
    };
  });
}

export function serviceView(target: Target, state: TargetState, live: LiveService | DomainError): ServiceView {
  if (live instanceof DomainError) {
    return {
      installed: state.deployedDigest !== null,
      external_ip: null,
      base_url: null,
      swagger_url: null,
      api_version: state.apiVersion,
      exposure: null,
      address_range: null,
      scheme: null,
      live_image: null,
      error: live.code,
      error_code: live.code,
    };
  }
  const base = live.externalIp ? serviceBaseUrl(live.externalIp, target.servicePort, live.scheme) : null;
  return {
    installed: live.exists && live.liveImage !== null,
    external_ip: live.externalIp,
    base_url: base,
    swagger_url: base ? `${base}/docs` : null,
    api_version: state.apiVersion,
    exposure: live.exists ? serviceExposure({ annotations: live.annotations, address: live.externalIp }) : null,
    address_range: live.externalIp ? addressRange(live.externalIp) : null,
    scheme: live.exists ? live.scheme : null,
    live_image: live.liveImage,
  };
}

export async function activeDeploy(
  state: TargetState,
  client: DurableClient,
  config: AppConfig,
): Promise<ActiveDeployView | null> {
  if (!state.activeInstanceId) return null;
  try {
    const s = await client.getStatus(state.activeInstanceId, { showInput: true });
    if (!ACTIVE_RUNTIME.has(s.runtimeStatus)) return null;
    const shaped = shapeStatus(s, Date.now(), config.pendingWarnSeconds);
    return {
      instance_id: state.activeInstanceId,
      runtime_status: s.runtimeStatus,
      phase: shaped.custom_status.phase,
      reason: state.activeReason ?? shaped.custom_status.reason,
      stuck: shaped.stuck,
      cancel_requested: shaped.custom_status.cancel_requested === true,
    };
  } catch {
    // Not visible yet (just started) or Durable unreachable: report the lease as it stands.
    return {
      instance_id: state.activeInstanceId,
      runtime_status: 'Pending',
      phase: 'queued',
      reason: state.activeReason ?? '',
    };
  }
}

/**
 * How long the summary waits for the cluster or the registry. A part that accepts connections but never answers
 * (hung, or paused) must read as unavailable within seconds, not hold every open page's summary.
 */
export const SUMMARY_READ_TIMEOUT_MS = 4000;

/** An upstream read for an HTTP answer, bounded: past the deadline it is `code` (cluster_ or registry_unavailable). */
export function bounded<T>(work: Promise<T>, code: string, what: string): Promise<T> {
  return withTimeout(work, SUMMARY_READ_TIMEOUT_MS).catch((err: unknown) => {
    if ((err as { name?: string })?.name !== 'TimeoutError') throw err;
    throw new DomainError(code, `${what} did not answer within ${SUMMARY_READ_TIMEOUT_MS / 1000}s`, 503);
  });
}

/** A read of a target's cluster API for an HTTP answer, bounded: past the deadline it is `cluster_unavailable`. */
export function clusterRead<T>(target: Target, read: (kube: KubeReader) => Promise<T>): Promise<T> {
  return bounded(adapters().kube(target).then(read), 'cluster_unavailable', `the cluster API of ${target.name}`);
}

/** The registry's tags for a summary (or the target list): bounded, and an error as a value. */
export function summaryRegistryTags(config: AppConfig): Promise<RegistryTags | DomainError> {
  return settle(bounded(registryTags(config), 'registry_unavailable', 'the registry'));
}

async function settle<T>(p: Promise<T>): Promise<T | DomainError> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof DomainError) return err;
    return new DomainError('unavailable', err instanceof Error ? err.message.split('\n')[0]! : 'error', 502);
  }
}

/**
 * The AKS cluster's power state for a summary, bounded; null for a target without an Azure cluster. A Resource
 * Manager that does not answer reads `Unknown` with the reason: the cluster's own read decides whether it answers.
 */
export async function clusterPowerView(target: Target): Promise<ClusterPowerView | null> {
  const power = adapters().clusterPower(target);
  if (!power) return null;
  const read = await settle(bounded(power.state(), 'cluster_unavailable', 'Azure Resource Manager'));
  if (!(read instanceof DomainError)) return read;
  return { power_state: 'Unknown', provisioning_state: 'Unknown', error: read.message.split('\n')[0]!.slice(0, 300) };
}

/** Which parts do not answer, from what the summary already read plus the exec server's health check. */
export function dependencyProblems(
  config: AppConfig,
  execProblem: string | null,
  live: LiveService | DomainError,
  registry: RegistryTags | DomainError,
  cluster: ClusterPowerView | null = null,
  target?: Target,
): DependencyProblem[] {
  const out: DependencyProblem[] = [];
  if (execProblem) out.push(dependencyProblem(config, 'exec', execProblem));
  // A stopped cluster refuses connections: that is the stop, said as such, not an outage.
  if (target && isStopped(cluster)) out.push(stoppedProblem(config, target));
  else if (live instanceof DomainError && live.code === 'cluster_unavailable')
    out.push(dependencyProblem(config, 'cluster', live.message));
  if (registry instanceof DomainError && registry.code === 'registry_unavailable')
    out.push(dependencyProblem(config, 'registry', registry.message));
  return out;
}

export async function targetSummary(
  config: AppConfig,
  target: Target,
  client: DurableClient,
  tags?: RegistryTags | DomainError,
  execProblem?: Promise<string | null>,
): Promise<TargetSummary> {
  const { targets, deployments } = adapters();
  const [{ state }, [last]] = await Promise.all([targets.get(target.name), deployments.list(target.name, 1)]);
  const [registryTagsOrError, live, active, exec, cluster, pending] = await Promise.all([
    tags ?? summaryRegistryTags(config),
    settle(liveService(target)),
    activeDeploy(state, client, config),
    execProblem ?? probeExec(config.execUpstream),
    clusterPowerView(target),
    pendingUpdate(state, client),
  ]);
  return buildSummary(
    config,
    target,
    state,
    registryView(config, target, state, registryTagsOrError),
    serviceView(target, state, live),
    active,
    last ?? null,
    dependencyProblems(config, exec, live, registryTagsOrError, cluster, target),
    cluster,
    { policy: policyView(target, state, new Date()), pending },
  );
}

/** The update waiting on the target (docs/policies.md "Approvals"), from its orchestration's status; null if none. */
export async function pendingUpdate(state: TargetState, client: DurableClient): Promise<PendingUpdate | null> {
  if (!state.pendingUpdateId) return null;
  try {
    const s = await client.getStatus(state.pendingUpdateId);
    return pendingUpdateView(state.pendingUpdateId, s.runtimeStatus, s.customStatus);
  } catch {
    // Not visible yet (just started) or Durable unreachable: nothing to show rather than a guess.
    return null;
  }
}

/** The activity view of one target: two table reads, no registry, no cluster, no Durable. */
export async function targetActivity(target: Target): Promise<ActivityView> {
  const { targets, deployments } = adapters();
  const [{ state }, [last]] = await Promise.all([targets.get(target.name), deployments.list(target.name, 1)]);
  return activityView(state, last ?? null);
}
