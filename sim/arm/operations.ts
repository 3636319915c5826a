// ARM asynchronous operations: what `Azure-AsyncOperation` and `Location` headers point at while a POST action
// (scheduleRun, runs/cancel, managedClusters start/stop) is in flight. Pollers (@azure/core-lro) read
// `{status: InProgress|Succeeded|Failed|Canceled}` from the first and the final result from the second.
import { randomUUID } from 'node:crypto';
import { ArmError } from './errors';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface Operation {
  id: string;
  /** `Microsoft.ContainerRegistry` or `Microsoft.ContainerService`: the provider whose URL space it lives in. */
  provider: string;
  status: OperationStatus;
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

const KEEP = 500;

export class Operations {
  private readonly ops = new Map<string, Operation>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly subscriptionId: string,
    private readonly location: string,
  ) {}

  start(provider: string): Operation {
    const op: Operation = { id: randomUUID(), provider, status: 'InProgress', startTime: new Date().toISOString() };
    this.ops.set(op.id, op);
    if (this.ops.size > KEEP) this.ops.delete(this.ops.keys().next().value!);
    return op;
  }

  finish(
    op: Operation,
    status: Exclude<OperationStatus, 'InProgress'>,
    error?: { code: string; message: string },
  ): void {
    op.status = status;
    op.endTime = new Date().toISOString();
    if (error) op.error = error;
  }

  /** The polling headers for a 202 answer; `location` is the result URL (omitted for void results). */
  headers(op: Operation, apiVersion: string, location?: string): Record<string, string> {
    const h: Record<string, string> = { 'Azure-AsyncOperation': this.url(op, 'operations', apiVersion) };
    if (location) h.Location = location;
    return h;
  }

  url(op: Operation, kind: 'operations' | 'operationresults', apiVersion: string): string {
    return `${this.baseUrl()}/subscriptions/${this.subscriptionId}/providers/${op.provider}/locations/${this.location}/${kind}/${op.id}?api-version=${encodeURIComponent(apiVersion)}`;
  }

  get(provider: string, id: string): Operation {
    const op = this.ops.get(id);
    if (!op || op.provider.toLowerCase() !== provider.toLowerCase())
      throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`);
    return op;
  }

  /** The operation status document ARM serves at the Azure-AsyncOperation URL. */
  static body(op: Operation): Record<string, unknown> {
    return {
      id: op.id,
      name: op.id,
      status: op.status,
      startTime: op.startTime,
      ...(op.endTime ? { endTime: op.endTime } : {}),
      ...(op.error ? { error: op.error } : {}),
    };
  }
}
