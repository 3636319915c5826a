import { describe, expect, it } from 'vitest';
import { compareTags, isVersionRange, newestInRange, tagInRange, tagVersion } from '../versions';

describe('tags as versions', () => {
  it('reads short, full, v-prefixed and pre-release tags, and nothing else', () => {
    expect(tagVersion('3.4')?.version).toBe('3.4.0');
    expect(tagVersion('3')?.version).toBe('3.0.0');
    expect(tagVersion('v3.4.2')?.version).toBe('3.4.2');
    expect(tagVersion('3.4.1-rc.1')?.version).toBe('3.4.1-rc.1');
    for (const tag of ['latest', 'build-123', 'sha-1a2b3c', '03.4', '3.4.1.7', '3.4.', '', 'v', '1.2.3+meta']) {
      expect(tagVersion(tag), tag).toBeNull();
    }
  });

  it('orders 3.10 after 3.9 and a release after its release candidate', () => {
    const tags = ['3.10', '3.9', '3.4.1', '3.4', '3.4.1-rc.1', 'v3.5'];
    expect([...tags].sort(compareTags)).toEqual(['3.4', '3.4.1-rc.1', '3.4.1', 'v3.5', '3.9', '3.10']);
  });

  it('orders two spellings of one version the same way every time', () => {
    expect(compareTags('3.4', '3.4.0')).toBeLessThan(0);
    expect(compareTags('3.4.0', '3.4')).toBeGreaterThan(0);
    expect(compareTags('v3.4.0', '3.4.0')).toBeGreaterThan(0);
    expect(() => compareTags('latest', '3.4')).toThrow(/not a version/);
  });

  it('accepts the ranges operators write and refuses others', () => {
    for (const r of ['~3.4', '3.x', '>=3.4 <4', '^3.4.0', '3.4 - 3.6', '*']) expect(isVersionRange(r), r).toBe(true);
    for (const r of ['latest', '', '   ', '>=', 'x'.repeat(101), '~3.4 ||| 4'])
      expect(isVersionRange(r), r).toBe(false);
  });

  it('matches tags inside a range; pre-releases only when the range names one', () => {
    expect(tagInRange('3.4', '~3.4')).toBe(true);
    expect(tagInRange('3.4.7', '~3.4')).toBe(true);
    expect(tagInRange('3.5', '~3.4')).toBe(false);
    expect(tagInRange('3.5', '3.x')).toBe(true);
    expect(tagInRange('4.0', '>=3.4 <4')).toBe(false);
    expect(tagInRange('3.4.1-rc.1', '~3.4')).toBe(false);
    expect(tagInRange('3.4.1-rc.2', '>=3.4.1-rc.1 <3.5')).toBe(true);
    expect(tagInRange('latest', '*')).toBe(false);
    expect(tagInRange('3.4', 'not a range')).toBe(false);
  });

  it('picks the newest tag in range, or none', () => {
    const tags = ['3.3', '3.4', '3.4.2', '3.5', '3.5.1-rc.1', '4.0', 'latest'];
    expect(newestInRange(tags, '~3.4')).toBe('3.4.2');
    expect(newestInRange(tags, '3.x')).toBe('3.5');
    expect(newestInRange(tags, '>=3.4 <4')).toBe('3.5');
    expect(newestInRange(tags, '~5')).toBeNull();
    expect(newestInRange([], '*')).toBeNull();
  });
});
