// The deploy activities, declared once: each one's name (the key, as the Functions host and the history know it),
// input and output. The registration (functions/deploy-orchestration.ts) registers every entry of this table, and
// the orchestrator calls them through a helper typed from it (orchestrations/deploy/run.orchestrator.ts), so the
// compiler links each call to its activity. The orchestrator imports only the types: no activity code is loaded there.
import type { DurableClient } from 'durable-functions';
import type { Telemetry } from '../../adapters/telemetry';
import type { DeployReason, FinishInput } from '../../core/deploy-model';
import { ApplyInput, applyManifests } from './apply-manifests';
import { BuildCancelInput, BuildCheckInput, BuildScheduleInput, cancelBuild, checkBuild, scheduleBuild } from './build';
import {
  AddressCheckInput,
  checkExternalIp,
  checkRollout,
  checkTokenSwap,
  InspectInput,
  inspectCluster,
  RolloutCheckInput,
  TokenCheckInput,
  verifyService,
  VerifyInput,
} from './checks';
import { checkClusterStart, ClusterStartCheckInput, ClusterStartInput, requestClusterStart } from './cluster-start';
import { finishDeploy } from './finish';
import { resolveImage, ResolveInput } from './resolve-image';
import { applyToken, TokenApplyInput } from './rotate-token';
import { setupWorkloadIdentity, WorkloadIdentityInput } from './workload-identity';

/**
 * The deploy an activity works for. The orchestrator sends it with every call (beside the activity's own input) so
 * the activity's telemetry names its deploy (docs/telemetry.md); calls scheduled by an older version lack it.
 */
export interface DeployRef {
  id: string;
  target: string;
  reason: DeployReason;
}

/** What the registration hands an activity besides its input. */
export interface ActivityEnv {
  /** The durable client binding; present only for entries with `durableClient: true`. */
  durableClient(): DurableClient;
}

export interface ActivityEntry<I, O> {
  run(input: I, env: ActivityEnv): Promise<O>;
  /** Registers a durable client input binding (the finish step may start a follow-up deploy). */
  durableClient?: true;
}

export const DEPLOY_ACTIVITIES = {
  deployResolveImage: { run: (input: ResolveInput) => resolveImage(input) },
  deploySetupWorkloadIdentity: { run: (input: WorkloadIdentityInput) => setupWorkloadIdentity(input) },
  deployApplyManifests: { run: (input: ApplyInput) => applyManifests(input) },
  deployCheckRollout: { run: (input: RolloutCheckInput) => checkRollout(input) },
  deployCheckExternalIp: { run: (input: AddressCheckInput) => checkExternalIp(input) },
  deployVerifyService: { run: (input: VerifyInput) => verifyService(input) },
  deployInspectCluster: { run: (input: InspectInput) => inspectCluster(input) },
  buildSchedule: { run: (input: BuildScheduleInput) => scheduleBuild(input) },
  buildCheck: { run: (input: BuildCheckInput) => checkBuild(input) },
  buildCancel: { run: (input: BuildCancelInput) => cancelBuild(input) },
  clusterStart: { run: (input: ClusterStartInput) => requestClusterStart(input) },
  clusterStartCheck: { run: (input: ClusterStartCheckInput) => checkClusterStart(input) },
  rotateTokenApply: { run: (input: TokenApplyInput) => applyToken(input) },
  rotateTokenCheck: { run: (input: TokenCheckInput) => checkTokenSwap(input) },
  deployFinish: {
    run: (input: FinishInput, env: ActivityEnv) => finishDeploy(input, env.durableClient()),
    durableClient: true,
  },
} as const satisfies Record<string, ActivityEntry<never, unknown>>;

type Table = typeof DEPLOY_ACTIVITIES;
export type ActivityName = keyof Table;
export type ActivityInput<N extends ActivityName> = Parameters<Table[N]['run']>[0];
export type ActivityOutput<N extends ActivityName> = Awaited<ReturnType<Table[N]['run']>>;
/** An activity's input as it travels: its own fields plus the deploy it belongs to. */
export type ActivityMessage<N extends ActivityName> = ActivityInput<N> & { deploy?: DeployRef };

/** The attributes that tie an activity's span and log to its deploy; a call from an older version names less. */
export function deployAttributes(name: ActivityName, message: unknown): Record<string, string> {
  const m = (typeof message === 'object' && message !== null ? message : {}) as {
    deploy?: Partial<DeployRef>;
    deployId?: unknown;
    target?: unknown;
    output?: { target?: unknown; reason?: unknown };
  };
  const found = {
    'elb.activity': name,
    'elb.deploy.id': m.deploy?.id ?? m.deployId,
    'elb.deploy.target': m.deploy?.target ?? m.target ?? m.output?.target,
    'elb.deploy.reason': m.deploy?.reason ?? m.output?.reason,
  };
  // Names and ids only, each short: never an input's other fields.
  return Object.fromEntries(
    Object.entries(found).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v.slice(0, 200)]] : [])),
  );
}

/** `ok`, or the coded failure's code: what a span and its log say about how an activity ended. */
function outcomeOf(value: unknown): string {
  const v = value as { ok?: unknown; error?: { code?: unknown } } | null;
  if (v && v.ok === false) return typeof v.error?.code === 'string' ? v.error.code : 'failed';
  return 'ok';
}

/**
 * What the registration gives the host for `name`: the table's entry, inside a span that names its deploy when
 * telemetry is on (adapters/telemetry.ts), the entry itself when it is off.
 */
export function activityHandler(
  name: ActivityName,
  telemetry: Telemetry | null,
): (message: unknown, env: ActivityEnv) => Promise<unknown> {
  const entry = DEPLOY_ACTIVITIES[name] as ActivityEntry<unknown, unknown>;
  const run = (message: unknown, env: ActivityEnv) => entry.run(message, env);
  if (!telemetry) return run;
  return (message, env) =>
    telemetry.traced(`activity ${name}`, deployAttributes(name, message), () => run(message, env), outcomeOf);
}
