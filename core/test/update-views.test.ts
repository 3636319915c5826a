// What the summary says about a target's updates (core/update-views.ts): the policy in force and its source, its
// window now, and the waiting update read from its orchestration's status — nothing once it is over, or when the
// status is not an update's.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../contract/policy';
import { UpdateProgress } from '../update-model';
import { pendingUpdateView, policyView } from '../update-views';

const WINDOW = { days: ['sat' as const], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' };
const target = { policy: { ...DEFAULT_POLICY, window: WINDOW } };

const progress = (over: Partial<UpdateProgress> = {}): UpdateProgress => ({
  state: 'waiting_for_approval',
  target: 'prod',
  image: { tag: '3.5', digest: `sha256:${'b'.repeat(64)}` },
  trigger: 'push',
  offered_at: '2026-01-01T00:00:00.000Z',
  expires_at: '2026-01-02T00:00:00.000Z',
  window: null,
  window_opens_at: null,
  deploy_id: null,
  decision: null,
  outcome: null,
  detail: '',
  ...over,
});

describe('policyView', () => {
  it('the configured policy with its window now (Saturday 03:00 Stockholm is inside, Friday is not)', () => {
    const inside = policyView(target, { policyOverride: null }, new Date('2026-01-03T02:00:00Z'));
    expect(inside).toMatchObject({
      source: 'configuration',
      window: { open: true, text: 'Sat 02:00–05:00 Europe/Stockholm' },
    });
    const outside = policyView(target, { policyOverride: null }, new Date('2026-01-02T12:00:00Z'));
    expect(outside.window).toEqual({
      open: false,
      text: 'Sat 02:00–05:00 Europe/Stockholm',
      next: '2026-01-03T01:00:00.000Z',
    });
  });

  it('an override set through the API is the one in force; one that no longer parses reads as the configured one', () => {
    const set = policyView(
      target,
      { policyOverride: JSON.stringify({ ...DEFAULT_POLICY, mode: 'approve' }) },
      new Date(),
    );
    expect(set).toMatchObject({ source: 'api', policy: { mode: 'approve', window: null }, window: null });
    expect(policyView(target, { policyOverride: '{"mode":"sometimes"}' }, new Date()).source).toBe('configuration');
  });
});

describe('pendingUpdateView', () => {
  it('a running update waiting for approval: its image, deadline and no window opening', () => {
    expect(pendingUpdateView('u1', 'Running', progress())).toEqual({
      update_id: 'u1',
      tag: '3.5',
      digest: `sha256:${'b'.repeat(64)}`,
      state: 'waiting_for_approval',
      offered_at: '2026-01-01T00:00:00.000Z',
      expires_at: '2026-01-02T00:00:00.000Z',
      window: null,
      window_opens_at: null,
      deploy_id: null,
      decision: null,
    });
  });

  it('waiting for the window: its text and opening, no deadline', () => {
    const view = pendingUpdateView(
      'u1',
      'Running',
      progress({ state: 'waiting_for_window', window: 'Sat 02:00–05:00 UTC', window_opens_at: '2026-01-03T02:00:00Z' }),
    );
    expect(view).toMatchObject({
      state: 'waiting_for_window',
      expires_at: null,
      window_opens_at: '2026-01-03T02:00:00Z',
    });
  });

  it('nothing once it is over, before it published, or for a status that is not an update’s', () => {
    expect(pendingUpdateView('u1', 'Completed', progress())).toBeNull();
    expect(pendingUpdateView('u1', 'Running', progress({ state: 'done' }))).toBeNull();
    expect(pendingUpdateView('u1', 'Running', null)).toBeNull();
    expect(pendingUpdateView('u1', 'Running', { phase: 'resolving_image' })).toBeNull();
  });
});
