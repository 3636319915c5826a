// The deploy's last step: record the result in the history table and the target row (including a digest that
// failed, or clearing it once it succeeded), then release the single-flight lease or hand it to a follow-up deploy
// for an image pushed meanwhile.
import type { DurableClient } from 'durable-functions';
import { FinishInput, FinishResult } from '../../core/deploy-model';
import { failedDigestEntry, withFailedDigest, withoutFailedDigest } from '../../core/target-state';
import { phaseDurations } from '../../core/timeline';
import { DeployService } from '../deploy-service';
import { ActivityDeps, activityDeps, targetNamed } from './context';

export async function finishDeploy(
  input: FinishInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<FinishResult> {
  const { output, deployId } = input;
  const target = targetNamed(d, output.target);
  await d.deployments.update(target.name, deployId, {
    status: output.status,
    finished_at: output.finished_at,
    tag: output.openapi_deploy.tag,
    digest: output.openapi_deploy.digest,
    image: output.openapi_deploy.image,
    previous_image: output.previous_image,
    elapsed_seconds: output.elapsed_seconds,
    phase_seconds: phaseDurations(output.timeline),
    timeline: output.timeline,
    error: output.error ? { code: output.error.code, message: output.error.message } : null,
    rollback_status: output.rollback?.status ?? null,
    output,
  });
  const failure = failedDigestEntry(output);
  await d.targets.update(target.name, (s) => {
    if (output.status !== 'succeeded') {
      const next = { ...s, appliedManifest: null };
      return { next: failure ? withFailedDigest(next, failure) : next, result: undefined };
    }
    const changed = s.deployedDigest !== output.openapi_deploy.digest;
    const tag = output.openapi_deploy.tag;
    // A manual deploy that succeeded records its tag as the target's choice (the pin needs no override); an
    // automatic one only follows the choice.
    const desiredTagOverride =
      output.reason === 'auto' || tag === null ? s.desiredTagOverride : tag === d.config.pinnedTag ? null : tag;
    return {
      next: {
        // A later success of a digest that failed clears its mark.
        ...withoutFailedDigest(s, output.openapi_deploy.digest),
        desiredTagOverride,
        previousTag: changed ? s.deployedTag : s.previousTag,
        previousDigest: changed ? s.deployedDigest : s.previousDigest,
        previousImage: changed ? s.deployedImage : s.previousImage,
        deployedTag: output.openapi_deploy.tag,
        deployedDigest: output.openapi_deploy.digest,
        deployedImage: output.openapi_deploy.image,
        deployedAt: output.finished_at,
        deployedManifest: s.appliedManifest ?? s.deployedManifest,
        appliedManifest: null,
        externalIp: output.openapi_deploy.external_ip,
        apiVersion: output.openapi_deploy.api_version,
      },
      result: undefined,
    };
  });
  const service = new DeployService(client, d.config, { targets: d.targets, deployments: d.deployments });
  return { follow_up_instance_id: await service.handOver(target, deployId) };
}
