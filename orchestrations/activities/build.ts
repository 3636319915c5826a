// Phase building_image of Rebuild & Deploy (docs/deploy.md#rebuild--deploy): queue an ACR Tasks build of the pinned
// tag, follow it with bounded checks, cancel it. What it built is read from the run's own output images, so the
// deploy that follows runs exactly that digest whatever the tag says later.
import { builtDigest } from '../../core/build';
import { ActivityResult, BuildCheck, DeployError } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import { RegistryManagement } from '../../adapters/registry-management';
import { ActivityDeps, activityDeps, asResult, sleep } from './context';

export interface BuildScheduleInput {
  target: string;
}
export interface BuildScheduled {
  run_id: string;
  /** `repository:tag` being built. */
  image: string;
  tag: string;
  /** ACR's own limit on the run (ELB_BUILD_TIMEOUT_SECONDS); the orchestration waits a little longer. */
  timeout_seconds: number;
}
export interface BuildCheckInput {
  target: string;
  runId: string;
  watchSeconds: number;
  /** How long reads of the run may fail without a break before the check fails (ELB_DEPENDENCY_RETRY_SECONDS). */
  retrySeconds?: number;
}
export interface BuildCancelInput {
  target: string;
  runId: string;
}

function management(d: ActivityDeps): RegistryManagement {
  const arm = d.registryManagement;
  if (!arm || !d.config.build) {
    throw new DomainError(
      'build_not_configured',
      'Rebuild & Deploy needs ELB_REGISTRY_RESOURCE_ID and ELB_BUILD_SOURCE_URL/ELB_BUILD_SOURCE_REF',
      409,
      { not_applied: true },
    );
  }
  return arm;
}

export async function scheduleBuild(
  _input: BuildScheduleInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<BuildScheduled>> {
  return asResult(async () => {
    const arm = management(d);
    const { repository } = d.config.image;
    const tag = d.config.pinnedTag;
    const run = await arm.scheduleBuild(d.config.build!, repository, tag);
    return { run_id: run.run_id, image: `${repository}:${tag}`, tag, timeout_seconds: d.config.build!.timeoutSeconds };
  });
}

/** How an ended run that did not succeed reads as a deploy error. */
function runError(runId: string, status: string, message: string | null): DeployError {
  const code = status === 'Timeout' ? 'build_timeout' : status === 'Canceled' ? 'build_cancelled' : 'build_failed';
  return {
    code,
    message: `ACR Tasks run ${runId} ended ${status}${message ? `: ${message}` : ''}`,
    diagnostics: {
      likely_cause:
        code === 'build_timeout'
          ? 'The build took longer than ELB_BUILD_TIMEOUT_SECONDS.'
          : 'The Docker build of the source failed, or the run was cancelled in the registry.',
      what_to_do: `Read the run's log in the portal or with az acr task logs --run-id ${runId}, then try again.`,
    },
  };
}

/**
 * Looks at the run until it ends or `watchSeconds` pass. A read that fails is a note — a passing Resource Manager
 * hiccup is no failure — but reads failing without a break for `retrySeconds` fail the check with the adapter's code
 * (registry_unavailable), and a refusal that retrying cannot change (forbidden, not found) fails it at once: the
 * phase then says the registry could not be read instead of waiting for the build's deadline.
 */
export async function checkBuild(
  input: BuildCheckInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<BuildCheck>> {
  return asResult(async () => {
    const arm = management(d);
    const { repository } = d.config.image;
    const deadline = Date.now() + Math.max(1, Math.min(input.watchSeconds, 600)) * 1000;
    const retryMs = Math.max(0, input.retrySeconds ?? 30) * 1000;
    let failingSince: number | null = null;
    let detail = `run ${input.runId}`;
    for (;;) {
      try {
        const run = await arm.run(input.runId);
        failingSince = null;
        detail = `run ${input.runId} ${run.status}`;
        if (run.state === 'succeeded') {
          const digest = builtDigest(run.output, repository, d.config.pinnedTag);
          return { state: 'succeeded', status: run.status, detail: `${detail} · ${digest.slice(0, 19)}`, digest };
        }
        if (run.state === 'failed')
          return { state: 'failed', status: run.status, detail, error: runError(input.runId, run.status, run.error) };
      } catch (err) {
        if (err instanceof DomainError && err.code !== 'registry_unavailable') throw err;
        failingSince ??= Date.now();
        const reason = err instanceof Error ? err.message.split('\n')[0]! : 'read failed';
        detail = `run ${input.runId}: ${reason}`;
        if (Date.now() - failingSince >= retryMs) {
          throw new DomainError(
            'registry_unavailable',
            `the registry's run ${input.runId} could not be read for ${Math.round((Date.now() - failingSince) / 1000)}s: ${reason}`,
            503,
            {
              diagnostics: {
                likely_cause: 'Azure Resource Manager did not answer for the registry.',
                what_to_do: `Check the run in the registry (az acr task list-runs); it was cancelled from here if that was possible. Try again when Resource Manager answers.`,
              },
            },
          );
        }
      }
      const now = Date.now();
      if (now + d.pollMs > deadline && failingSince === null) return { state: 'running', status: 'Running', detail };
      await sleep(failingSince === null ? d.pollMs : Math.min(d.pollMs, failingSince + retryMs - now + 1));
    }
  });
}

export async function cancelBuild(
  input: BuildCancelInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<{ cancelled: true }>> {
  return asResult(async () => {
    await management(d).cancel(input.runId);
    return { cancelled: true as const };
  });
}
