import { DevhostError } from './errors.js';

/** A parsed timer schedule: six-field NCRONTAB (with seconds) or a fixed TimeSpan interval ("hh:mm:ss"). */
export type Schedule =
  { kind: 'cron'; fields: CronFields; text: string } | { kind: 'interval'; ms: number; text: string };

interface CronFields {
  seconds: Set<number>;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseValue(text: string, names: string[] | undefined, offset: number, expression: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const at = names?.indexOf(text.toLowerCase().slice(0, 3)) ?? -1;
  if (names && at >= 0 && text.length >= 3) return at + offset;
  throw new DevhostError('bad_schedule', `Schedule '${expression}': '${text}' is not a valid value.`);
}

function parseField(
  field: string,
  min: number,
  max: number,
  expression: string,
  names?: string[],
  nameOffset = 0,
): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new DevhostError('bad_schedule', `Schedule '${expression}': bad step in '${part}'.`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = min;
      to = max;
    } else if (range !== undefined && range.includes('-')) {
      const [a, b] = range.split('-');
      from = parseValue(a ?? '', names, nameOffset, expression);
      to = parseValue(b ?? '', names, nameOffset, expression);
    } else {
      from = parseValue(range ?? '', names, nameOffset, expression);
      to = stepText === undefined ? from : max;
    }
    if (from < min || to > max || from > to) {
      throw new DevhostError('bad_schedule', `Schedule '${expression}': '${part}' is outside ${min}-${max}.`);
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** Parses a timer trigger schedule the way the Functions host reads it. */
export function parseSchedule(expression: string): Schedule {
  const text = expression.trim();
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(text);
  if (span) {
    const ms = (((Number(span[1] ?? 0) * 24 + Number(span[2])) * 60 + Number(span[3])) * 60 + Number(span[4])) * 1000;
    if (ms <= 0) throw new DevhostError('bad_schedule', `Schedule '${expression}': the interval must be positive.`);
    return { kind: 'interval', ms, text };
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 6) {
    throw new DevhostError(
      'bad_schedule',
      `Schedule '${expression}' must have six fields: {second} {minute} {hour} {day} {month} {day-of-week}.`,
    );
  }
  const [s, mi, h, d, mo, w] = parts as [string, string, string, string, string, string];
  const weekdays = parseField(w, 0, 7, text, WEEKDAYS);
  if (weekdays.has(7)) {
    weekdays.delete(7);
    weekdays.add(0);
  }
  return {
    kind: 'cron',
    text,
    fields: {
      seconds: parseField(s, 0, 59, text),
      minutes: parseField(mi, 0, 59, text),
      hours: parseField(h, 0, 23, text),
      days: parseField(d, 1, 31, text),
      months: parseField(mo, 1, 12, text, MONTHS, 1),
      weekdays,
    },
  };
}

/** The first occurrence strictly after `after` (UTC). Day-of-month and day-of-week must both match, as in NCrontab. */
export function nextOccurrence(schedule: Schedule, after: Date): Date {
  if (schedule.kind === 'interval') return new Date(after.getTime() + schedule.ms);
  const f = schedule.fields;
  const t = new Date(Math.floor(after.getTime() / 1000) * 1000 + 1000);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (t.getTime() <= limit) {
    if (!f.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!f.days.has(t.getUTCDate()) || !f.weekdays.has(t.getUTCDay())) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!f.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!f.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    if (!f.seconds.has(t.getUTCSeconds())) {
      t.setUTCSeconds(t.getUTCSeconds() + 1, 0);
      continue;
    }
    return t;
  }
  throw new DevhostError('bad_schedule', `Schedule '${schedule.text}' never occurs in the next five years.`);
}
