// The registry through Azure Resource Manager (@azure/arm-containerregistry, with the app's identity): its facts, its
// ACR Tasks runs, and the builds of Rebuild & Deploy (docs/deploy.md#rebuild--deploy). Version 11 is pinned: 12 has
// no ACR Tasks operations. The SDK is loaded on first use (docs/decisions/0002-function-app-bundle.md). Locally
// the sim serves the same endpoints (docs/sim.md "The management plane").
import type { ContainerRegistryManagementClient, Run } from '@azure/arm-containerregistry';
import { BuildSource, buildState, BuildState, dockerBuildRequest } from '../core/build';
import { DomainError } from '../core/errors';
import { armEndpoint } from './cluster-reader';
import { azureCredential } from './credentials';
import { boundedClientOptions } from './request-timeout';

/** A registry as Azure Resource Manager names it. */
export interface RegistryRef {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** What the old system's `/api/monitor/acr` said about the registry. */
export interface RegistryFacts {
  id: string;
  name: string;
  login_server: string;
  sku: string;
  location: string;
}

/** One ACR Tasks run, as the API shows it (never its log link: a SAS URL is a secret). */
export interface BuildRun {
  run_id: string;
  status: string;
  state: BuildState;
  /** `repository:tag` of what the run pushed (ACR reports no image before the push). */
  images: string[];
  /** repository:tag → digest, once pushed. */
  output: { repository: string; tag: string; digest: string }[];
  created_at: string | null;
  finished_at: string | null;
  error: string | null;
}

const loadSdk = () =>
  import('@azure/arm-containerregistry') as unknown as Promise<typeof import('@azure/arm-containerregistry')>;

/** ARM's own failures in the API's words: a registry that cannot be read is a coded error, never an empty answer. */
export function armError(err: unknown, what: string): DomainError {
  if (err instanceof DomainError) return err;
  const e = err as { statusCode?: number; code?: string; name?: string };
  const status = e.statusCode;
  if (status === 401 || status === 403)
    return new DomainError('registry_forbidden', `not allowed to ${what} (HTTP ${status})`, 502);
  if (status === 404)
    return new DomainError('registry_not_found', `Azure Resource Manager does not know it: ${what}`, 502);
  if (status !== undefined)
    return new DomainError('registry_unavailable', `Azure Resource Manager answered HTTP ${status} to ${what}`, 502);
  return new DomainError('registry_unavailable', `Azure Resource Manager is unreachable (${what})`, 503);
}

function toBuildRun(run: Run): BuildRun {
  const output = (run.outputImages ?? []).flatMap((i) =>
    i.repository && i.tag && i.digest ? [{ repository: i.repository, tag: i.tag, digest: i.digest }] : [],
  );
  const images = output.map((o) => `${o.repository}:${o.tag}`);
  return {
    run_id: run.runId ?? '',
    status: run.status ?? 'Unknown',
    state: buildState(run.status),
    images,
    output,
    created_at: run.createTime ? new Date(run.createTime).toISOString() : null,
    finished_at: run.finishTime ? new Date(run.finishTime).toISOString() : null,
    error: run.runErrorMessage ? run.runErrorMessage.slice(0, 500) : null,
  };
}

export class RegistryManagement {
  private client: Promise<ContainerRegistryManagementClient> | null = null;

  constructor(
    readonly registry: RegistryRef,
    private readonly endpoint: string = armEndpoint(),
  ) {}

  private sdk(): Promise<ContainerRegistryManagementClient> {
    this.client ??= loadSdk().then(
      ({ ContainerRegistryManagementClient }) =>
        new ContainerRegistryManagementClient(azureCredential(), this.registry.subscriptionId, {
          endpoint: this.endpoint,
          ...boundedClientOptions(),
        }),
    );
    return this.client;
  }

  async facts(): Promise<RegistryFacts> {
    const { resourceGroup, name } = this.registry;
    try {
      const r = await (await this.sdk()).registries.get(resourceGroup, name);
      return {
        id: r.id ?? '',
        name: r.name ?? name,
        login_server: r.loginServer ?? '',
        sku: r.sku?.name ?? 'unknown',
        location: r.location ?? '',
      };
    } catch (err) {
      throw armError(err, `read registry ${name}`);
    }
  }

  /** The newest runs, newest first. */
  async runs(top = 10): Promise<BuildRun[]> {
    const { resourceGroup, name } = this.registry;
    try {
      const out: BuildRun[] = [];
      for await (const run of (await this.sdk()).runs.list(resourceGroup, name, { top })) {
        out.push(toBuildRun(run));
        if (out.length >= top) break;
      }
      return out;
    } catch (err) {
      throw armError(err, `list the ACR Tasks runs of ${name}`);
    }
  }

  async run(runId: string): Promise<BuildRun> {
    const { resourceGroup, name } = this.registry;
    try {
      return toBuildRun(await (await this.sdk()).runs.get(resourceGroup, name, runId));
    } catch (err) {
      throw armError(err, `read ACR Tasks run ${runId}`);
    }
  }

  /** Queues a build of `repository:tag` from `source`; answers once the run is queued (not built). */
  async scheduleBuild(source: BuildSource, repository: string, tag: string): Promise<BuildRun> {
    const { resourceGroup, name } = this.registry;
    try {
      const run = await (
        await this.sdk()
      ).registries.beginScheduleRunAndWait(resourceGroup, name, dockerBuildRequest(source, repository, tag));
      if (!run.runId) throw new DomainError('build_not_started', 'ACR Tasks answered without a run id', 502);
      return toBuildRun(run);
    } catch (err) {
      throw armError(err, `schedule a build in ${name}`);
    }
  }

  /**
   * Asks ACR to cancel the run; whether it did is read from the run (`runs.get`), not from the operation URL, which
   * lies above the registry where the app's role does not reach (docs/decisions/0003-management-plane-roles.md).
   */
  async cancel(runId: string): Promise<void> {
    const { resourceGroup, name } = this.registry;
    try {
      await (await this.sdk()).runs.beginCancel(resourceGroup, name, runId);
    } catch (err) {
      throw armError(err, `cancel ACR Tasks run ${runId}`);
    }
  }
}
