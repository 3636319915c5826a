// Contract fixtures: answers as the server sends them, typed from the contract's schemas (core/contract, the wire
// form: `z.input`) and checked against them when built, so a fixture cannot drift from what the server promises.
// They stand in for the server in the dashboard's own tests; they are not the backend.
import * as z from 'zod/mini';
import * as contract from '../../core/contract/index.js';
import { PHASES, phaseDurations, type TimelineEntry } from '../../core/timeline.js';
import type { ServiceState } from '../src/api/types.js';

type Wire<S extends z.core.$ZodType> = z.input<S>;

/** Checks a fixture against its schema and hands it back unchanged (as the server would send it). */
function wire<S extends z.core.$ZodType>(schema: S, value: Wire<S>): Wire<S> {
  const result = z.safeParse(schema, value, { reportInput: true });
  if (!result.success)
    throw new Error(`fixture breaks the contract: ${contract.describeIssue(result.error.issues[0]!)}`);
  return value;
}

export const DIGEST_OLD = 'sha256:1111111111111111111111111111111111111111111111111111111111111111';
export const DIGEST_NEW = 'sha256:2222222222222222222222222222222222222222222222222222222222222222';

export const DIGEST_BROKEN = 'sha256:960f0000000000000000000000000000000000000000000000000000000000aa';

export type DeployBriefFixture = Wire<typeof contract.DeployBrief>;

/** `last_deploy` of a summary (and of the activity feed): a deploy's short record. */
export function deployBrief(options: Partial<DeployBriefFixture> & { deploy_id: string }): DeployBriefFixture {
  const finished = options.status !== 'running' && options.status !== 'queued';
  return wire(contract.DeployBrief, {
    reason: 'update',
    requester: 'local-dev',
    status: 'succeeded',
    cancel_requested: false,
    started_at: '2026-05-15T12:02:00Z',
    finished_at: finished ? '2026-05-15T12:03:00Z' : null,
    tag: '3.4',
    digest: DIGEST_NEW,
    error: null,
    cluster_state: finished ? `running 127.0.0.1:5001/elb-openapi@${DIGEST_NEW}` : null,
    ...options,
  });
}

export type FailedDigestFixture = Wire<typeof contract.FailedDigest>;

export function failedDigest(options: Partial<FailedDigestFixture> = {}): FailedDigestFixture {
  return wire(contract.FailedDigest, {
    digest: DIGEST_BROKEN,
    tag: '3.4',
    deploy_id: 'auto-broken',
    failed_at: '2026-05-15T12:03:00Z',
    outcome: 'rolled_back',
    code: 'crash_loop',
    message: 'crash loop',
    ...options,
  });
}

export type DependencyFixture = Wire<typeof contract.DependencyProblem>;

/** A part that does not answer, as the summary (or a refused deploy start) reports it. */
export function dependency(part: DependencyFixture['part'], message = 'down', hint: string | null = null) {
  const code = `${part}_unavailable` as DependencyFixture['code'];
  return wire(contract.DependencyProblem, { part, code, message, hint });
}

export interface SummaryOptions {
  installed?: boolean;
  deployedDigest?: string;
  registryDigest?: string | null;
  tags?: string[];
  active?: Wire<typeof contract.ActiveDeployView> | null;
  target?: string;
  lastDeploy?: DeployBriefFixture | null;
  failedDigests?: FailedDigestFixture[];
  dependencies?: DependencyFixture[];
  /** `service.error`/`error_code` when the cluster cannot be read. */
  serviceError?: { error: string; error_code: string } | null;
  /** Fields of an installed, readable service that differ from the local sim's (an AKS address, its exposure). */
  service?: Partial<Wire<typeof contract.ServiceView>>;
  /** What Rebuild & Deploy builds; absent or null: not offered. */
  rebuild?: { image: string } | null;
  changeToken?: string;
  /** The AKS cluster's power state (`cluster`); null (the default) for a target without one. */
  cluster?: Wire<typeof contract.ClusterPowerView> | null;
  /** The update policy in force (`policy`); absent: an older server's summary without one. */
  policy?: Wire<typeof contract.PolicyView> | null;
  /** The update waiting for approval or the window. */
  pendingUpdate?: Wire<typeof contract.PendingUpdate> | null;
  /** The summary's drift (none by default) and the last reconcile's finding (none by default). */
  drift?: Wire<typeof contract.TargetSummary>['drift'];
  lastReconcile?: Wire<typeof contract.ReconcileFinding> | null;
}

export function summary(options: SummaryOptions = {}): Wire<typeof contract.TargetSummary> {
  const installed = options.installed ?? true;
  const deployedDigest = options.deployedDigest ?? DIGEST_OLD;
  const registryDigest = options.registryDigest === undefined ? DIGEST_OLD : options.registryDigest;
  const failed = options.failedDigests ?? [];
  return wire(contract.TargetSummary, {
    target: options.target ?? 'local',
    kind: 'kubeconfig',
    namespace: 'elb-openapi',
    pinned_tag: '3.4',
    desired_tag: '3.4',
    deployed: installed
      ? {
          tag: '3.4',
          digest: deployedDigest,
          image: `127.0.0.1:5001/elb-openapi@${deployedDigest}`,
          deployed_at: '2026-05-15T10:00:00Z',
        }
      : null,
    registry:
      registryDigest === null
        ? { tag: '3.4', digest: null, tags: [], error: 'registry_unavailable: the registry does not answer' }
        : { tag: '3.4', digest: registryDigest, tags: options.tags ?? ['3.3', '3.4'] },
    update_available: installed && registryDigest !== null && registryDigest !== deployedDigest,
    drift: options.drift ?? { detected: false, live_image: null },
    last_reconcile: options.lastReconcile ?? null,
    service: installed
      ? options.serviceError
        ? // As the server answers when the cluster cannot be read: installed per its own record, no address.
          serviceState(options.serviceError)
        : {
            installed: true,
            external_ip: '127.0.0.2',
            base_url: 'http://127.0.0.2:8080',
            swagger_url: 'http://127.0.0.2:8080/docs',
            api_version: '3.4.0',
            exposure: 'loopback',
            address_range: 'loopback',
            scheme: 'http',
            ...options.service,
          }
      : {
          installed: false,
          external_ip: null,
          base_url: null,
          swagger_url: null,
          api_version: null,
          exposure: null,
          address_range: null,
          scheme: null,
          ...(options.serviceError ?? {}),
        },
    cluster: options.cluster ?? null,
    active_deploy: options.active ?? null,
    last_deploy: options.lastDeploy ?? null,
    failed_digests: failed,
    registry_digest_failed: failed.find((f) => f.digest === registryDigest) ?? null,
    dependencies: options.dependencies ?? [],
    change_token: options.changeToken ?? changeToken(options),
    rebuild: options.rebuild ?? null,
    policy: options.policy ?? null,
    pending_update: options.pendingUpdate ?? null,
  });
}

/** As the server derives it: changes with the active deploy, the last deploy's status and the deployed digest. */
function changeToken(options: SummaryOptions): string {
  const installed = options.installed ?? true;
  return [
    options.active?.instance_id ?? '-',
    options.lastDeploy ? `${options.lastDeploy.deploy_id}:${options.lastDeploy.status}` : '-',
    installed ? (options.deployedDigest ?? DIGEST_OLD) : '-',
    options.pendingUpdate ? `${options.pendingUpdate.update_id}:${options.pendingUpdate.state}` : '-',
  ].join('|');
}

/** `GET …/activity` for a summary built by `summary()`. */
export function activity(s: ReturnType<typeof summary>) {
  return wire(contract.TargetActivity, {
    target: s.target,
    change_token: s.change_token,
    active_deploy: s.active_deploy
      ? {
          instance_id: s.active_deploy.instance_id,
          reason: s.active_deploy.reason,
          requester: s.active_deploy.reason === 'auto' ? 'event-grid' : 'local-dev',
          started_at: '2026-05-15T12:02:00Z',
        }
      : null,
    last_deploy: s.last_deploy ?? null,
  });
}

const at = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString();

/**
 * A timeline in which the phases before `current` are done (3 s each, `setup_workload_identity` skipped as on a
 * kubeconfig target), `current` has the given status, and later phases are pending.
 */
export function timeline(
  current: (typeof PHASES)[number] | null,
  currentStatus: 'running' | 'failed' | 'done',
  startMs: number,
): TimelineEntry[] {
  const index = current === null ? PHASES.length : PHASES.indexOf(current);
  return PHASES.map((name, i) => {
    if (name === 'setup_workload_identity' && i < index) {
      return {
        name,
        status: 'skipped',
        startedAt: at(startMs, 3),
        endedAt: at(startMs, 3),
        detail: 'not an AKS target',
      };
    }
    if (i < index)
      return { name, status: 'done', startedAt: at(startMs, i * 3), endedAt: at(startMs, i * 3 + 3), detail: '' };
    if (i === index) {
      return {
        name,
        status: currentStatus,
        startedAt: at(startMs, i * 3),
        endedAt: currentStatus === 'running' ? null : at(startMs, i * 3 + 7),
        detail: currentStatus === 'failed' ? 'pod elb-openapi-6d9f: ImagePullBackOff' : 'waiting',
      };
    }
    return { name, status: 'pending', startedAt: null, endedAt: null, detail: '' };
  });
}

/** A deploy that failed waiting for the rollout and was rolled back: the timeline with its `rolling_back` phase. */
export function rolledBackTimeline(startMs: number): TimelineEntry[] {
  return [
    ...timeline('waiting_for_rollout', 'failed', startMs),
    {
      name: 'rolling_back',
      status: 'done',
      startedAt: at(startMs, 20),
      endedAt: at(startMs, 28),
      detail: 'restored previous image',
    },
  ];
}

/** The 202 of a deploy start. */
export function accepted(id: string, reason: z.output<typeof contract.DeployReason> = 'update') {
  return wire(contract.DeployAccepted, {
    id,
    instance_id: id,
    target: 'local',
    reason,
    status: 'queued',
    statusQueryGetUri: `/api/aks/openapi/deploy/${id}/status`,
  });
}

/** The active deploy a summary reports while `deploy-local-1` runs. */
export function activeDeploy(phase: string, runtime = 'Running', reason = 'update') {
  return wire(contract.ActiveDeployView, { instance_id: 'deploy-local-1', runtime_status: runtime, phase, reason });
}

type DeployOutputWire = Wire<typeof contract.DeployOutput>;
export type OutputOptions = Partial<Omit<DeployOutputWire, 'openapi_deploy'>> & {
  status: DeployOutputWire['status'];
  openapi_deploy?: Partial<DeployOutputWire['openapi_deploy']>;
};

/** A deploy output (docs/deploy.md) with every field the server sets; `options` says what matters to a test. */
export function deployOutput(options: OutputOptions): DeployOutputWire {
  const image = `127.0.0.1:5001/elb-openapi@${DIGEST_NEW}`;
  const ok = options.status === 'succeeded';
  return wire(contract.DeployOutput, {
    deploy_id: 'deploy-local-1',
    target: 'local',
    namespace: 'elb-openapi',
    reason: 'update',
    requester: 'local-dev',
    workload_identity: null,
    previous_image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}`,
    error: null,
    rollback: null,
    cancel_requested: options.status === 'cancelled',
    cluster_state: ok ? `running ${image}` : 'unchanged: nothing was applied',
    timeline: [],
    started_at: '2026-05-15T12:02:00Z',
    finished_at: '2026-05-15T12:03:00Z',
    elapsed_seconds: 30,
    ...options,
    openapi_deploy: {
      status: ok
        ? 'deployed'
        : options.status === 'succeeded'
          ? 'deployed'
          : options.status === 'failed'
            ? 'failed'
            : options.status,
      image,
      tag: '3.4',
      digest: DIGEST_NEW,
      external_ip: ok ? '127.0.0.2' : null,
      base_url: ok ? 'http://127.0.0.2:8080' : null,
      api_version: ok ? '3.4.0' : null,
      apply_output: '',
      ready_replicas: ok ? 1 : null,
      desired_replicas: 1,
      ...options.openapi_deploy,
    },
  });
}

export interface StatusOptions {
  instanceId?: string;
  runtime: 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated';
  phase: z.output<typeof contract.CurrentPhase>;
  timeline?: ReturnType<typeof timeline>;
  output?: OutputOptions | null;
  createdMs: number;
  cancelRequested?: boolean;
  reason?: z.output<typeof contract.DeployReason>;
}

export function status(options: StatusOptions): Wire<typeof contract.DeployStatus> {
  return wire(contract.DeployStatus, {
    instance_id: options.instanceId ?? 'deploy-local-1',
    runtime_status: options.runtime,
    custom_status: {
      phase: options.phase,
      timeline: options.timeline ?? [],
      target: 'local',
      image: `127.0.0.1:5001/elb-openapi@${DIGEST_NEW}`,
      reason: options.reason ?? 'update',
      cancel_requested: options.cancelRequested ?? false,
    },
    output: options.output ? deployOutput(options.output) : null,
    created_time: new Date(options.createdMs).toISOString(),
    last_updated_time: new Date(options.createdMs + 20_000).toISOString(),
    stuck: false,
  });
}

/** The status of a running deploy at `phase`, its earlier phases done. */
export function runningStatus(phase: (typeof PHASES)[number], createdMs: number) {
  return status({ runtime: 'Running', phase, timeline: timeline(phase, 'running', createdMs), createdMs });
}

/**
 * The status of a deploy cancelled on request while in `phase` (that phase failed with detail "cancelled"), the
 * previous image restored.
 */
export function cancelledStatus(phase: (typeof PHASES)[number], createdMs: number) {
  return status({
    runtime: 'Completed',
    phase: 'cancelled',
    timeline: timeline(phase, 'failed', createdMs).map((e) =>
      e.status === 'failed' ? { ...e, detail: 'cancelled' } : e,
    ),
    output: {
      status: 'cancelled',
      error: { code: 'cancelled', message: `cancelled on request during ${phase.replaceAll('_', ' ')}` },
      rollback: { status: 'succeeded', image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}` },
      cluster_state: `restored to 127.0.0.1:5001/elb-openapi@${DIGEST_OLD}`,
    },
    createdMs,
    cancelRequested: true,
  });
}

export const rolledBackOutput: OutputOptions = {
  status: 'rolled_back',
  deploy_id: 'deploy-local-1',
  target: 'local',
  reason: 'update',
  openapi_deploy: {
    status: 'rolled_back',
    image: `127.0.0.1:5001/elb-openapi@${DIGEST_NEW}`,
    external_ip: '127.0.0.2',
    apply_output: '',
  },
  cancel_requested: false,
  previous_image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}`,
  error: {
    code: 'image_pull_failed',
    message: 'The pods cannot pull the image.',
    diagnostics: {
      likely_cause: 'The cluster cannot pull from the registry or the digest does not exist.',
      what_to_do: 'Check that the cluster may pull from the registry (AcrPull) and that the digest exists.',
      pod: 'elb-openapi-6d9f',
      events: [
        {
          kind: 'Pod',
          name: 'elb-openapi-6d9f',
          reason: 'Failed',
          message: 'Failed to pull image: not found',
          type: 'Warning',
          count: 3,
        },
      ],
    },
  },
  rollback: { status: 'succeeded', image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}` },
  cluster_state: 'The previous image runs again and answers /healthz.',
  elapsed_seconds: 41,
};

export const openApiSpec = {
  openapi: '3.1.0',
  info: { title: 'ElasticBLAST OpenAPI', version: '3.4.0' },
  paths: {
    '/healthz': { get: { summary: 'Liveness', tags: ['health'] } },
    '/v1/jobs': {
      get: { summary: 'List jobs', tags: ['jobs'] },
      post: { summary: 'Submit a BLAST job', tags: ['jobs'] },
    },
    '/v1/jobs/{id}': {
      get: { summary: 'Job status', tags: ['jobs'] },
      delete: { summary: 'Cancel a job', tags: ['jobs'] },
    },
    '/v1/databases': { get: { summary: 'List BLAST databases', tags: ['databases'] } },
    '/metrics': { get: { summary: 'Prometheus metrics' } },
  },
};

/** The status of the deploy of `rolledBackTimeline`, finished with `rolledBackOutput`. */
export function rolledBackStatus(createdMs: number) {
  return status({
    runtime: 'Completed',
    phase: 'rolled_back',
    timeline: rolledBackTimeline(createdMs),
    output: rolledBackOutput,
    createdMs,
  });
}

export interface HistoryRowOptions {
  id: string;
  status: 'succeeded' | 'failed' | 'rolled_back' | 'cancelled';
  startMs: number;
  /** The record's timeline (records written since the timeline was stored). */
  timeline?: TimelineEntry[];
  /** Seconds per phase (records written before the timeline was stored carry only this). */
  phaseSeconds?: Record<string, number>;
  /** The decision an approval-mode update waited for. */
  approval?: { decision: 'approve' | 'reject'; by: string; at: string; comment: string | null };
}

/** A row of `GET /api/targets/{t}/openapi/deployments` as the server stores deploy records. */
export function historyRow(options: HistoryRowOptions): Wire<typeof contract.DeploymentListItem> {
  const failed = options.status === 'failed' || options.status === 'rolled_back';
  // As the server derives it: phase_seconds from the timeline when the record has one.
  const seconds = options.phaseSeconds ?? phaseDurations(options.timeline ?? []);
  return wire(contract.DeploymentListItem, {
    deploy_id: options.id,
    target: 'local',
    reason: 'update',
    requester: 'local-dev',
    status: options.status,
    requested_at: new Date(options.startMs).toISOString(),
    finished_at: new Date(options.startMs + 30_000).toISOString(),
    tag: '3.4',
    digest: DIGEST_NEW,
    image: null,
    previous_image: null,
    elapsed_seconds: Object.values(seconds).reduce((a, b) => a + b, 0),
    phase_seconds: seconds,
    // Records written before the timeline was stored have `[]` and only `phase_seconds`.
    timeline: options.timeline ?? [],
    error: failed ? { code: 'image_pull_failed', message: 'The pods cannot pull the image.' } : null,
    rollback_status: options.status === 'rolled_back' ? 'succeeded' : null,
    approval: options.approval ?? null,
  });
}

/** A service view with no address and nothing known about it, and the given fields. */
export function serviceState(fields: Partial<ServiceState>): ServiceState {
  return {
    installed: true,
    external_ip: null,
    base_url: null,
    swagger_url: null,
    api_version: '3.4.0',
    exposure: null,
    address_range: null,
    scheme: null,
    live_image: null,
    error: null,
    error_code: null,
    ...fields,
  };
}
