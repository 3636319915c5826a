// Deploys in flight during an upgrade. orchestrations/test/in-flight-v1.jsonl holds, for every path of the replay
// tests, the history the orchestrator wrote before it was split into parts and before its calls carried `deploy`
// (recorded with ELB_RECORD_IN_FLIGHT, see deploy.orchestrator.test.ts). Each is replayed here on the current
// orchestrator at every episode, as a host does for an instance it finds in flight after an upgrade: at each point
// the current code must schedule what the old code did (the same activities, timers and waits, in the same order —
// an activity's input may only have gained `deploy`), and at the end return the output the old code recorded.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployOpenApiOrchestrator } from '../deploy.orchestrator';
import { HistoryEvent, replayEpisode } from './replay-harness';

interface Recorded {
  path: string;
  input: unknown;
  history: HistoryEvent[];
  trace: string[][];
}

const recorded: Recorded[] = readFileSync(join(__dirname, 'in-flight-v1.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Recorded);

/** The field this version added to every activity call; the old histories do not have it. */
const withoutDeployRef = (action: string) =>
  action.replace(/,"deploy":\{"id":"[^"]*","target":"[^"]*","reason":"[^"]*"\}/g, '');

describe('deploys in flight when this version is installed', () => {
  it('has a recorded history for every replay-test path', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(26);
  });

  it.each(
    recorded.map((r) => [r.path.replace(/^deployOpenApi orchestration \(replayed by durable-functions\) > /, ''), r]),
  )('%s', async (_name, { input, history, trace }) => {
    let scheduled: string[] = [];
    for (let episode = 1; episode <= trace.length; episode++) {
      scheduled = [...scheduled, ...trace[episode - 1]!.filter((line) => !line.startsWith('cancel timer'))];
      const now = await replayEpisode(deployOpenApiOrchestrator, input, history, episode);
      expect(now.actions.map(withoutDeployRef), `episode ${episode}`).toEqual(scheduled);
      expect(now.isDone, `episode ${episode}`).toBe(episode === trace.length);
      if (now.isDone) {
        const finish = history.find((e) => e.EventType === 4 && e.Name === 'deployFinish')!;
        expect(now.output).toEqual((JSON.parse(finish.Input as string) as { output: unknown }).output);
      }
    }
  });
});
