// The deploy's waits: a bounded check activity, then a durable timer raced against cancel, until the check reports
// done, fails, or the phase deadline passes. Each wait keeps the history small (a few events per check, not per poll).
import type { Task } from 'durable-functions';
import {
  AddressCheck,
  BuildCheck,
  ClusterStartCheck,
  DeployError,
  RolloutCheck,
  TokenCheck,
  VerifyCheck,
} from '../../core/deploy-model';
import { PhaseName } from '../../core/timeline';
import type { ActivityInput } from '../activities';
import { Cancelled, DeployRun, PhaseFailed, StepValue } from './run.orchestrator';

type CheckActivity =
  | 'deployCheckRollout'
  | 'deployCheckExternalIp'
  | 'deployVerifyService'
  | 'rotateTokenCheck'
  | 'buildCheck'
  | 'clusterStartCheck';

interface Wait<N extends CheckActivity> {
  activity: N;
  input: (watchSeconds: number) => ActivityInput<N>;
  judge: (value: StepValue<N>) => { done: boolean; detail: string; error?: DeployError };
  timeoutSeconds: number;
  timeoutError: (lastDetail: string) => DeployError;
  cancellable?: boolean;
}

function* waitFor<N extends CheckActivity>(
  run: DeployRun,
  name: PhaseName,
  wait: Wait<N>,
): Generator<Task, StepValue<N>, unknown> {
  const cancellable = wait.cancellable ?? true;
  const deadline = run.nowMs + wait.timeoutSeconds * 1000;
  for (;;) {
    const remaining = Math.ceil((deadline - run.nowMs) / 1000);
    const watch = Math.max(1, Math.min(run.timings.watchSeconds, remaining));
    const value = yield* run.step(name, wait.activity, wait.input(watch), cancellable ? 'abandon' : 'ignore');
    const verdict = wait.judge(value);
    if (verdict.error) throw new PhaseFailed(name, verdict.error);
    if (verdict.done) return value;
    run.progress(name, verdict.detail);
    if (run.nowMs >= deadline) throw new PhaseFailed(name, wait.timeoutError(verdict.detail));
    if (yield* run.pause(run.timings.pollIntervalSeconds, cancellable)) throw new Cancelled(name);
    if (run.nowMs >= deadline) throw new PhaseFailed(name, wait.timeoutError(verdict.detail));
  }
}

/** Until the Deployment runs `image` on every desired replica; `cancellable: false` for the rollback's own wait. */
export function* waitForRollout(
  run: DeployRun,
  name: PhaseName,
  image: string,
  cancellable = true,
): Generator<Task, RolloutCheck, unknown> {
  const { target } = run.input;
  const { dependencyRetrySeconds, rolloutTimeoutSeconds } = run.timings;
  return yield* waitFor(run, name, {
    activity: 'deployCheckRollout',
    input: (watchSeconds) => ({ target, image, watchSeconds, retrySeconds: dependencyRetrySeconds }),
    judge: (v) => ({ done: v.state === 'ready', detail: v.detail, error: v.state === 'failed' ? v.error : undefined }),
    timeoutSeconds: rolloutTimeoutSeconds,
    timeoutError: (last) => ({
      code: 'rollout_timeout',
      message: `the rollout did not finish within ${rolloutTimeoutSeconds}s (${last})`,
      diagnostics: { likely_cause: 'Pods are slow to become Ready.', what_to_do: 'Check the pod events and logs.' },
    }),
    cancellable,
  });
}

/** Until the LoadBalancer Service has an external address. */
export function* waitForAddress(run: DeployRun, name: PhaseName): Generator<Task, AddressCheck, unknown> {
  const { target } = run.input;
  const { dependencyRetrySeconds, externalIpTimeoutSeconds } = run.timings;
  return yield* waitFor(run, name, {
    activity: 'deployCheckExternalIp',
    input: (watchSeconds) => ({ target, watchSeconds, retrySeconds: dependencyRetrySeconds }),
    judge: (v) => ({ done: v.external_ip !== null, detail: v.detail }),
    timeoutSeconds: externalIpTimeoutSeconds,
    timeoutError: (last) => ({
      code: 'external_ip_timeout',
      message: `the LoadBalancer Service got no address within ${externalIpTimeoutSeconds}s (${last})`,
      diagnostics: {
        likely_cause:
          'The cloud load balancer could not allocate an address (subnet permissions, quota, or no LB controller).',
        what_to_do:
          "Check the Service events (kubectl describe svc elb-openapi) and the cluster identity's rights on the subnet.",
      },
    }),
  });
}

/** Until the service answers /healthz and /openapi.json at `externalIp`. */
export function* waitForHealthyService(
  run: DeployRun,
  name: PhaseName,
  externalIp: string,
): Generator<Task, VerifyCheck, unknown> {
  const { target } = run.input;
  const { dependencyRetrySeconds, verifyTimeoutSeconds } = run.timings;
  return yield* waitFor(run, name, {
    activity: 'deployVerifyService',
    input: (watchSeconds) => ({ target, externalIp, watchSeconds, retrySeconds: dependencyRetrySeconds }),
    judge: (v) => ({ done: v.healthy, detail: v.detail }),
    timeoutSeconds: verifyTimeoutSeconds,
    timeoutError: (last) => ({
      code: 'service_unhealthy',
      message: `the service did not answer /healthz and /openapi.json within ${verifyTimeoutSeconds}s (${last})`,
      diagnostics: {
        likely_cause: 'The pod is Ready but the service is unreachable through its LoadBalancer address.',
        what_to_do: 'Check network reachability of the address from the control plane and the service logs.',
      },
    }),
  });
}

/**
 * Until the service accepts the token the Secret holds and refuses the other one (a rotation's check, and its
 * restore's with the tokens swapped back); `cancellable: false` for the restore.
 */
export function* waitForTokenSwap(
  run: DeployRun,
  name: PhaseName,
  cancellable = true,
): Generator<Task, TokenCheck, unknown> {
  const { target } = run.input;
  const { dependencyRetrySeconds, verifyTimeoutSeconds } = run.timings;
  return yield* waitFor(run, name, {
    activity: 'rotateTokenCheck',
    input: (watchSeconds) => ({ target, watchSeconds, retrySeconds: dependencyRetrySeconds }),
    judge: (v) => ({
      done: v.state === 'verified',
      detail: v.detail,
      error: v.state === 'failed' ? v.error : undefined,
    }),
    timeoutSeconds: verifyTimeoutSeconds,
    timeoutError: (last) => ({
      code: 'token_not_verified',
      message: `the service did not accept the token in use and refuse the other one within ${verifyTimeoutSeconds}s (${last})`,
      diagnostics: {
        likely_cause:
          'Some pods still run with the other token, or the service does not read its token from the Secret.',
        what_to_do:
          'Check the pods of the Deployment and that ELB_OPENAPI_API_TOKEN comes from the elb-openapi-token Secret.',
      },
    }),
    cancellable,
  });
}

/**
 * Until the ACR Tasks run ends: succeeded with the digest it pushed, or failed with the run's status. ACR ends a run at
 * its own timeout; the wait allows a minute more before it gives up on the run itself.
 */
export function* waitForBuild(
  run: DeployRun,
  name: PhaseName,
  runId: string,
  runTimeoutSeconds: number,
): Generator<Task, BuildCheck, unknown> {
  const { target } = run.input;
  const timeoutSeconds = runTimeoutSeconds + 60;
  const retrySeconds = run.timings.dependencyRetrySeconds;
  return yield* waitFor(run, name, {
    activity: 'buildCheck',
    input: (watchSeconds) => ({ target, runId, watchSeconds, retrySeconds }),
    judge: (v) => ({
      done: v.state === 'succeeded',
      detail: v.detail,
      error: v.state === 'failed' ? v.error : undefined,
    }),
    timeoutSeconds,
    timeoutError: (last) => ({
      code: 'build_timeout',
      message: `ACR Tasks run ${runId} did not end within ${timeoutSeconds}s (${last})`,
      diagnostics: {
        likely_cause: 'The registry did not report the run as ended.',
        what_to_do: `Check the run in the registry (az acr task list-runs); it is cancelled from here.`,
      },
    }),
  });
}

/** Until the started cluster runs (power Running, provisioning Succeeded) and its API answers. */
export function* waitForClusterStart(
  run: DeployRun,
  name: PhaseName,
  timeoutSeconds: number,
): Generator<Task, ClusterStartCheck, unknown> {
  const { target } = run.input;
  return yield* waitFor(run, name, {
    activity: 'clusterStartCheck',
    input: (watchSeconds) => ({ target, watchSeconds }),
    judge: (v) => ({
      done: v.state === 'running',
      detail: v.detail,
      error: v.state === 'failed' ? v.error : undefined,
    }),
    timeoutSeconds,
    timeoutError: (last) => ({
      code: 'cluster_start_timeout',
      message: `the cluster did not run and answer within ${timeoutSeconds}s (${last})`,
      diagnostics: {
        likely_cause: 'Azure is still starting the cluster, or its API server does not come up.',
        what_to_do:
          'Check the cluster in the portal (or az aks show); once it runs, deploy again. ELB_CLUSTER_START_TIMEOUT_SECONDS sets the wait.',
      },
    }),
  });
}
