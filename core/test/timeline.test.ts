// The timeline helpers that history records rely on: reading a timeline back out of a Durable custom status, and
// marking where a deploy stopped when it was ended from outside.
import { describe, expect, it } from 'vitest';
import { endPhase, initialTimeline, interruptedTimeline, phaseDurations, startPhase, timelineOf } from '../timeline';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:01.000Z';
const T2 = '2026-01-01T00:00:03.500Z';

function midDeploy() {
  let t = initialTimeline();
  t = startPhase(t, 'resolving_image', T0);
  t = endPhase(t, 'resolving_image', 'done', T1, '3.4 → sha256:aa');
  t = startPhase(t, 'applying_manifests', T1);
  return t;
}

describe('timelineOf', () => {
  it('returns the timeline of a custom status written by the orchestrator', () => {
    const t = midDeploy();
    expect(timelineOf({ phase: 'applying_manifests', timeline: t })).toEqual(t);
  });

  it('is null when there is no custom status yet, or when it is not a timeline', () => {
    expect(timelineOf(null)).toBeNull();
    expect(timelineOf('text')).toBeNull();
    expect(timelineOf({ phase: 'queued' })).toBeNull();
    expect(timelineOf({ timeline: 'x' })).toBeNull();
    expect(timelineOf({ timeline: [{ name: 'resolving_image', status: 'exploded', detail: '' }] })).toBeNull();
    expect(
      timelineOf({
        timeline: [{ name: 'no_such_phase', status: 'done', startedAt: null, endedAt: null, detail: '' }],
      }),
    ).toBeNull();
  });
});

describe('interruptedTimeline', () => {
  it('marks the running phase failed at the given time and leaves the others as they were', () => {
    const t = interruptedTimeline(midDeploy(), T2, 'terminated');
    const byName = Object.fromEntries(t.map((e) => [e.name, e]));
    expect(byName.resolving_image).toMatchObject({ status: 'done', detail: '3.4 → sha256:aa' });
    expect(byName.applying_manifests).toMatchObject({
      status: 'failed',
      startedAt: T1,
      endedAt: T2,
      detail: 'terminated',
    });
    expect(byName.waiting_for_rollout).toMatchObject({ status: 'pending', startedAt: null, endedAt: null });
    expect(phaseDurations(t)).toEqual({ resolving_image: 1, applying_manifests: 2.5 });
  });

  it('changes nothing when no phase was running', () => {
    const t = initialTimeline();
    expect(interruptedTimeline(t, T2, 'terminated')).toEqual(t);
  });
});
