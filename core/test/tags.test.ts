// The two tag orders, pinned side by side because they answer different questions: the server lists every tag in
// a total order; the dashboard only calls a tag "newer" when both are versions.
import { describe, expect, it } from 'vitest';
import { compareVersionTags, newerTags, tagListOrder } from '../tags';

describe('tagListOrder (the registry adapter sorts tag lists with it)', () => {
  it('orders any tags, numbers as numbers, deterministically', () => {
    const tags = ['latest', '3.10', 'v3.4', '3.9', '3.4-rc1', '3.4', 'dev', '10.0'];
    expect([...tags].sort(tagListOrder)).toEqual(['3.4', '3.4-rc1', '3.9', '3.10', '10.0', 'dev', 'latest', 'v3.4']);
    expect([...tags].reverse().sort(tagListOrder)).toEqual([...tags].sort(tagListOrder));
  });
});

describe('compareVersionTags and newerTags (the dashboard\'s "newer tags")', () => {
  it('compares versions numerically, ignores a leading v, and has no answer for other tags', () => {
    expect(compareVersionTags('3.10', '3.9')).toBe(1);
    expect(compareVersionTags('3.9', '3.10')).toBe(-1);
    expect(compareVersionTags('v3.4', '3.4')).toBe(0);
    expect(compareVersionTags('3.4.0', '3.4')).toBe(0);
    expect(compareVersionTags('latest', '3.4')).toBeNull();
    expect(compareVersionTags('3.4-rc1', '3.4')).toBeNull();
  });

  it('lists only versions newer than the pinned one, newest first', () => {
    expect(newerTags(['3.3', '3.10', 'latest', '3.5', '3.4', 'v3.6', '3.5-rc1'], '3.4')).toEqual([
      '3.10',
      'v3.6',
      '3.5',
    ]);
    expect(newerTags(['3.5'], 'latest')).toEqual([]);
  });
});
