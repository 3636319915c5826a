// Registers updateTarget — one newer image through a target's update policy: approval, maintenance window, then a
// deploy (orchestrations/update-target.orchestrator.ts) — and its activities (orchestrations/activities/update.ts).
// services/updates.ts starts it for the `gate` route; waves call it as a sub-orchestration.
import * as df from 'durable-functions';
import { UPDATE_TARGET_ORCHESTRATOR } from '../core/update-model';
import { UPDATE_ACTIVITIES, UpdateActivityName } from '../orchestrations/activities/update';
import { updateTargetOrchestrator } from '../orchestrations/update-target.orchestrator';

df.app.orchestration(UPDATE_TARGET_ORCHESTRATOR, updateTargetOrchestrator);

for (const [name, entry] of Object.entries(UPDATE_ACTIVITIES) as [
  UpdateActivityName,
  { run: (input: never, client: df.DurableClient) => Promise<unknown>; durableClient?: true },
][]) {
  df.app.activity(name, {
    extraInputs: entry.durableClient ? [df.input.durableClient()] : [],
    // Only the entries that declare the binding get the client (the others take their dependencies as 2nd argument).
    handler: (input: unknown, context) =>
      entry.durableClient
        ? entry.run(input as never, df.getClient(context))
        : (entry.run as (i: never) => Promise<unknown>)(input as never),
  });
}
