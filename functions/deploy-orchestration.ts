// Registers the deploy orchestration and every activity of its table (orchestrations/activities/index.ts).
import * as df from 'durable-functions';
import { DEPLOY_ORCHESTRATOR } from '../core/deploy-model';
import { ActivityEntry, DEPLOY_ACTIVITIES } from '../orchestrations/activities';
import { deployOpenApiOrchestrator } from '../orchestrations/deploy.orchestrator';

df.app.orchestration(DEPLOY_ORCHESTRATOR, deployOpenApiOrchestrator);

for (const [name, entry] of Object.entries(DEPLOY_ACTIVITIES)) {
  // The input arrives as the orchestrator's JSON; the table's types hold on the orchestrator's side of the call.
  const activity = entry as ActivityEntry<unknown, unknown>;
  df.app.activity(name, {
    extraInputs: activity.durableClient ? [df.input.durableClient()] : [],
    handler: (input: unknown, context) => activity.run(input, { durableClient: () => df.getClient(context) }),
  });
}
