// A devhost orchestration instance caught mid-run, as the replay path receives it: the fixture the durable contract
// tests and the devhost replay benchmark both feed to the real durable-functions executor.
import type { HistoryEvent, InstanceRecord } from '../../devhost/durable/history.js';

export interface RunningInstance {
  instanceId: string;
  name: string;
  /** JSON text of the input, as the devhost stores it. */
  input: string | null;
  history: HistoryEvent[];
}

/** A Running record with the given history and nothing waiting: no inbox, no cancelled timers. */
export function runningInstance({ instanceId, name, input, history }: RunningInstance): InstanceRecord {
  const now = new Date().toISOString();
  return {
    instanceId,
    name,
    executionId: 'e1',
    status: 'Running',
    input,
    output: null,
    customStatus: null,
    createdTime: now,
    lastUpdatedTime: now,
    history,
    inbox: [],
    cancelledTimers: [],
  };
}
