// Phase resolving_image: tag → digest in the registry (or check a requested digest), and what is deployed now.
import { ActivityResult, DeployReason, ResolvedImage } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import { digestOf, digestRef } from '../../core/image';
import { failedDigest } from '../../core/target-state';
import { desiredTag } from '../../core/update-policy';
import { ActivityDeps, activityDeps, asResult, targetNamed } from './context';

export interface ResolveInput {
  deployId: string;
  target: string;
  tag: string | null;
  digest: string | null;
  reason: DeployReason;
  requester: string;
}

export async function resolveImage(
  input: ResolveInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<ResolvedImage>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const { state } = await d.targets.get(target.name);
    const repo = d.config.image.repository;
    let tag = input.tag ?? desiredTag(target, state, d.config.pinnedTag);
    let digest: string;
    if (input.digest) {
      if (!(await d.registry.hasDigest(repo, input.digest))) {
        throw new DomainError('image_not_found', `${repo}@${input.digest} is not in the registry`, 404);
      }
      digest = input.digest;
    } else if (input.reason === 'rollback' && input.tag === null) {
      if (!state.previousDigest)
        throw new DomainError('no_previous_deployment', 'there is no previous image to roll back to', 409);
      digest = state.previousDigest;
      tag = state.previousTag ?? tag;
      if (!(await d.registry.hasDigest(repo, digest))) {
        throw new DomainError(
          'image_not_found',
          `the previous image ${repo}@${digest} is no longer in the registry`,
          404,
        );
      }
    } else {
      digest = await d.registry.resolveTag(repo, tag);
    }
    const failed = input.reason === 'auto' ? failedDigest(state, digest) : null;
    if (failed) {
      // An automatic update never retries a digest that failed; an operator may deploy it explicitly.
      throw new DomainError(
        'digest_failed_before',
        `${digest.slice(0, 19)} failed on ${failed.failed_at} (${failed.code}); automatic updates skip it`,
        409,
      );
    }
    const image = digestRef(d.config.image, digest);
    const previous = state.deployedImage
      ? {
          tag: state.deployedTag,
          digest: state.deployedDigest ?? digestOf(state.deployedImage),
          image: state.deployedImage,
        }
      : null;
    await d.deployments.update(target.name, input.deployId, {
      status: 'running',
      tag,
      digest,
      image,
      previous_image: previous?.image ?? null,
    });
    return {
      kind: target.kind,
      namespace: target.namespace,
      tag,
      digest,
      image,
      previous,
      canRollBack: state.deployedManifest !== null,
    };
  });
}
