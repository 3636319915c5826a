// Phase applying_manifests (and the rollback's re-apply): render the manifests for the digest, keep the target's
// API token, apply server-side through the exec server, remember what was applied.
import { randomBytes } from 'node:crypto';
import { ActivityResult, ApplyResult } from '../../core/deploy-model';
import { DomainError } from '../../core/errors';
import { deploymentImage, K8sObject, renderManifests, toApplyDocument, withoutSecrets } from '../../core/manifests';
import { ActivityDeps, activityDeps, asResult, targetNamed } from './context';

export type ApplyInput =
  | { target: string; mode: 'deploy'; image: string; tag: string; workloadIdentityClientId: string | null }
  | { target: string; mode: 'rollback' };

export async function applyManifests(
  input: ApplyInput,
  d: ActivityDeps = activityDeps(),
): Promise<ActivityResult<ApplyResult>> {
  return asResult(async () => {
    const target = targetNamed(d, input.target);
    const kube = await d.kube(target);
    let objects: K8sObject[];
    let templateHash: string | null = null;
    if (input.mode === 'deploy') {
      // One token per target, generated on first install and read back from the cluster on every update.
      const apiToken = (await kube.apiToken()) ?? randomBytes(32).toString('base64url');
      const rendered = renderManifests({
        target,
        image: input.image,
        tag: input.tag,
        workloadIdentityClientId: input.workloadIdentityClientId,
        apiToken,
      });
      objects = rendered.objects;
      templateHash = rendered.templateHash;
    } else {
      const { state } = await d.targets.get(target.name);
      if (!state.deployedManifest)
        throw new DomainError('no_previous_deployment', 'there is no previously deployed manifest', 409);
      objects = JSON.parse(state.deployedManifest) as K8sObject[];
    }
    const image = deploymentImage(objects);
    if (!image) throw new DomainError('invalid_manifest', 'the manifest has no Deployment image', 500);
    if (input.mode === 'deploy') {
      // Stored before applying, so a half-applied deploy can still be promoted or discarded consistently.
      const kept = JSON.stringify(withoutSecrets(objects));
      await d.targets.update(target.name, (s) => ({ next: { ...s, appliedManifest: kept }, result: undefined }));
    }
    const { output } = await d.clusterExec.apply(target, toApplyDocument(objects));
    const live = await kube.deployment();
    return { apply_output: output, image, generation: live?.generation ?? 0, template_hash: templateHash };
  });
}
