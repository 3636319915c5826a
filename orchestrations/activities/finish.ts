// The deploy's last step: the lease service records the result in the history table and the target row (including
// a digest that failed, or clearing it once it succeeded), then releases the single-flight lease or hands it to a
// follow-up deploy for an image pushed meanwhile.
import type { DurableClient } from 'durable-functions';
import { FinishInput, FinishResult } from '../../core/deploy-model';
import { ActivityDeps, activityDeps, targetNamed } from './context';

export async function finishDeploy(
  input: FinishInput,
  client: DurableClient,
  d: ActivityDeps = activityDeps(),
): Promise<FinishResult> {
  const { output, deployId } = input;
  const target = targetNamed(d, output.target);
  return { follow_up_instance_id: await d.leases(client).finish(target, deployId, output) };
}
