// Registers the deploy orchestration and its activities.
import * as df from 'durable-functions';
import { DEPLOY_ORCHESTRATOR, FinishInput } from '../core/deploy-model';
import { ACTIVITY } from '../orchestrations/activity-names';
import { applyManifests, ApplyInput } from '../orchestrations/activities/apply-manifests';
import { checkExternalIp, checkRollout, inspectCluster, verifyService } from '../orchestrations/activities/checks';
import { finishDeploy } from '../orchestrations/activities/finish';
import { resolveImage, ResolveInput } from '../orchestrations/activities/resolve-image';
import { setupWorkloadIdentity } from '../orchestrations/activities/workload-identity';
import { deployOpenApiOrchestrator } from '../orchestrations/deploy.orchestrator';

df.app.orchestration(DEPLOY_ORCHESTRATOR, deployOpenApiOrchestrator);

df.app.activity(ACTIVITY.resolveImage, { handler: (input: ResolveInput) => resolveImage(input) });
df.app.activity(ACTIVITY.setupWorkloadIdentity, {
  handler: (input: { target: string }) => setupWorkloadIdentity(input),
});
df.app.activity(ACTIVITY.applyManifests, { handler: (input: ApplyInput) => applyManifests(input) });
df.app.activity(ACTIVITY.checkRollout, { handler: (input: Parameters<typeof checkRollout>[0]) => checkRollout(input) });
df.app.activity(ACTIVITY.checkExternalIp, {
  handler: (input: Parameters<typeof checkExternalIp>[0]) => checkExternalIp(input),
});
df.app.activity(ACTIVITY.verifyService, {
  handler: (input: Parameters<typeof verifyService>[0]) => verifyService(input),
});
df.app.activity(ACTIVITY.inspectCluster, {
  handler: (input: Parameters<typeof inspectCluster>[0]) => inspectCluster(input),
});
// The finish activity may start a follow-up deploy, so it gets a durable client binding.
df.app.activity(ACTIVITY.finish, {
  extraInputs: [df.input.durableClient()],
  handler: (input: FinishInput, context) => finishDeploy(input, df.getClient(context)),
});
