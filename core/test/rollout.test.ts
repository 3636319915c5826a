import { describe, expect, it } from 'vitest';
import { DeploymentState, evaluateRollout, PodState, RolloutObservation, templateOf } from '../rollout';

const NEW = `r/elb-openapi@sha256:${'a'.repeat(64)}`;
const OLD = `r/elb-openapi@sha256:${'b'.repeat(64)}`;

function dep(p: Partial<DeploymentState> = {}): DeploymentState {
  return {
    generation: 2,
    observedGeneration: 2,
    desiredReplicas: 1,
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    conditions: [],
    ...p,
  };
}
function pod(p: Partial<PodState> = {}): PodState {
  return {
    name: 'elb-openapi-x',
    image: NEW,
    imageID: `docker-pullable://r/elb-openapi@sha256:${'a'.repeat(64)}`,
    phase: 'Running',
    ready: true,
    terminating: false,
    restartCount: 0,
    waitingReason: null,
    waitingMessage: null,
    lastTerminationReason: null,
    unschedulableMessage: null,
    ...p,
  };
}
const obs = (
  d: DeploymentState | null,
  pods: PodState[],
  events: RolloutObservation['events'] = [],
): RolloutObservation => ({ deployment: d, pods, events });

describe('evaluateRollout', () => {
  it("is ready only when generation, replicas and the pods' digest all agree", () => {
    expect(evaluateRollout(NEW, obs(dep(), [pod()])).state).toBe('ready');
    expect(evaluateRollout(NEW, obs(dep({ observedGeneration: 1 }), [pod()]))).toMatchObject({
      state: 'progressing',
      detail: expect.stringMatching(/generation/),
    });
    expect(evaluateRollout(NEW, obs(dep({ updatedReplicas: 0 }), [pod()])).state).toBe('progressing');
    expect(evaluateRollout(NEW, obs(dep({ readyReplicas: 0 }), [pod({ ready: false })])).state).toBe('progressing');
    expect(evaluateRollout(NEW, obs(dep({ replicas: 2 }), [pod(), pod({ image: OLD, name: 'old' })]))).toMatchObject({
      state: 'progressing',
      detail: expect.stringMatching(/old replica/),
    });
    expect(evaluateRollout(NEW, obs(null, [])).state).toBe('progressing');
  });

  it('does not count a pod whose runtime image digest differs', () => {
    const v = evaluateRollout(NEW, obs(dep(), [pod({ imageID: `r/elb-openapi@sha256:${'c'.repeat(64)}` })]));
    expect(v).toMatchObject({ state: 'progressing', detail: expect.stringMatching(/runs sha256:c/) });
  });

  it('only counts pods on the expected image (old pods ready do not make the rollout ready)', () => {
    expect(evaluateRollout(NEW, obs(dep(), [pod({ image: OLD, imageID: null })])).state).toBe('progressing');
  });

  it('fails fast on pull failure, crash loop, unschedulable and a stalled rollout, with advice and events', () => {
    const events = [
      {
        kind: 'Pod',
        name: 'elb-openapi-x',
        reason: 'Failed',
        message: 'pull failed',
        type: 'Warning',
        last_timestamp: '2026-01-01T00:00:02Z',
      },
      { kind: 'Pod', name: 'other-pod', reason: 'Failed', message: 'unrelated', type: 'Warning' },
      { kind: 'Pod', name: 'elb-openapi-x', reason: 'Pulling', message: 'normal', type: 'Normal' },
    ];
    const pull = evaluateRollout(
      NEW,
      obs(
        dep({ readyReplicas: 0 }),
        [pod({ ready: false, waitingReason: 'ImagePullBackOff', waitingMessage: 'back-off' })],
        events,
      ),
    );
    expect(pull).toMatchObject({
      state: 'failed',
      code: 'image_pull_failed',
      diagnostics: { likely_cause: expect.any(String), what_to_do: expect.any(String) },
    });
    if (pull.state === 'failed')
      expect(pull.diagnostics.events).toEqual([expect.objectContaining({ message: 'pull failed' })]);
    expect(
      evaluateRollout(NEW, obs(dep(), [pod({ ready: false, waitingReason: 'CrashLoopBackOff', restartCount: 4 })])),
    ).toMatchObject({ code: 'crash_loop' });
    expect(
      evaluateRollout(NEW, obs(dep(), [pod({ ready: false, unschedulableMessage: '0/3 nodes: Insufficient cpu' })])),
    ).toMatchObject({ code: 'unschedulable' });
    expect(
      evaluateRollout(NEW, obs(dep(), [pod({ ready: false, waitingReason: 'CreateContainerConfigError' })])),
    ).toMatchObject({ code: 'container_config_error' });
    const stalled = dep({
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'deadline' }],
    });
    expect(evaluateRollout(NEW, obs(stalled, []))).toMatchObject({ code: 'rollout_stalled' });
  });

  it('ignores failures of old or terminating pods', () => {
    const v = evaluateRollout(
      NEW,
      obs(dep(), [
        pod(),
        pod({ name: 'gone', terminating: true, waitingReason: 'CrashLoopBackOff' }),
        pod({ name: 'old', image: OLD, waitingReason: 'ImagePullBackOff' }),
      ]),
    );
    expect(v.state).toBe('ready');
  });

  it('tells pods of the same image apart by their template (a token rotation changes only the template)', () => {
    const wanted = templateOf({ 'elb-control/template-hash': 'h1', 'elb-control/api-token-sha256': 'new' });
    const other = templateOf({ 'elb-control/template-hash': 'h1', 'elb-control/api-token-sha256': 'old' });
    expect(wanted).toBe('h1/new');
    expect(templateOf({})).toBe(null);
    // The old template's pod crash-looping does not fail the rollout of the new one, nor count for it.
    const crashingOld = pod({ name: 'old', template: other, ready: false, waitingReason: 'CrashLoopBackOff' });
    expect(evaluateRollout(NEW, obs(dep({ template: wanted }), [pod({ template: wanted }), crashingOld])).state).toBe(
      'ready',
    );
    const readyOldOnly = obs(dep({ template: wanted }), [pod({ name: 'old', template: other })]);
    expect(evaluateRollout(NEW, readyOldOnly)).toMatchObject({ state: 'progressing' });
    // The new template's own crash fails it.
    const crashingNew = pod({ template: wanted, ready: false, waitingReason: 'CrashLoopBackOff', restartCount: 2 });
    expect(evaluateRollout(NEW, obs(dep({ template: wanted }), [crashingNew]))).toMatchObject({
      state: 'failed',
      code: 'crash_loop',
    });
  });
});
