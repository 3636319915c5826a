import { randomUUID } from 'node:crypto';
import { DevhostError, oneLine } from '../errors.js';
import type { Invoker } from '../invoke.js';
import type { Registry } from '../registry.js';
import {
  completedId,
  EventType,
  type HistoryEvent,
  type InstanceRecord,
  isTerminal,
  makeEvent,
  openScheduledEvents,
  scheduledId,
  scheduledKey,
} from './history.js';
import type { DurableInternals } from './internals.js';
import { type Outcome, replay, type ReplayResult, type TrackedWork } from './replay.js';
import { retryTimedOut } from './retry.js';
import { Semaphore } from './semaphore.js';
import type { InstanceStore } from './store.js';

export interface EngineOptions {
  store: InstanceStore;
  registry: Registry;
  invoker: Invoker;
  internals: DurableInternals;
  maxConcurrentActivityFunctions: number;
  maxConcurrentOrchestratorFunctions: number;
  log: (line: string) => void;
}

/** Node's setTimeout cannot wait longer than this; longer timers re-arm until their time has come. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Plays the role of DTFx for the local host: keeps each instance's history and inbox, runs one episode (one replay
 * through the real library) per batch of new events, maps the tasks the replay tracked to activities, timers and
 * sub-orchestrations, checks determinism, and persists every change before acting on it.
 */
export class DurableEngine {
  private readonly instances = new Map<string, InstanceRecord>();
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly activitySlots: Semaphore;
  private readonly orchestrationSlots: Semaphore;
  private stopped = false;

  constructor(private readonly options: EngineOptions) {
    this.activitySlots = new Semaphore(options.maxConcurrentActivityFunctions);
    this.orchestrationSlots = new Semaphore(options.maxConcurrentOrchestratorFunctions);
  }

  /** Loads saved instances and resumes the unfinished ones: in-flight activities run again, timers re-arm. */
  start(): number {
    const records = this.options.store.loadAll((m) => this.options.log(`devhost: ${m}`));
    for (const rec of records) this.instances.set(rec.instanceId, rec);
    let resumed = 0;
    for (const rec of records) {
      if (isTerminal(rec.status)) continue;
      resumed++;
      const answered = new Set<number>();
      for (const message of rec.inbox) {
        const id = completedId(message.event);
        if (id !== undefined) answered.add(id);
      }
      for (const event of openScheduledEvents(rec.history)) {
        if (answered.has(event.EventId)) continue;
        this.resumeWork(rec, event);
      }
      this.schedule(rec.instanceId);
    }
    return resumed;
  }

  stop(): void {
    this.stopped = true;
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }

  get(instanceId: string): InstanceRecord | undefined {
    return this.instances.get(instanceId);
  }

  list(): InstanceRecord[] {
    return [...this.instances.values()];
  }

  /** Starts an orchestration; an id that is still active is refused (409), a finished one is replaced. */
  startNew(
    name: string,
    instanceId: string | undefined,
    input: unknown,
    parent?: InstanceRecord['parent'],
  ): InstanceRecord {
    const fn = this.options.registry.find(name, 'orchestrationTrigger');
    if (!fn) {
      throw new DevhostError(
        'unknown_function',
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
        400,
      );
    }
    const id = instanceId ?? randomUUID().replace(/-/g, '');
    validateInstanceId(id);
    const existing = this.instances.get(id);
    if (existing && !isTerminal(existing.status)) {
      throw new DevhostError(
        'instance_exists',
        `An instance with ID '${id}' already exists and is ${existing.status}.`,
        409,
      );
    }
    if (existing) this.clearTimers(existing);
    const now = new Date().toISOString();
    const rec: InstanceRecord = {
      instanceId: id,
      name: fn.name,
      executionId: randomUUID().replace(/-/g, ''),
      status: 'Pending',
      input: input === undefined ? null : JSON.stringify(input),
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      history: [],
      inbox: [],
      cancelledTimers: [],
    };
    if (parent) rec.parent = parent;
    this.instances.set(id, rec);
    this.options.store.save(rec);
    this.schedule(id);
    return rec;
  }

  /** Queues an external event; early events wait in history until the orchestrator asks for them. */
  raiseEvent(instanceId: string, eventName: string, inputJson: string | undefined): 'accepted' | 'gone' {
    const rec = this.require(instanceId);
    if (isTerminal(rec.status)) return 'gone';
    const fields: Record<string, unknown> = { Name: eventName };
    if (inputJson !== undefined) fields.Input = inputJson;
    this.deliver(rec.instanceId, rec.executionId, makeEvent(EventType.EventRaised, new Date(), fields));
    return 'accepted';
  }

  terminate(instanceId: string, reason: string | undefined): 'accepted' | 'gone' {
    const rec = this.require(instanceId);
    if (isTerminal(rec.status)) return 'gone';
    const now = new Date();
    rec.status = 'Terminated';
    rec.output = JSON.stringify(reason ?? '');
    rec.history.push(makeEvent(EventType.ExecutionTerminated, now, { Input: reason ?? '' }));
    rec.inbox = [];
    rec.lastUpdatedTime = now.toISOString();
    this.clearTimers(rec);
    this.options.store.save(rec);
    this.notifyParent(rec);
    return 'accepted';
  }

  suspend(instanceId: string, reason: string | undefined): 'accepted' | 'gone' {
    const rec = this.require(instanceId);
    if (isTerminal(rec.status)) return 'gone';
    if (rec.status === 'Suspended') return 'accepted';
    const now = new Date();
    rec.status = 'Suspended';
    rec.history.push(makeEvent(EventType.ExecutionSuspended, now, { Reason: reason ?? '' }));
    rec.lastUpdatedTime = now.toISOString();
    this.options.store.save(rec);
    return 'accepted';
  }

  resume(instanceId: string, reason: string | undefined): 'accepted' | 'gone' {
    const rec = this.require(instanceId);
    if (isTerminal(rec.status)) return 'gone';
    if (rec.status !== 'Suspended') return 'accepted';
    const now = new Date();
    rec.status = rec.history.some((e) => e.EventType === EventType.ExecutionStarted) ? 'Running' : 'Pending';
    rec.history.push(makeEvent(EventType.ExecutionResumed, now, { Reason: reason ?? '' }));
    rec.lastUpdatedTime = now.toISOString();
    this.options.store.save(rec);
    this.schedule(rec.instanceId);
    return 'accepted';
  }

  /** Deletes a finished instance's state and history. */
  purge(instanceId: string): void {
    const rec = this.require(instanceId);
    if (!isTerminal(rec.status)) {
      throw new DevhostError(
        'instance_not_terminal',
        `Instance '${instanceId}' is ${rec.status}; only finished instances can be purged.`,
        412,
      );
    }
    this.instances.delete(instanceId);
    this.options.store.delete(instanceId);
  }

  private require(instanceId: string): InstanceRecord {
    const rec = this.instances.get(instanceId);
    if (!rec) throw new DevhostError('instance_not_found', `No instance with ID '${instanceId}'.`, 404);
    return rec;
  }

  // ---------------------------------------------------------------- episodes

  private needsEpisode(rec: InstanceRecord): boolean {
    if (isTerminal(rec.status) || rec.status === 'Suspended') return false;
    return rec.status === 'Pending' || rec.history.length === 0 || rec.inbox.length > 0;
  }

  /** Runs episodes for an instance until it has nothing new; never two at once for one instance. */
  private schedule(instanceId: string): void {
    if (this.stopped || this.busy.has(instanceId)) return;
    this.busy.add(instanceId);
    setImmediate(() => {
      void this.drain(instanceId).finally(() => {
        this.busy.delete(instanceId);
        const rec = this.instances.get(instanceId);
        // Something may have arrived between the last check and releasing the instance.
        if (rec && this.needsEpisode(rec)) this.schedule(instanceId);
      });
    });
  }

  private async drain(instanceId: string): Promise<void> {
    for (;;) {
      const rec = this.instances.get(instanceId);
      if (this.stopped || !rec || !this.needsEpisode(rec)) return;
      const release = await this.orchestrationSlots.acquire();
      try {
        await this.runEpisode(rec);
      } catch (err) {
        this.options.log(`devhost: episode of '${instanceId}' failed unexpectedly: ${oneLine(err)}`);
        this.failInstance(rec, `The devhost could not run the orchestrator: ${oneLine(err)}`, '');
        this.options.store.save(rec);
        this.notifyParent(rec);
        return;
      } finally {
        release();
      }
    }
  }

  private async runEpisode(rec: InstanceRecord): Promise<void> {
    const executionId = rec.executionId;
    const now = new Date();
    const batch = rec.inbox;
    rec.inbox = [];
    const first = !rec.history.some((e) => e.EventType === EventType.ExecutionStarted);
    rec.history.push(makeEvent(EventType.OrchestratorStarted, now));
    if (first) {
      rec.history.push(
        makeEvent(EventType.ExecutionStarted, now, {
          Name: rec.name,
          Input: rec.input ?? undefined,
          Version: '',
          OrchestrationInstance: { InstanceId: rec.instanceId, ExecutionId: executionId },
          ParentInstance: rec.parent
            ? {
                OrchestrationInstance: { InstanceId: rec.parent.instanceId, ExecutionId: rec.parent.executionId },
                TaskScheduleId: rec.parent.taskScheduledId,
              }
            : null,
        }),
      );
    }
    for (const message of batch) rec.history.push(message.event);
    if (rec.status === 'Pending') rec.status = 'Running';

    const fn = this.options.registry.find(rec.name, 'orchestrationTrigger');
    let result: ReplayResult | undefined;
    if (fn) result = await replay(rec, fn, this.options.invoker, this.options.internals);
    // Terminated, purged or restarted while the orchestrator ran: its decisions no longer apply.
    if (this.instances.get(rec.instanceId) !== rec || rec.executionId !== executionId || isTerminal(rec.status)) return;

    const outcome: Outcome = result
      ? this.checkedOutcome(rec, result)
      : {
          kind: 'failed',
          message: `The function '${rec.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
          details: '',
        };
    if (result?.customStatus) rec.customStatus = JSON.stringify(result.customStatus.value ?? null);
    const followUps: (() => void)[] = [];
    switch (outcome.kind) {
      case 'running':
        for (const work of result?.work ?? []) this.planWork(rec, work, now, followUps);
        rec.history.push(makeEvent(EventType.OrchestratorCompleted, now));
        break;
      case 'completed':
        rec.history.push(makeEvent(EventType.OrchestratorCompleted, now));
        rec.history.push(
          makeEvent(EventType.ExecutionCompleted, now, {
            OrchestrationStatus: 'Completed',
            Result: JSON.stringify(outcome.output ?? null),
          }),
        );
        rec.status = 'Completed';
        rec.output = JSON.stringify(outcome.output ?? null);
        this.clearTimers(rec);
        followUps.push(() => this.notifyParent(rec));
        break;
      case 'failed':
        rec.history.push(makeEvent(EventType.OrchestratorCompleted, now));
        this.failInstance(rec, outcome.message, outcome.details);
        followUps.push(() => this.notifyParent(rec));
        break;
      case 'continueAsNew':
        this.continueAsNew(rec, outcome.input, result as ReplayResult, now);
        break;
    }
    for (const event of rec.history) event.IsPlayed = true;
    rec.lastUpdatedTime = new Date().toISOString();
    this.options.store.save(rec);
    for (const followUp of followUps) followUp();
  }

  /** The replay's outcome, unless it scheduled something different from history (non-determinism) or unsupported work. */
  private checkedOutcome(rec: InstanceRecord, result: ReplayResult): Outcome {
    const scheduled = new Map<number, HistoryEvent>();
    for (const event of rec.history) {
      const id = scheduledId(event);
      if (id !== undefined) scheduled.set(id, event);
    }
    const tracked = new Set<number>();
    for (const work of result.work) {
      tracked.add(work.id);
      const previous = scheduled.get(work.id);
      if (previous && scheduledKey(previous) !== work.key) {
        return nonDeterministic(
          `A previous execution of this orchestration scheduled ${scheduledKey(previous)} with sequence number ${work.id}, ` +
            `but the current replay scheduled ${work.key} there.`,
        );
      }
      if (!previous && work.kind === 'unsupported' && result.outcome.kind === 'running') {
        return {
          kind: 'failed',
          message: `elb-devhost does not support ${work.what} (durable entities and callHttp are not implemented).`,
          details: '',
        };
      }
    }
    if (result.outcome.kind !== 'failed') {
      for (const [id, event] of scheduled) {
        if (!tracked.has(id)) {
          return nonDeterministic(
            `A previous execution of this orchestration scheduled ${scheduledKey(event)} with sequence number ${id}, ` +
              `but the current replay has not scheduled it.`,
          );
        }
      }
    }
    return result.outcome;
  }

  /** Turns one tracked task that history has not seen yet into a scheduling event plus the work to start after saving. */
  private planWork(rec: InstanceRecord, work: TrackedWork, now: Date, followUps: (() => void)[]): void {
    const existing = rec.history.find((e) => scheduledId(e) === work.id);
    if (existing) {
      if (work.kind === 'timer' && work.cancelled && !rec.cancelledTimers.includes(work.id)) {
        rec.cancelledTimers.push(work.id);
        this.clearTimer(rec, work.id);
      }
      return;
    }
    const executionId = rec.executionId;
    const retryExpired = work.retry ? this.retryExpired(rec, work, now) : false;
    switch (work.kind) {
      case 'activity': {
        const fields: Record<string, unknown> = { Name: work.name, Version: '' };
        if (work.input !== undefined) fields.Input = JSON.stringify(work.input);
        rec.history.push(makeEvent(EventType.TaskScheduled, now, fields, work.id));
        if (retryExpired) {
          followUps.push(() =>
            this.deliver(
              rec.instanceId,
              executionId,
              makeEvent(EventType.TaskFailed, new Date(), {
                TaskScheduledId: work.id,
                Reason:
                  `Activity function '${work.name}' was not retried: the retry timeout expired. ${lastFailureReason(rec, work.name)}`.trim(),
                Details: '',
              }),
            ),
          );
        } else {
          followUps.push(() => this.runActivity(rec.instanceId, executionId, work.id, work.name as string, work.input));
        }
        return;
      }
      case 'timer': {
        const fireAt = work.fireAt ?? new Date(now.getTime() + (retryExpired ? 0 : (work.retryDelayMs ?? 0)));
        rec.history.push(makeEvent(EventType.TimerCreated, now, { FireAt: fireAt.toISOString() }, work.id));
        if (work.cancelled) rec.cancelledTimers.push(work.id);
        else followUps.push(() => this.armTimer(rec.instanceId, executionId, work.id, fireAt));
        return;
      }
      case 'suborchestration': {
        const childId = work.instanceId ?? `${rec.instanceId}:${work.id}`;
        const fields: Record<string, unknown> = { Name: work.name, InstanceId: childId, Version: '' };
        if (work.input !== undefined) fields.Input = JSON.stringify(work.input);
        rec.history.push(makeEvent(EventType.SubOrchestrationInstanceCreated, now, fields, work.id));
        followUps.push(() => this.ensureChild(rec, work.id, work.name as string, childId, work.input));
        return;
      }
      case 'unsupported':
        return;
    }
  }

  private retryExpired(rec: InstanceRecord, work: TrackedWork, now: Date): boolean {
    const retry = work.retry;
    if (!retry || retry.firstAttemptId === work.id) return false;
    const first = rec.history.find((e) => scheduledId(e) === retry.firstAttemptId);
    return first ? retryTimedOut(retry.options, new Date(first.Timestamp), now) : false;
  }

  /**
   * continueAsNew: a new execution with the new input and an empty history. External events the old execution had
   * not consumed are carried over (so a sender never loses an event to the restart).
   */
  private continueAsNew(rec: InstanceRecord, input: unknown, result: ReplayResult, now: Date): void {
    const consumed = new Map<string, number>();
    for (const waiter of result.waiters)
      if (waiter.resolved) consumed.set(waiter.name, (consumed.get(waiter.name) ?? 0) + 1);
    const seen = new Map<string, number>();
    const carried: HistoryEvent[] = [];
    const raised = [...rec.history, ...rec.inbox.map((m) => m.event)].filter(
      (e) => e.EventType === EventType.EventRaised,
    );
    for (const event of raised) {
      const name = String(event.Name);
      const index = seen.get(name) ?? 0;
      seen.set(name, index + 1);
      if (index >= (consumed.get(name) ?? 0)) carried.push({ ...event, IsPlayed: false });
    }
    this.clearTimers(rec);
    rec.executionId = randomUUID().replace(/-/g, '');
    rec.input = input === undefined ? null : JSON.stringify(input);
    rec.history = [];
    rec.cancelledTimers = [];
    rec.status = 'Running';
    rec.inbox = carried.map((event) => ({ executionId: rec.executionId, event }));
    rec.lastUpdatedTime = now.toISOString();
  }

  private failInstance(rec: InstanceRecord, message: string, details: string): void {
    const now = new Date();
    const text = `Orchestrator function '${rec.name}' failed: ${message}`;
    rec.history.push(
      makeEvent(EventType.ExecutionCompleted, now, { OrchestrationStatus: 'Failed', Result: text, Details: details }),
    );
    rec.status = 'Failed';
    rec.output = JSON.stringify(text);
    rec.lastUpdatedTime = now.toISOString();
    this.clearTimers(rec);
  }

  // ---------------------------------------------------------------- work

  /** Appends an event to an instance's inbox (durably) and wakes it; events for an older execution are dropped. */
  private deliver(instanceId: string, executionId: string, event: HistoryEvent): void {
    if (this.stopped) return;
    const rec = this.instances.get(instanceId);
    if (!rec || rec.executionId !== executionId || isTerminal(rec.status)) return;
    rec.inbox.push({ executionId, event });
    this.options.store.save(rec);
    this.schedule(instanceId);
  }

  private resumeWork(rec: InstanceRecord, event: HistoryEvent): void {
    switch (event.EventType) {
      case EventType.TaskScheduled: {
        const input = typeof event.Input === 'string' ? JSON.parse(event.Input) : undefined;
        this.runActivity(rec.instanceId, rec.executionId, event.EventId, String(event.Name), input);
        break;
      }
      case EventType.TimerCreated:
        if (!rec.cancelledTimers.includes(event.EventId)) {
          this.armTimer(rec.instanceId, rec.executionId, event.EventId, new Date(String(event.FireAt)));
        }
        break;
      case EventType.SubOrchestrationInstanceCreated: {
        const input = typeof event.Input === 'string' ? JSON.parse(event.Input) : undefined;
        this.ensureChild(rec, event.EventId, String(event.Name), String(event.InstanceId), input);
        break;
      }
    }
  }

  /** Runs an activity (at least once: one in flight when the host dies runs again after restart). */
  private runActivity(instanceId: string, executionId: string, taskId: number, name: string, input: unknown): void {
    void (async () => {
      const release = await this.activitySlots.acquire();
      try {
        const rec = this.instances.get(instanceId);
        if (this.stopped || !rec || rec.executionId !== executionId || isTerminal(rec.status)) return;
        const fn = this.options.registry.find(name, 'activityTrigger');
        let event: HistoryEvent;
        if (!fn) {
          event = makeEvent(EventType.TaskFailed, new Date(), {
            TaskScheduledId: taskId,
            Reason: `The function '${name}' doesn't exist, is disabled, or is not an activity function.`,
            Details: '',
          });
        } else {
          const outcome = await this.options.invoker.invoke(fn, input);
          event =
            outcome.error === undefined
              ? completion(taskId, name, outcome.result)
              : activityFailure(taskId, name, outcome.error);
        }
        this.deliver(instanceId, executionId, event);
      } catch (err) {
        this.options.log(`devhost: activity '${name}' of '${instanceId}' could not be run: ${oneLine(err)}`);
      } finally {
        release();
      }
    })();
  }

  private timerKey(instanceId: string, executionId: string, timerId: number): string {
    return `${instanceId}\u0000${executionId}\u0000${timerId}`;
  }

  private armTimer(instanceId: string, executionId: string, timerId: number, fireAt: Date): void {
    if (this.stopped) return;
    const key = this.timerKey(instanceId, executionId, timerId);
    const wait = Math.min(Math.max(0, fireAt.getTime() - Date.now()), MAX_TIMEOUT_MS);
    const handle = setTimeout(() => {
      this.timers.delete(key);
      if (Date.now() < fireAt.getTime()) {
        this.armTimer(instanceId, executionId, timerId, fireAt);
        return;
      }
      this.deliver(
        instanceId,
        executionId,
        makeEvent(EventType.TimerFired, new Date(), { TimerId: timerId, FireAt: fireAt.toISOString() }),
      );
    }, wait);
    this.timers.set(key, handle);
  }

  private clearTimer(rec: InstanceRecord, timerId: number): void {
    const key = this.timerKey(rec.instanceId, rec.executionId, timerId);
    const handle = this.timers.get(key);
    if (handle) clearTimeout(handle);
    this.timers.delete(key);
  }

  private clearTimers(rec: InstanceRecord): void {
    const prefix = `${rec.instanceId}\u0000${rec.executionId}\u0000`;
    for (const [key, handle] of this.timers) {
      if (key.startsWith(prefix)) {
        clearTimeout(handle);
        this.timers.delete(key);
      }
    }
  }

  /** Creates the sub-orchestration once; after a restart, a child that already finished reports to its parent again. */
  private ensureChild(parent: InstanceRecord, taskId: number, name: string, childId: string, input: unknown): void {
    const link = { instanceId: parent.instanceId, executionId: parent.executionId, taskScheduledId: taskId };
    const existing = this.instances.get(childId);
    const ours =
      existing?.parent &&
      existing.parent.instanceId === link.instanceId &&
      existing.parent.executionId === link.executionId &&
      existing.parent.taskScheduledId === link.taskScheduledId;
    if (existing && ours) {
      if (isTerminal(existing.status)) this.notifyParent(existing);
      return;
    }
    try {
      this.startNew(name, childId, input, link);
    } catch (err) {
      this.deliver(
        parent.instanceId,
        parent.executionId,
        makeEvent(EventType.SubOrchestrationInstanceFailed, new Date(), {
          TaskScheduledId: taskId,
          Reason: err instanceof Error ? err.message : String(err),
          Details: '',
        }),
      );
    }
  }

  private notifyParent(child: InstanceRecord): void {
    const link = child.parent;
    if (!link) return;
    const now = new Date();
    let event: HistoryEvent;
    if (child.status === 'Completed') {
      event = makeEvent(EventType.SubOrchestrationInstanceCompleted, now, {
        TaskScheduledId: link.taskScheduledId,
        Result: child.output ?? 'null',
      });
    } else {
      const detail = child.output === null ? '' : String(JSON.parse(child.output));
      const reason =
        child.status === 'Terminated'
          ? `Sub-orchestration '${child.instanceId}' was terminated: ${detail}`
          : detail || `Sub-orchestration '${child.instanceId}' ended as ${child.status}`;
      event = makeEvent(EventType.SubOrchestrationInstanceFailed, now, {
        TaskScheduledId: link.taskScheduledId,
        Reason: reason,
        Details: '',
      });
    }
    this.deliver(link.instanceId, link.executionId, event);
  }
}

function nonDeterministic(detail: string): Outcome {
  return {
    kind: 'failed',
    message: `Non-deterministic workflow detected: ${detail} Was the orchestrator code changed while this instance was running?`,
    details: '',
  };
}

function completion(taskId: number, name: string, result: unknown): HistoryEvent {
  let text: string;
  try {
    text = JSON.stringify(result ?? null) ?? 'null';
  } catch (err) {
    return activityFailure(taskId, name, new Error(`its result cannot be serialized to JSON: ${oneLine(err)}`));
  }
  return makeEvent(EventType.TaskCompleted, new Date(), { TaskScheduledId: taskId, Result: text });
}

function activityFailure(taskId: number, name: string, error: unknown): HistoryEvent {
  const err = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
  return makeEvent(EventType.TaskFailed, new Date(), {
    TaskScheduledId: taskId,
    Reason: `Activity function '${name}' failed: ${err.message}`,
    Details: err.stack ?? '',
  });
}

function lastFailureReason(rec: InstanceRecord, name: string | undefined): string {
  const names = new Map<number, string>();
  for (const event of rec.history)
    if (event.EventType === EventType.TaskScheduled) names.set(event.EventId, String(event.Name));
  const failures = rec.history.filter(
    (e) => e.EventType === EventType.TaskFailed && names.get(e.TaskScheduledId as number) === name,
  );
  const last = failures[failures.length - 1];
  return last ? `Last error: ${String(last.Reason)}` : '';
}

/** Instance ids follow Azure Storage's rules: 1-256 characters, none of / \ # ? or control characters. */
export function validateInstanceId(id: string): void {
  if (id.length === 0 || id.length > 256 || /[/\\#?\u0000-\u001f\u007f]/.test(id)) {
    throw new DevhostError(
      'bad_instance_id',
      'Instance IDs must be 1-256 characters without / \\ # ? or control characters.',
      400,
    );
  }
}
