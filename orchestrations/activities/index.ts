// The deploy activities, declared once: each one's name (the key, as the Functions host and the history know it),
// input and output. The registration (functions/deploy-orchestration.ts) registers every entry of this table, and
// the orchestrator calls them through a helper typed from it (orchestrations/deploy/run.orchestrator.ts), so the
// compiler links each call to its activity. The orchestrator imports only the types: no activity code is loaded there.
import type { DurableClient } from 'durable-functions';
import type { FinishInput } from '../../core/deploy-model';
import { ApplyInput, applyManifests } from './apply-manifests';
import {
  AddressCheckInput,
  checkExternalIp,
  checkRollout,
  InspectInput,
  inspectCluster,
  RolloutCheckInput,
  verifyService,
  VerifyInput,
} from './checks';
import { finishDeploy } from './finish';
import { resolveImage, ResolveInput } from './resolve-image';
import { setupWorkloadIdentity, WorkloadIdentityInput } from './workload-identity';

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
  deployFinish: {
    run: (input: FinishInput, env: ActivityEnv) => finishDeploy(input, env.durableClient()),
    durableClient: true,
  },
} as const satisfies Record<string, ActivityEntry<never, unknown>>;

type Table = typeof DEPLOY_ACTIVITIES;
export type ActivityName = keyof Table;
export type ActivityInput<N extends ActivityName> = Parameters<Table[N]['run']>[0];
export type ActivityOutput<N extends ActivityName> = Awaited<ReturnType<Table[N]['run']>>;
