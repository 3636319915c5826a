// Registers the wave orchestration (orchestrations/wave.orchestrator.ts) and its activities
// (orchestrations/activities/wave.ts); docs/policies.md "Waves".
import * as df from 'durable-functions';
import { WAVE_ORCHESTRATOR } from '../core/update-model';
import { WAVE_ACTIVITIES, WaveActivityName } from '../orchestrations/activities/wave';
import type { ActivityEntry } from '../orchestrations/activities';
import { updateWaveOrchestrator } from '../orchestrations/wave.orchestrator';

df.app.orchestration(WAVE_ORCHESTRATOR, updateWaveOrchestrator);

for (const [name, entry] of Object.entries(WAVE_ACTIVITIES) as [WaveActivityName, ActivityEntry<unknown, unknown>][]) {
  df.app.activity(name, {
    extraInputs: entry.durableClient ? [df.input.durableClient()] : [],
    handler: (input: unknown, context) => entry.run(input, { durableClient: () => df.getClient(context) }),
  });
}
