import { DevhostError } from '../errors.js';
import {
  ALL_STATUSES,
  EventType,
  type HistoryEvent,
  type InstanceRecord,
  type RuntimeStatus,
  wireTime,
} from './history.js';

export interface StatusOptions {
  showInput: boolean;
  showHistory: boolean;
  showHistoryOutput: boolean;
}

/**
 * The extension's status payload. input/output/customStatus are always present (null when empty) because the JS client
 * rejects a payload that omits them; times have no fraction, as the extension formats them.
 */
export function statusPayload(rec: InstanceRecord, options: StatusOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = {
    name: rec.name,
    instanceId: rec.instanceId,
    runtimeStatus: rec.status,
    input: options.showInput ? parseJson(rec.input) : null,
    customStatus: parseJson(rec.customStatus),
    output: parseJson(rec.output),
    createdTime: wireTime(rec.createdTime),
    lastUpdatedTime: wireTime(rec.lastUpdatedTime),
  };
  if (options.showHistory) {
    const events = historyForDisplay(rec.history, options.showHistoryOutput);
    // The extension answers `historyEvents`; the JS client reads `history`. Both are sent.
    payload.historyEvents = events;
    payload.history = events;
  }
  return payload;
}

/** History in the extension's display shape: named event types, no OrchestratorStarted/Completed bookkeeping. */
export function historyForDisplay(history: HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  const names = new Map<number, string>();
  for (const event of history) {
    if (event.EventType === EventType.TaskScheduled || event.EventType === EventType.SubOrchestrationInstanceCreated) {
      names.set(event.EventId, String(event.Name));
    }
  }
  const shown: Record<string, unknown>[] = [];
  for (const event of history) {
    if (event.EventType === EventType.OrchestratorStarted || event.EventType === EventType.OrchestratorCompleted)
      continue;
    const item: Record<string, unknown> = {
      EventType: EventType[event.EventType] ?? String(event.EventType),
      EventId: event.EventId,
      Timestamp: event.Timestamp,
    };
    for (const key of [
      'Name',
      'InstanceId',
      'FireAt',
      'TimerId',
      'TaskScheduledId',
      'Reason',
      'OrchestrationStatus',
    ] as const) {
      if (event[key] !== undefined) item[key] = event[key];
    }
    const ref = (event.TaskScheduledId ?? undefined) as number | undefined;
    if (ref !== undefined && names.has(ref)) item.FunctionName = names.get(ref);
    if (withOutput) {
      for (const key of ['Input', 'Result', 'Details'] as const) if (event[key] !== undefined) item[key] = event[key];
    }
    shown.push(item);
  }
  return shown;
}

export interface InstanceFilter {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
}

/** Reads the list/purge filter from query parameters; a bad value is a 400, not an empty result. */
export function parseFilter(query: URLSearchParams): InstanceFilter {
  const filter: InstanceFilter = {};
  const from = query.get('createdTimeFrom');
  const to = query.get('createdTimeTo');
  if (from) filter.createdTimeFrom = parseTime('createdTimeFrom', from);
  if (to) filter.createdTimeTo = parseTime('createdTimeTo', to);
  const statuses = query
    .getAll('runtimeStatus')
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (statuses.length > 0) {
    filter.runtimeStatus = statuses.map((s) => {
      const match = ALL_STATUSES.find((known) => known.toLowerCase() === s.toLowerCase());
      if (!match)
        throw new DevhostError('bad_runtime_status', `Unknown runtimeStatus '${s}'. Use ${ALL_STATUSES.join(', ')}.`);
      return match;
    });
  }
  const prefix = query.get('instanceIdPrefix');
  if (prefix) filter.instanceIdPrefix = prefix;
  return filter;
}

export function matchesFilter(rec: InstanceRecord, filter: InstanceFilter): boolean {
  const created = Date.parse(rec.createdTime);
  if (filter.createdTimeFrom && created < filter.createdTimeFrom.getTime()) return false;
  if (filter.createdTimeTo && created > filter.createdTimeTo.getTime()) return false;
  if (filter.runtimeStatus && !filter.runtimeStatus.includes(rec.status)) return false;
  if (filter.instanceIdPrefix && !rec.instanceId.startsWith(filter.instanceIdPrefix)) return false;
  return true;
}

/** One page of matches, oldest first; the continuation token is the opaque position of the next page. */
export function pageOf(
  records: InstanceRecord[],
  top: number | undefined,
  continuationToken: string | undefined,
): { page: InstanceRecord[]; next?: string } {
  const sorted = [...records].sort(
    (a, b) => a.createdTime.localeCompare(b.createdTime) || a.instanceId.localeCompare(b.instanceId),
  );
  let start = 0;
  if (continuationToken) {
    const decoded = Number(Buffer.from(continuationToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw new DevhostError('bad_continuation_token', 'The continuation token is not valid.');
    start = decoded;
  }
  const size = top ?? 100;
  const page = sorted.slice(start, start + size);
  const end = start + page.length;
  return end < sorted.length ? { page, next: Buffer.from(String(end)).toString('base64url') } : { page };
}

function parseTime(name: string, value: string): Date {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new DevhostError('bad_time', `${name} '${value}' is not a date-time.`);
  return time;
}

function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
