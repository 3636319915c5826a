// Checks API answers at the boundary. A required field that is missing or of the wrong type is a contract
// break and raises `ApiContractError` (code `bad_response`), so the page shows a clear error instead of
// rendering half a state. Optional fields degrade to null.
import type {
  ActiveDeploy,
  DependencyProblem,
  DeployBrief,
  DeployedImage,
  DeployError,
  DeploymentRecord,
  DeployOutput,
  DeployStatus,
  FailedDigest,
  OpenApiOperation,
  PhaseDuration,
  PhaseStatus,
  RegistryState,
  ServiceState,
  StartDeployAnswer,
  TargetActivity,
  TargetSummary,
  TimelineEntry,
} from './types.js';
import { parseTime } from '../core/format.js';

export class ApiContractError extends Error {
  readonly code = 'bad_response';
  constructor(what: string) {
    super(`The server's answer did not match the API contract: ${what}.`);
    this.name = 'ApiContractError';
  }
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw new ApiContractError(`${what} is not an object`);
  return value;
}

function requiredString(obj: Json, key: string, what: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value === '') throw new ApiContractError(`${what}.${key} is missing`);
  return value;
}

function optionalString(obj: Json, key: string): string | null {
  const value = obj[key];
  return typeof value === 'string' && value !== '' ? value : null;
}

function optionalNumber(obj: Json, key: string): number | null {
  const value = obj[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

// Keyed by core/timeline.ts's PhaseStatus, so a status added there fails the type-check until it is listed here.
const PHASE_STATUSES: Record<PhaseStatus, true> = {
  pending: true,
  running: true,
  done: true,
  skipped: true,
  failed: true,
};

function isPhaseStatus(value: unknown): value is PhaseStatus {
  return typeof value === 'string' && Object.hasOwn(PHASE_STATUSES, value);
}

function parseTimelineEntry(value: unknown): TimelineEntry {
  const obj = object(value, 'timeline entry');
  const status = obj['status'];
  if (!isPhaseStatus(status)) {
    throw new ApiContractError(
      `timeline entry status ${JSON.stringify(status)} is not one of ${Object.keys(PHASE_STATUSES).join('/')}`,
    );
  }
  return {
    name: requiredString(obj, 'name', 'timeline entry'),
    status,
    startedAt: optionalString(obj, 'startedAt'),
    endedAt: optionalString(obj, 'endedAt'),
    detail: optionalString(obj, 'detail'),
  };
}

export function parseTimeline(value: unknown): TimelineEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApiContractError('timeline is not a list');
  return value.map(parseTimelineEntry);
}

function parseDeployed(value: unknown): DeployedImage | null {
  if (!isObject(value)) return null;
  return {
    tag: optionalString(value, 'tag'),
    digest: optionalString(value, 'digest'),
    image: optionalString(value, 'image'),
    deployed_at: optionalString(value, 'deployed_at'),
  };
}

function parseRegistry(value: unknown): RegistryState | null {
  if (!isObject(value)) return null;
  return {
    tag: optionalString(value, 'tag'),
    digest: optionalString(value, 'digest'),
    tags: stringList(value['tags']),
    error: optionalString(value, 'error'),
  };
}

function parseService(value: unknown): ServiceState {
  const obj = isObject(value) ? value : {};
  return {
    installed: obj['installed'] === true,
    external_ip: optionalString(obj, 'external_ip'),
    base_url: optionalString(obj, 'base_url'),
    swagger_url: optionalString(obj, 'swagger_url'),
    api_version: optionalString(obj, 'api_version'),
    live_image: optionalString(obj, 'live_image'),
    error: optionalString(obj, 'error'),
    error_code: optionalString(obj, 'error_code'),
  };
}

function parseActiveDeploy(value: unknown): ActiveDeploy | null {
  if (!isObject(value)) return null;
  return {
    instance_id: requiredString(value, 'instance_id', 'active_deploy'),
    runtime_status: optionalString(value, 'runtime_status') ?? 'Pending',
    phase: optionalString(value, 'phase'),
    reason: optionalString(value, 'reason'),
    stuck: value['stuck'] === true,
    cancel_requested: value['cancel_requested'] === true,
  };
}

function parseDrift(value: unknown): TargetSummary['drift'] {
  if (!isObject(value)) return null;
  return { detected: value['detected'] === true, live_image: optionalString(value, 'live_image') };
}

function parseShortError(value: unknown): { code: string; message: string } | null {
  if (!isObject(value)) return null;
  return {
    code: optionalString(value, 'code') ?? 'deploy_failed',
    message: optionalString(value, 'message') ?? 'The deploy failed without a message.',
  };
}

/** A deploy's short account (`last_deploy`); null when absent. */
export function parseDeployBrief(value: unknown): DeployBrief | null {
  if (value === undefined || value === null) return null;
  const obj = object(value, 'last_deploy');
  return {
    deploy_id: requiredString(obj, 'deploy_id', 'last_deploy'),
    reason: optionalString(obj, 'reason') ?? 'update',
    requester: optionalString(obj, 'requester'),
    status: requiredString(obj, 'status', 'last_deploy'),
    cancel_requested: obj['cancel_requested'] === true,
    started_at: optionalString(obj, 'started_at'),
    finished_at: optionalString(obj, 'finished_at'),
    tag: optionalString(obj, 'tag'),
    digest: optionalString(obj, 'digest'),
    error: parseShortError(obj['error']),
    cluster_state: optionalString(obj, 'cluster_state'),
  };
}

function parseFailedDigest(value: unknown): FailedDigest {
  const obj = object(value, 'failed digest');
  return {
    digest: requiredString(obj, 'digest', 'failed digest'),
    tag: optionalString(obj, 'tag'),
    deploy_id: requiredString(obj, 'deploy_id', 'failed digest'),
    failed_at: optionalString(obj, 'failed_at'),
    outcome: optionalString(obj, 'outcome') ?? 'failed',
    code: optionalString(obj, 'code') ?? 'deploy_failed',
    message: optionalString(obj, 'message') ?? 'the deploy failed',
  };
}

function parseDependency(value: unknown): DependencyProblem {
  const obj = object(value, 'dependency');
  return {
    part: requiredString(obj, 'part', 'dependency'),
    code: requiredString(obj, 'code', 'dependency'),
    message: optionalString(obj, 'message') ?? 'It does not answer.',
    hint: optionalString(obj, 'hint'),
  };
}

/** A list field added to the contract later: absent means empty (an older server), anything else is checked. */
function listOf<T>(value: unknown, what: string, parse: (item: unknown) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApiContractError(`${what} is not a list`);
  return value.map(parse);
}

export function parseSummary(value: unknown): TargetSummary {
  const obj = object(value, 'target summary');
  return {
    target: requiredString(obj, 'target', 'summary'),
    kind: optionalString(obj, 'kind') ?? 'unknown',
    namespace: optionalString(obj, 'namespace'),
    pinned_tag: requiredString(obj, 'pinned_tag', 'summary'),
    desired_tag: optionalString(obj, 'desired_tag'),
    deployed: parseDeployed(obj['deployed']),
    registry: parseRegistry(obj['registry']),
    update_available: obj['update_available'] === true,
    drift: parseDrift(obj['drift']),
    service: parseService(obj['service']),
    active_deploy: parseActiveDeploy(obj['active_deploy']),
    last_deploy: parseDeployBrief(obj['last_deploy']),
    failed_digests: listOf(obj['failed_digests'], 'failed_digests', parseFailedDigest),
    registry_digest_failed:
      obj['registry_digest_failed'] === undefined || obj['registry_digest_failed'] === null
        ? null
        : parseFailedDigest(obj['registry_digest_failed']),
    dependencies: listOf(obj['dependencies'], 'dependencies', parseDependency),
    change_token: optionalString(obj, 'change_token'),
  };
}

export function parseActivity(value: unknown): TargetActivity {
  const obj = object(value, 'activity');
  const active = obj['active_deploy'];
  let activeDeploy: TargetActivity['active_deploy'] = null;
  if (active !== undefined && active !== null) {
    const a = object(active, 'activity.active_deploy');
    activeDeploy = {
      instance_id: requiredString(a, 'instance_id', 'activity.active_deploy'),
      reason: optionalString(a, 'reason'),
      requester: optionalString(a, 'requester'),
      started_at: optionalString(a, 'started_at'),
    };
  }
  return {
    target: requiredString(obj, 'target', 'activity'),
    change_token: requiredString(obj, 'change_token', 'activity'),
    active_deploy: activeDeploy,
    last_deploy: parseDeployBrief(obj['last_deploy']),
  };
}

export function parseActivityList(value: unknown): TargetActivity[] {
  const obj = object(value, 'activity list');
  if (!Array.isArray(obj['targets'])) throw new ApiContractError('activity list.targets is not a list');
  return obj['targets'].map(parseActivity);
}

export function parseSummaryList(value: unknown): TargetSummary[] {
  if (!Array.isArray(value)) throw new ApiContractError('the target list is not a list');
  return value.map(parseSummary);
}

function parseDeployError(value: unknown): DeployError | null {
  if (typeof value === 'string' && value !== '') return { code: 'deploy_failed', message: value, diagnostics: null };
  if (!isObject(value)) return null;
  return {
    code: optionalString(value, 'code') ?? 'deploy_failed',
    message: optionalString(value, 'message') ?? 'The deploy failed without a message.',
    diagnostics: value['diagnostics'] ?? null,
  };
}

function parseOutput(value: unknown): DeployOutput | null {
  if (!isObject(value)) return null;
  const openapi = isObject(value['openapi_deploy']) ? value['openapi_deploy'] : {};
  return {
    status: optionalString(value, 'status'),
    image: optionalString(value, 'image') ?? optionalString(openapi, 'image'),
    digest: optionalString(value, 'digest') ?? optionalString(openapi, 'digest'),
    previous_image: optionalString(value, 'previous_image'),
    external_ip: optionalString(openapi, 'external_ip') ?? optionalString(value, 'external_ip'),
    elapsed_seconds: optionalNumber(value, 'elapsed_seconds'),
    error: parseDeployError(value['error']),
    rollback: value['rollback'] ?? null,
    cluster_state: optionalString(value, 'cluster_state'),
  };
}

export function parseDeployStatus(value: unknown): DeployStatus {
  const obj = object(value, 'deploy status');
  const custom = isObject(obj['custom_status']) ? obj['custom_status'] : {};
  const output = parseOutput(obj['output']);
  const timeline = parseTimeline(
    custom['timeline'] ?? (isObject(obj['output']) ? obj['output']['timeline'] : undefined),
  );
  return {
    instance_id: requiredString(obj, 'instance_id', 'deploy status'),
    runtime_status: requiredString(obj, 'runtime_status', 'deploy status'),
    phase: optionalString(custom, 'phase'),
    timeline,
    target: optionalString(custom, 'target'),
    image: optionalString(custom, 'image'),
    output,
    cancel_requested: custom['cancel_requested'] === true,
    stuck: obj['stuck'] === true,
    created_time: optionalString(obj, 'created_time'),
    last_updated_time: optionalString(obj, 'last_updated_time'),
  };
}

export function parseStartDeploy(value: unknown): StartDeployAnswer {
  const obj = object(value, 'deploy start answer');
  const instanceId = optionalString(obj, 'instance_id') ?? requiredString(obj, 'id', 'deploy start answer');
  return {
    id: optionalString(obj, 'id') ?? instanceId,
    instance_id: instanceId,
    target: optionalString(obj, 'target'),
    status: optionalString(obj, 'status') ?? 'queued',
  };
}

/**
 * Durations from a timeline, in the order the phases ran. Skipped phases took no time and phases without both
 * timestamps cannot be measured, except that a failed phase is always kept (0 ms when its times are missing):
 * History marks where a deploy failed.
 */
function durationsFromTimeline(timeline: TimelineEntry[]): PhaseDuration[] {
  return timeline.flatMap((entry) => {
    if (entry.status === 'skipped') return [];
    const start = parseTime(entry.startedAt);
    const end = parseTime(entry.endedAt);
    const measured = start !== null && end !== null && end >= start;
    if (!measured && entry.status !== 'failed') return [];
    return [{ name: entry.name, durationMs: measured ? end - start : 0, status: entry.status }];
  });
}

/** The phase the deploy failed in (the first failed one: a failed rollback comes after it). */
function failedPhase(timeline: TimelineEntry[]): string | null {
  return timeline.find((entry) => entry.status === 'failed')?.name ?? null;
}

/** `phase_seconds: {name: seconds}` as stored on a history row; the server lists phases in the order they ran. */
function durationsFromSeconds(value: unknown): PhaseDuration[] {
  if (!isObject(value)) return [];
  return Object.entries(value).flatMap(([name, seconds]) =>
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
      ? [{ name, durationMs: seconds * 1000, status: 'done' as const }]
      : [],
  );
}

/**
 * A history row. The server's rows are stored deploy records (`deploy_id`, `requested_at`, `finished_at`,
 * `timeline` — or, in records written before it, `phase_seconds` — and `rollback_status`); rows in the status shape (`custom_status`, `output`) or carrying a
 * `timeline` are read too, so History does not depend on which of the two the list returns.
 */
function parseDeploymentRecord(value: unknown): DeploymentRecord {
  const obj = object(value, 'deployment record');
  if (isObject(obj['custom_status']) || 'runtime_status' in obj) {
    const status = parseDeployStatus(obj);
    return {
      instance_id: status.instance_id,
      reason: optionalString(obj, 'reason') ?? optionalString(isObject(obj['input']) ? obj['input'] : {}, 'reason'),
      status: status.output?.status ?? status.runtime_status.toLowerCase(),
      tag: optionalString(obj, 'tag'),
      digest: status.output?.digest ?? null,
      started_at: status.created_time,
      ended_at: status.last_updated_time,
      elapsed_seconds: status.output?.elapsed_seconds ?? null,
      phases: durationsFromTimeline(status.timeline),
      failed_phase: failedPhase(status.timeline),
      error: status.output?.error ?? null,
      rollback_status: null,
      requester: optionalString(obj, 'requester'),
      cluster_state: status.output?.cluster_state ?? null,
    };
  }
  const openapi = isObject(obj['openapi_deploy']) ? obj['openapi_deploy'] : {};
  const instanceId =
    optionalString(obj, 'deploy_id') ?? optionalString(obj, 'instance_id') ?? optionalString(obj, 'id');
  if (!instanceId) throw new ApiContractError('deployment record has no deploy_id');
  const timeline = parseTimeline(obj['timeline']);
  const rollback = isObject(obj['rollback']) ? obj['rollback'] : {};
  return {
    instance_id: instanceId,
    reason: optionalString(obj, 'reason'),
    status: optionalString(obj, 'status') ?? 'unknown',
    tag: optionalString(obj, 'tag') ?? optionalString(openapi, 'tag'),
    digest: optionalString(obj, 'digest') ?? optionalString(openapi, 'digest'),
    started_at: optionalString(obj, 'requested_at') ?? optionalString(obj, 'started_at'),
    ended_at: optionalString(obj, 'finished_at') ?? optionalString(obj, 'ended_at'),
    elapsed_seconds: optionalNumber(obj, 'elapsed_seconds'),
    phases: timeline.length > 0 ? durationsFromTimeline(timeline) : durationsFromSeconds(obj['phase_seconds']),
    failed_phase: failedPhase(timeline),
    error: parseDeployError(obj['error']),
    rollback_status: optionalString(obj, 'rollback_status') ?? optionalString(rollback, 'status'),
    requester: optionalString(obj, 'requester'),
    cluster_state:
      optionalString(obj, 'cluster_state') ??
      (isObject(obj['output']) ? optionalString(obj['output'], 'cluster_state') : null),
  };
}

export function parseDeploymentList(value: unknown): DeploymentRecord[] {
  const list = Array.isArray(value) ? value : isObject(value) ? value['deployments'] : undefined;
  if (!Array.isArray(list)) throw new ApiContractError('the deployment history is not a list');
  return list.map(parseDeploymentRecord);
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** Flattens an OpenAPI document's `paths` into operations; anything that is not an operation is ignored. */
export function parseOpenApiOperations(value: unknown): {
  title: string | null;
  version: string | null;
  operations: OpenApiOperation[];
} {
  const doc = object(value, 'OpenAPI document');
  const paths = object(doc['paths'] ?? {}, 'OpenAPI paths');
  const info = isObject(doc['info']) ? doc['info'] : {};
  const operations: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: optionalString(op, 'summary'),
        operationId: optionalString(op, 'operationId'),
        tags: stringList(op['tags']),
        deprecated: op['deprecated'] === true,
      });
    }
  }
  return { title: optionalString(info, 'title'), version: optionalString(info, 'version'), operations };
}
