import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, UpdatePolicy } from '../contract/policy';
import { emptyTargetState } from '../target-state';
import { baseTag, desiredTag, followsTag, policyOf, updateRoute } from '../update-policy';

const RANGE: UpdatePolicy = { ...DEFAULT_POLICY, track: { range: '~3.4' } };
const WINDOW = { days: ['sat' as const], start: '02:00', end: '05:00', timeZone: 'UTC' };

describe('the policy in force', () => {
  it('is the API’s change when one is stored, else the configured one', () => {
    const target = { policy: DEFAULT_POLICY };
    expect(policyOf(target, { policyOverride: null })).toBe(DEFAULT_POLICY);
    expect(policyOf(target, { policyOverride: JSON.stringify({ mode: 'approve' }) })).toEqual({
      ...DEFAULT_POLICY,
      mode: 'approve',
    });
    // A row that does not parse cannot loosen or break anything: the configured policy holds.
    expect(policyOf(target, { policyOverride: '{not json' })).toBe(DEFAULT_POLICY);
    expect(policyOf(target, { policyOverride: JSON.stringify({ mode: 'yolo' }) })).toBe(DEFAULT_POLICY);
  });
});

describe('the desired tag', () => {
  it('is a manual choice, else the policy’s tag, else the pin', () => {
    const s = emptyTargetState('a');
    expect(desiredTag({ policy: DEFAULT_POLICY }, s, '3.4')).toBe('3.4');
    expect(desiredTag({ policy: { ...DEFAULT_POLICY, track: { tag: 'stable' } } }, s, '3.4')).toBe('stable');
    expect(desiredTag({ policy: DEFAULT_POLICY }, { ...s, desiredTagOverride: '3.3' }, '3.4')).toBe('3.3');
    expect(baseTag(RANGE, '3.4')).toBe('3.4');
  });
});

describe('which pushed tags a target follows', () => {
  it('a tag: only that tag', () => {
    expect(followsTag(DEFAULT_POLICY, '3.4', '3.4')).toBe(true);
    expect(followsTag(DEFAULT_POLICY, '3.4', '3.5')).toBe(false);
  });
  it('a range: tags in it, not older than the desired one', () => {
    expect(followsTag(RANGE, '3.4', '3.4.1')).toBe(true);
    expect(followsTag(RANGE, '3.4', '3.4')).toBe(true);
    expect(followsTag(RANGE, '3.4.2', '3.4.1')).toBe(false);
    expect(followsTag(RANGE, '3.4', '3.5')).toBe(false);
    expect(followsTag(RANGE, '3.4', 'latest')).toBe(false);
    expect(followsTag(RANGE, '3.4', '3.4.1-rc.1')).toBe(false);
  });
  it('a range gives way over a desired tag outside it, or one that is no version', () => {
    expect(followsTag(RANGE, '3.3', '3.4')).toBe(true);
    expect(followsTag(RANGE, 'latest', '3.4.1')).toBe(true);
  });
});

describe('which way an update goes', () => {
  it('deploys at once only in auto mode without a window or wave', () => {
    expect(updateRoute(DEFAULT_POLICY, false)).toBe('deploy');
    expect(updateRoute({ ...DEFAULT_POLICY, mode: 'approve' }, false)).toBe('gate');
    expect(updateRoute({ ...DEFAULT_POLICY, window: WINDOW }, false)).toBe('gate');
    expect(updateRoute(DEFAULT_POLICY, true)).toBe('wave');
    expect(updateRoute({ ...DEFAULT_POLICY, mode: 'approve' }, true)).toBe('wave');
    expect(updateRoute({ ...DEFAULT_POLICY, mode: 'manual' }, true)).toBe('announce');
  });
});
