// Maintenance windows (docs/policies.md "Maintenance windows"): whether a window is open at a moment, and when it
// next opens or closes, in the window's own time zone (daylight saving included). Occurrences come from croner.
import { Cron } from 'croner';
import type { MaintenanceWindow, Weekday } from './contract/policy';

const CRON_DAY: Record<Weekday, string> = {
  mon: 'MON',
  tue: 'TUE',
  wed: 'WED',
  thu: 'THU',
  fri: 'FRI',
  sat: 'SAT',
  sun: 'SUN',
};
const DAY_ORDER: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface WindowState {
  open: boolean;
  /** When the window closes next (open) or opens next (closed). */
  next: Date;
  /** "Sat 02:00–05:00 Europe/Stockholm" */
  text: string;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** The weekday and minute of the day at `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { day: Weekday; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { day: get('weekday').toLowerCase() as Weekday, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

function previousDay(day: Weekday): Weekday {
  return DAY_ORDER[(DAY_ORDER.indexOf(day) + 6) % 7]!;
}

/** The next time the clock in the window's zone reads `hhmm` on one of `days` (any day when omitted), after `from`. */
function nextClock(window: MaintenanceWindow, hhmm: string, from: Date, days?: readonly Weekday[]): Date {
  const [h, m] = hhmm.split(':').map(Number);
  const dayField = days ? days.map((d) => CRON_DAY[d]).join(',') : '*';
  const next = new Cron(`0 ${m} ${h} * * ${dayField}`, { timezone: window.timeZone, paused: true }).nextRun(from);
  if (!next) throw new Error('maintenance window: no next occurrence');
  return next;
}

/** "Sat, Sun 02:00–05:00 Europe/Stockholm" */
export function windowText(window: MaintenanceWindow): string {
  const days = DAY_ORDER.filter((d) => window.days.includes(d))
    .map((d) => d[0]!.toUpperCase() + d.slice(1))
    .join(', ');
  return `${days} ${window.start}–${window.end} ${window.timeZone}`;
}

/**
 * Whether the window is open at `at`. A window whose end is not after its start runs past midnight: it opens on a
 * listed day and closes the next day.
 */
export function windowState(window: MaintenanceWindow, at: Date): WindowState {
  const { day, minute } = localTime(at, window.timeZone);
  const start = minutes(window.start);
  const end = minutes(window.end);
  const overnight = end <= start;
  const open = overnight
    ? (window.days.includes(day) && minute >= start) || (window.days.includes(previousDay(day)) && minute < end)
    : window.days.includes(day) && minute >= start && minute < end;
  const next = open ? nextClock(window, window.end, at) : nextClock(window, window.start, at, window.days);
  return { open, next, text: windowText(window) };
}
