// Registers the deploy orchestration, the token rotation (which shares its lease and finish) and every activity of its table (orchestrations/activities/index.ts), each
// traced when telemetry is on (docs/telemetry.md).
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { telemetryFromEnv } from '../adapters/telemetry';
import { DEPLOY_ORCHESTRATOR, ROTATE_TOKEN_ORCHESTRATOR } from '../core/deploy-model';
import { activityHandler, ActivityName, DEPLOY_ACTIVITIES } from '../orchestrations/activities';
import { deployOpenApiOrchestrator } from '../orchestrations/deploy.orchestrator';
import { rotateApiTokenOrchestrator } from '../orchestrations/rotate-token.orchestrator';

df.app.orchestration(DEPLOY_ORCHESTRATOR, deployOpenApiOrchestrator);
df.app.orchestration(ROTATE_TOKEN_ORCHESTRATOR, rotateApiTokenOrchestrator);

const telemetry = telemetryFromEnv();
// Spans are exported in batches: send the last ones before the instance goes away.
if (telemetry) app.hook.appTerminate(() => telemetry.shutdown());
for (const [name, entry] of Object.entries(DEPLOY_ACTIVITIES) as [ActivityName, { durableClient?: true }][]) {
  const handler = activityHandler(name, telemetry);
  df.app.activity(name, {
    extraInputs: entry.durableClient ? [df.input.durableClient()] : [],
    handler: (message: unknown, context) => handler(message, { durableClient: () => df.getClient(context) }),
  });
}
