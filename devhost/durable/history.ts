/** DTFx history events as the Durable extension serializes them (PascalCase), and the instance record around them. */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventRaised = 15,
  ContinueAsNew = 16,
  ExecutionSuspended = 19,
  ExecutionResumed = 20,
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ['Completed', 'Failed', 'Canceled', 'Terminated'];
export const ALL_STATUSES: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Suspended',
];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** A message waiting to be added to an instance's history in its next episode. */
export interface InboxMessage {
  executionId: string;
  event: HistoryEvent;
}

export interface ParentLink {
  instanceId: string;
  executionId: string;
  taskScheduledId: number;
}

/** Everything the devhost keeps about one orchestration instance; persisted as one JSON document. */
export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  /** JSON text of the input (null when there is none). */
  input: string | null;
  /** JSON text of the output, or of the failure message / terminate reason. */
  output: string | null;
  customStatus: string | null;
  createdTime: string;
  lastUpdatedTime: string;
  history: HistoryEvent[];
  inbox: InboxMessage[];
  parent?: ParentLink;
  /** Timers the orchestrator cancelled: they stay in history but never fire. */
  cancelledTimers: number[];
}

/** Builds an event with the fields every event carries; completions use EventId -1 and point back by id. */
export function makeEvent(type: EventType, at: Date, fields: Record<string, unknown> = {}, eventId = -1): HistoryEvent {
  return { EventType: type, EventId: eventId, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

/** The sequence number of a scheduling event, or undefined for other events. */
export function scheduledId(event: HistoryEvent): number | undefined {
  return event.EventType === EventType.TaskScheduled ||
    event.EventType === EventType.TimerCreated ||
    event.EventType === EventType.SubOrchestrationInstanceCreated
    ? event.EventId
    : undefined;
}

/** The sequence number a completion event resolves, or undefined. */
export function completedId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId as number;
    case EventType.TimerFired:
      return event.TimerId as number;
    default:
      return undefined;
  }
}

/** Determinism key of a scheduling event: the kind of work and, for named work, its name. */
export function scheduledKey(event: HistoryEvent): string {
  switch (event.EventType) {
    case EventType.TaskScheduled:
      return `activity '${String(event.Name)}'`;
    case EventType.SubOrchestrationInstanceCreated:
      return `sub-orchestration '${String(event.Name)}'`;
    default:
      return 'timer';
  }
}

/** Scheduling events whose completion is not in history yet: the work in flight. */
export function openScheduledEvents(history: HistoryEvent[]): HistoryEvent[] {
  const done = new Set<number>();
  for (const event of history) {
    const id = completedId(event);
    if (id !== undefined) done.add(id);
  }
  return history.filter((e) => scheduledId(e) !== undefined && !done.has(e.EventId));
}

/** The Durable HTTP API formats times without fractions: yyyy-MM-ddTHH:mm:ssZ. */
export function wireTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}
