import { describe, expect, it } from 'vitest';
import { windowState, windowText } from '../maintenance-window';
import type { MaintenanceWindow } from '../contract/policy';

const SAT_NIGHT: MaintenanceWindow = { days: ['sat'], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' };

describe('maintenance windows', () => {
  it('says the window in words', () => {
    expect(windowText(SAT_NIGHT)).toBe('Sat 02:00–05:00 Europe/Stockholm');
    expect(windowText({ ...SAT_NIGHT, days: ['sun', 'mon'] })).toBe('Mon, Sun 02:00–05:00 Europe/Stockholm');
  });

  it('is closed before the window, open inside it, closed at its end — in the window’s own zone', () => {
    // Saturday 12 December 2026: Stockholm is UTC+1, so the window is 01:00–04:00 UTC.
    const before = windowState(SAT_NIGHT, new Date('2026-12-12T00:59:00Z'));
    expect(before.open).toBe(false);
    expect(before.next.toISOString()).toBe('2026-12-12T01:00:00.000Z');
    const inside = windowState(SAT_NIGHT, new Date('2026-12-12T01:00:00Z'));
    expect(inside.open).toBe(true);
    expect(inside.next.toISOString()).toBe('2026-12-12T04:00:00.000Z');
    const atEnd = windowState(SAT_NIGHT, new Date('2026-12-12T04:00:00Z'));
    expect(atEnd.open).toBe(false);
    expect(atEnd.next.toISOString()).toBe('2026-12-19T01:00:00.000Z');
  });

  it('follows daylight saving time', () => {
    // Saturday 4 July 2026: Stockholm is UTC+2.
    const state = windowState(SAT_NIGHT, new Date('2026-07-03T12:00:00Z'));
    expect(state.open).toBe(false);
    expect(state.next.toISOString()).toBe('2026-07-04T00:00:00.000Z');
  });

  it('runs past midnight when the end is not after the start', () => {
    const night: MaintenanceWindow = { days: ['fri'], start: '22:00', end: '02:00', timeZone: 'UTC' };
    // Friday 11 December 2026 22:30 → open until Saturday 02:00.
    expect(windowState(night, new Date('2026-12-11T22:30:00Z'))).toMatchObject({ open: true });
    expect(windowState(night, new Date('2026-12-11T22:30:00Z')).next.toISOString()).toBe('2026-12-12T02:00:00.000Z');
    expect(windowState(night, new Date('2026-12-12T01:59:00Z')).open).toBe(true);
    expect(windowState(night, new Date('2026-12-12T02:00:00Z')).open).toBe(false);
    // Saturday 22:30 is not in it: only Friday opens it.
    const sat = windowState(night, new Date('2026-12-12T22:30:00Z'));
    expect(sat.open).toBe(false);
    expect(sat.next.toISOString()).toBe('2026-12-18T22:00:00.000Z');
  });
});
