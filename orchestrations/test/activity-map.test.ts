// The activity table links each orchestrator call to its activity at compile time. The type assertions here are
// enforced by `tsc -p tsconfig.json` (npm run typecheck): every `@ts-expect-error` fails the type check as soon as
// the wrong call it marks compiles. The runtime part checks the table the registration iterates.
import type { OrchestrationContext } from 'durable-functions';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { FinishInput, FinishResult } from '../../core/deploy-model';
import { callActivity } from '../deploy/run.orchestrator';
import type { ApplyInput } from '../activities/apply-manifests';
import { ActivityInput, ActivityName, ActivityOutput, DEPLOY_ACTIVITIES, DeployRef } from '../activities';

/** Records what callActivity schedules; a stand-in for the replay context, which only these calls touch. */
function recordingContext() {
  const scheduled: { name: string; input: unknown }[] = [];
  const context = {
    df: { callActivity: (name: string, input: unknown) => scheduled.push({ name, input }) },
  } as unknown as OrchestrationContext;
  return { context, scheduled };
}

const deploy: DeployRef = { id: 'd-1', target: 'local', reason: 'update' };

describe('deploy activity table', () => {
  it('declares each activity once, with the names the history knows', () => {
    expect(Object.keys(DEPLOY_ACTIVITIES).sort()).toEqual([
      'buildCancel',
      'buildCheck',
      'buildSchedule',
      'clusterStart',
      'clusterStartCheck',
      'deployApplyManifests',
      'deployCheckExternalIp',
      'deployCheckRollout',
      'deployFinish',
      'deployInspectCluster',
      'deployResolveImage',
      'deploySetupWorkloadIdentity',
      'deployVerifyService',
      'rotateTokenApply',
      'rotateTokenCheck',
    ]);
    // Only the finish step starts a follow-up deploy, so only it gets the durable client binding.
    const withClient = Object.entries(DEPLOY_ACTIVITIES).filter(([, e]) => 'durableClient' in e && e.durableClient);
    expect(withClient.map(([name]) => name)).toEqual(['deployFinish']);
  });

  it('types each call from the table: a right input compiles and is scheduled as given', () => {
    const { context, scheduled } = recordingContext();
    callActivity(context, 'deployCheckRollout', { target: 'local', image: 'r/i@sha256:1', watchSeconds: 5 }, deploy);
    callActivity(context, 'deployApplyManifests', { target: 'local', mode: 'rollback' }, deploy);
    expect(scheduled).toEqual([
      { name: 'deployCheckRollout', input: { target: 'local', image: 'r/i@sha256:1', watchSeconds: 5, deploy } },
      { name: 'deployApplyManifests', input: { target: 'local', mode: 'rollback', deploy } },
    ]);
  });

  it('does not compile a wrong input, an unknown name or another activity’s input', () => {
    const { context } = recordingContext();
    // @ts-expect-error the rollout check needs the image it waits for
    callActivity(context, 'deployCheckRollout', { target: 'local', watchSeconds: 5 }, deploy);
    // @ts-expect-error a deploy apply needs the image, tag and workload identity client id
    callActivity(context, 'deployApplyManifests', { target: 'local', mode: 'deploy' }, deploy);
    // @ts-expect-error the service check's input is not the rollout check's
    callActivity(context, 'deployVerifyService', { target: 'local', image: 'r/i@sha256:1', watchSeconds: 5 }, deploy);
    // @ts-expect-error watchSeconds is a number
    callActivity(context, 'deployCheckExternalIp', { target: 'local', watchSeconds: '5' }, deploy);
    // @ts-expect-error every call says which deploy it is for
    callActivity(context, 'deployInspectCluster', { target: 'local' });
    // @ts-expect-error no activity has this name
    callActivity(context, 'deployEverything', { target: 'local' }, deploy);
    // @ts-expect-error the finish step takes the deploy's output
    callActivity(context, 'deployFinish', { deployId: 'd' }, deploy);

    expectTypeOf<ActivityInput<'deployApplyManifests'>>().toEqualTypeOf<ApplyInput>();
    expectTypeOf<ActivityInput<'deployFinish'>>().toEqualTypeOf<FinishInput>();
    expectTypeOf<ActivityOutput<'deployFinish'>>().toEqualTypeOf<FinishResult>();
    expectTypeOf<'deployEverything'>().not.toExtend<ActivityName>();
  });
});
