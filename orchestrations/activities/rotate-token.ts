// The token rotation's changes to the cluster (docs/security.md#rotation), each one server-side apply through the
// exec server — the same command a deploy runs, so the exec policy needs nothing new:
// - `rotate`: a new random token into the Secret, the replaced one kept beside it, and the deployed manifest with the
//   new token's fingerprint on the pod template (which rolls the pods);
// - `restore`: the two tokens swapped back, the fingerprint with them;
// - `settle`: the Secret with only the token in use, once the rotation has ended.
// No token ever leaves this activity: the orchestration's history sees images and generations only.
import { randomBytes } from 'node:crypto';
import { ActivityResult } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import {
  deploymentImage,
  K8sObject,
  toApplyDocument,
  tokenSecret,
  withoutSecrets,
  withToken,
} from '../../core/manifests';
import { ActivityDeps, activityDeps, asResult, targetNamed } from './context';

export interface TokenApplyInput {
  target: string;
  /** The rotation's id (its instance id): marks the Secret, so a retried step finds its own new token again. */
  rotationId: string;
  /** Who asked for the rotation: the token's audit trail names them (`rotate` only). */
  requester?: string;
  mode: 'rotate' | 'restore' | 'settle';
}

export interface TokenApplyResult {
  /** The deployed image the pods run (unchanged by a rotation); null for `settle`. */
  image: string | null;
  tag: string | null;
  namespace: string;
  /** The Deployment's generation after the apply (0 for `settle`). */
  generation: number;
  /** Whether the Secret held this rotation's two tokens, i.e. there is a swap to check. */
  swapped: boolean;
  apply_output: string;
}

export async function applyToken(
  input: TokenApplyInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<TokenApplyResult>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const kube = await d.kube(target);
    const secret = await kube.tokenSecret();
    if (!secret)
      throw new DomainError('token_not_found', `${target.name} has no API token yet: deploy the service first`, 409, {
        not_applied: true,
      });
    const ours = secret.rotation === input.rotationId && secret.previous !== null;

    if (input.mode === 'settle') {
      const none = { image: null, tag: null, namespace: target.namespace, generation: 0 };
      if (!ours) return { ...none, swapped: false, apply_output: '' };
      const { output } = await d.clusterExec.apply(
        target,
        toApplyDocument([tokenSecret(target, { token: secret.token })]),
      );
      return { ...none, swapped: true, apply_output: output };
    }

    const { state } = await d.targets.get(target.name);
    if (!state.deployedManifest)
      throw new DomainError('not_deployed', `${target.name} has no deployed service whose token could change`, 409, {
        not_applied: true,
      });
    const deployed = JSON.parse(state.deployedManifest) as K8sObject[];
    let next: { token: string; previous: string | null; rotation: string | null };
    if (input.mode === 'rotate') {
      next = ours
        ? { token: secret.token, previous: secret.previous, rotation: input.rotationId }
        : { token: randomBytes(32).toString('base64url'), previous: secret.token, rotation: input.rotationId };
    } else {
      // Back to the replaced token, keeping the new one beside it so the check can see it refused; when this
      // rotation's token never reached the Secret, the pods go back to the fingerprint of the token it holds.
      next = ours
        ? { token: secret.previous!, previous: secret.token, rotation: input.rotationId }
        : { token: secret.token, previous: null, rotation: null };
    }
    const objects = withToken(deployed, target, next);
    if (input.mode === 'rotate' && !ours) {
      // No audit record, no new token (as with a reveal): a failed write leaves the token as it was.
      try {
        // Under the rotation's id: a step run again (the host lost mid-step) finds its record instead of adding one.
        await d.audit.record(target.name, 'token_rotate', input.requester ?? 'unknown', input.rotationId);
      } catch {
        throw new DomainError('storage_unavailable', 'the audit record of the rotation could not be written', 503, {
          not_applied: true,
        });
      }
    }
    if (input.mode === 'rotate') {
      // Stored before applying, as a deploy does: the finish step promotes it to the deployed manifest on success.
      const kept = JSON.stringify(withoutSecrets(objects));
      await d.targets.update(target.name, (s) => ({ next: { ...s, appliedManifest: kept }, result: undefined }));
    }
    const { output } = await d.clusterExec.apply(target, toApplyDocument(objects));
    const live = await kube.deployment();
    return {
      image: deploymentImage(objects),
      tag: state.deployedTag,
      namespace: target.namespace,
      generation: live?.generation ?? 0,
      swapped: next.previous !== null,
      apply_output: output,
    };
  });
}
