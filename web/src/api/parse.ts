// Checks API answers at the boundary with the contract's schemas (core/contract, the same ones the server
// validates with and the OpenAPI document is generated from). An answer that does not match is a contract break
// and raises `ApiContractError` (code `bad_response`) naming the field, so the page shows a clear error instead of
// rendering half a state. A field the dashboard does not know is dropped, not refused: a newer server may add
// fields before the dashboard reads them (docs/contracts.md "One schema per shape").
import * as z from 'zod/mini';
import * as contract from '../../../core/contract/index.js';
import { ProxyAnswer } from '../../../core/contract/proxy.js';
import { WavesAnswer, type WaveView } from '../../../core/contract/waves.js';
import type {
  DependencyProblem,
  DeployError,
  DeploymentRecord,
  DeployOutput,
  DeployStatus,
  OpenApiOperation,
  PhaseDuration,
  StartDeployAnswer,
  TargetActivity,
  TargetSummary,
  TimelineEntry,
  TokenReveal,
} from './types.js';
import { parseTime } from '../core/format.js';

export class ApiContractError extends Error {
  readonly code = 'bad_response';
  constructor(what: string) {
    super(`The server's answer did not match the API contract: ${what}.`);
    this.name = 'ApiContractError';
  }
}

/** `what` names the answer in the message: "target summary.service.installed: must be a boolean". */
function check<S extends z.core.$ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = z.safeParse(schema, value, { reportInput: true });
  if (result.success) return result.data;
  throw new ApiContractError(contract.describeIssue(result.error.issues[0]!, what));
}

export function parseSummary(value: unknown): TargetSummary {
  return check(contract.TargetSummary, value, 'target summary');
}

export function parseSummaryList(value: unknown): TargetSummary[] {
  return check(contract.TargetSummaryList, value, 'the target list');
}

export function parseWaves(value: unknown): WaveView[] {
  return check(WavesAnswer, value, 'the wave list').waves;
}

export function parseActivity(value: unknown): TargetActivity {
  return check(contract.TargetActivity, value, 'activity');
}

export function parseActivityList(value: unknown): TargetActivity[] {
  return check(contract.ActivityList, value, 'activity list').targets;
}

function deployError(error: z.output<typeof contract.DeployError> | null): DeployError | null {
  return error ? { code: error.code, message: error.message, diagnostics: error.diagnostics ?? null } : null;
}

function outputView(output: z.output<typeof contract.DeployOutput> | null): DeployOutput | null {
  if (!output) return null;
  return {
    status: output.status,
    image: output.openapi_deploy.image,
    digest: output.openapi_deploy.digest,
    previous_image: output.previous_image,
    external_ip: output.openapi_deploy.external_ip,
    elapsed_seconds: output.elapsed_seconds,
    error: deployError(output.error),
    rollback: output.rollback,
    cluster_state: output.cluster_state,
  };
}

export function parseDeployStatus(value: unknown): DeployStatus {
  const status = check(contract.DeployStatus, value, 'deploy status');
  const custom = status.custom_status;
  return {
    instance_id: status.instance_id,
    runtime_status: status.runtime_status,
    phase: custom.phase,
    timeline: custom.timeline,
    target: custom.target,
    image: custom.image,
    output: outputView(status.output),
    cancel_requested: custom.cancel_requested,
    stuck: status.stuck,
    created_time: status.created_time,
    last_updated_time: status.last_updated_time,
  };
}

/** The body of a 503 that refused a deploy because a part is down, or null when it is another error. */
export function parseDependencyProblem(body: unknown): DependencyProblem | null {
  const result = z.safeParse(contract.DependencyProblem, body);
  return result.success ? result.data : null;
}

export function parseStartDeploy(value: unknown): StartDeployAnswer {
  return check(contract.DeployAccepted, value, 'deploy start answer');
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

/** `phase_seconds: {name: seconds}` of records written before the timeline was stored (their timeline is `[]`). */
function durationsFromSeconds(seconds: Record<string, number>): PhaseDuration[] {
  return Object.entries(seconds).flatMap(([name, s]) =>
    Number.isFinite(s) && s >= 0 ? [{ name, durationMs: s * 1000, status: 'done' as const }] : [],
  );
}

export function parseDeploymentList(value: unknown): DeploymentRecord[] {
  return check(contract.DeploymentList, value, 'the deployment history').map((r) => ({
    instance_id: r.deploy_id,
    reason: r.reason,
    status: r.status,
    tag: r.tag,
    digest: r.digest,
    started_at: r.requested_at,
    ended_at: r.finished_at,
    elapsed_seconds: r.elapsed_seconds,
    phases: r.timeline.length > 0 ? durationsFromTimeline(r.timeline) : durationsFromSeconds(r.phase_seconds),
    // The first failed phase: a failed rollback comes after it.
    failed_phase: r.timeline.find((entry) => entry.status === 'failed')?.name ?? null,
    error: r.error ? { ...r.error, diagnostics: null } : null,
    rollback_status: r.rollback_status,
    requester: r.requester,
    approval: r.approval,
    window_override: r.window_override,
  }));
}

// The live service's own OpenAPI document is elb-openapi's contract, not this API's: it is read leniently (what is
// not an operation is skipped), with these few helpers.
type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (obj: Json, key: string): string | null =>
  typeof obj[key] === 'string' && obj[key] !== '' ? obj[key] : null;
const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

function object(value: unknown, what: string): Json {
  if (!isObject(value)) throw new ApiContractError(`${what} is not an object`);
  return value;
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

export function parseTokenReveal(value: unknown): TokenReveal {
  return check(contract.TokenReveal, value, 'token reveal');
}

/** The proxy's answer for Try it: the service's status, headers (without secrets) and body. */
export function parseProxyAnswer(value: unknown): z.output<typeof ProxyAnswer> {
  return check(ProxyAnswer, value, 'Try it answer');
}
