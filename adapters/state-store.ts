// The app's durable state in Azure Tables: one `targets` row per target (desired/deployed image, last manifest,
// the single-flight lease, auto-update bookkeeping) and one `deployments` row per deploy (bounded per target).
// Every read-modify-write is conditional on the row's ETag, so concurrent requests cannot both win.
import type { TableClient } from '@azure/data-tables';
import * as z from 'zod/mini';
import { DeployOutput, TimelineEntry } from '../core/contract/deploy';
import { RecordStatus, ShortError } from '../core/contract/history';
import { UpdateDecision, WindowOverride } from '../core/contract/update';
import { DeploymentRecord } from '../core/deployment-record';
import { DomainError } from '../core/errors';
import { emptyTargetState, TargetState } from '../core/target-state';
import { fitOutputJson, outputColumns, outputFromColumns } from './stored-output';
import { pendingClient, readyTable, storageError, storageStatus, tableClient } from './tables';

const TARGET_PARTITION = 'target';
/**
 * Tries of one read-modify-write. A conflict means another writer succeeded, so with at most this many writers on
 * one row at once every write lands; more than that may get `storage_contention` (a retryable 503).
 */
export const MAX_CAS_ATTEMPTS = 8;

type Row = Record<string, unknown> & { partitionKey: string; rowKey: string; etag?: string };

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function rowToState(name: string, row: Row | null): TargetState {
  const s = emptyTargetState(name);
  if (!row) return s;
  for (const key of Object.keys(s) as (keyof TargetState)[]) {
    if (key === 'name') continue;
    (s as unknown as Record<string, string | null>)[key] = str(row[key]);
  }
  return s;
}

function stateToRow(state: TargetState): Row {
  const row: Row = { partitionKey: TARGET_PARTITION, rowKey: state.name };
  for (const [k, v] of Object.entries(state)) if (k !== 'name') row[k] = v ?? '';
  return row;
}

export class ConflictError extends Error {}

export class TargetStore {
  private readonly client: Promise<TableClient>;

  constructor(client: TableClient | Promise<TableClient> = tableClient('targets')) {
    this.client = pendingClient(client);
  }

  async get(name: string): Promise<{ state: TargetState; etag: string | null }> {
    const table = await readyTable(this.client);
    try {
      const row = await table.getEntity<Row>(TARGET_PARTITION, name);
      return { state: rowToState(name, row), etag: row.etag ?? null };
    } catch (err) {
      if (storageStatus(err) === 404) return { state: emptyTargetState(name), etag: null };
      throw storageError(err);
    }
  }

  /** Writes `next` only if the row is unchanged since `etag` was read (null: only if it does not exist). */
  async put(next: TargetState, etag: string | null): Promise<void> {
    const table = await this.client;
    try {
      if (etag === null) await table.createEntity(stateToRow(next));
      else await table.updateEntity(stateToRow(next), 'Replace', { etag });
    } catch (err) {
      const s = storageStatus(err);
      if (s === 409 || s === 412) throw new ConflictError('target row changed concurrently');
      throw storageError(err);
    }
  }

  /**
   * Optimistic read-modify-write. `change` returns the new state (or null to write nothing) plus a result; it may
   * run several times when other writers interfere, so it must only compute.
   */
  async update<R>(
    name: string,
    change: (
      s: TargetState,
    ) => Promise<{ next: TargetState | null; result: R }> | { next: TargetState | null; result: R },
  ): Promise<R> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const { state, etag } = await this.get(name);
      const { next, result } = await change(state);
      if (!next) return result;
      try {
        await this.put(next, etag);
        return result;
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        await new Promise((ok) => setTimeout(ok, 10 + Math.random() * 40 * (attempt + 1)));
      }
    }
    throw new DomainError('storage_contention', 'the target state is being changed by many requests; try again', 503);
  }
}

// Newest first: row keys sort ascending, so the key starts with the time remaining until year 9999.
function rowKeyFor(requestedAt: string, deployId: string): string {
  const inverted = 253402300799999 - Date.parse(requestedAt);
  return `${String(inverted).padStart(15, '0')}_${deployId}`;
}

export class DeploymentStore {
  private readonly client: Promise<TableClient>;

  constructor(
    client: TableClient | Promise<TableClient> = tableClient('deployments'),
    private readonly limit = 50,
  ) {
    this.client = pendingClient(client);
  }

  async create(record: DeploymentRecord): Promise<void> {
    const table = await readyTable(this.client);
    try {
      await table.createEntity(this.toRow(record));
    } catch (err) {
      if (storageStatus(err) !== 409) throw storageError(err);
    }
    await this.trim(record.target);
  }

  async update(target: string, deployId: string, patch: Partial<DeploymentRecord>): Promise<DeploymentRecord | null> {
    const found = await this.findRow(target, deployId);
    if (!found) return null;
    const merged: DeploymentRecord = { ...this.fromRow(found), ...patch };
    const table = await this.client;
    try {
      await table.updateEntity(this.toRow(merged, found.rowKey), 'Replace');
    } catch (err) {
      throw storageError(err);
    }
    return merged;
  }

  /**
   * Merges `patch` into a record that has not finished, conditionally on the row's ETag: a record that finished
   * meanwhile is returned as it is, never overwritten. Null when there is no such record.
   */
  async closeIfOpen(
    target: string,
    deployId: string,
    patch: Partial<DeploymentRecord>,
  ): Promise<DeploymentRecord | null> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const found = await this.findRow(target, deployId);
      if (!found) return null;
      const current = this.fromRow(found);
      if (current.finished_at !== null) return current;
      const merged: DeploymentRecord = { ...current, ...patch };
      const table = await this.client;
      try {
        await table.updateEntity(this.toRow(merged, found.rowKey), 'Replace', { etag: found.etag ?? '*' });
        return merged;
      } catch (err) {
        if (storageStatus(err) !== 412) throw storageError(err);
      }
    }
    throw new DomainError('storage_contention', 'the deploy record is being changed by many requests; try again', 503);
  }

  async get(target: string, deployId: string): Promise<DeploymentRecord | null> {
    const row = await this.findRow(target, deployId);
    return row ? this.fromRow(row) : null;
  }

  /** A deploy's record when its target is not known (status lookups by id). */
  async findAny(deployId: string): Promise<DeploymentRecord | null> {
    const table = await readyTable(this.client);
    try {
      const pages = table.listEntities<Row>({ queryOptions: { filter: `deployId eq '${escape(deployId)}'` } });
      for await (const row of pages) return this.fromRow(row);
      return null;
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Newest first. */
  async list(target: string, max = this.limit): Promise<DeploymentRecord[]> {
    const table = await readyTable(this.client);
    const out: DeploymentRecord[] = [];
    try {
      const pages = table.listEntities<Row>({ queryOptions: { filter: `PartitionKey eq '${escape(target)}'` } });
      for await (const row of pages) {
        out.push(this.fromRow(row));
        if (out.length >= max) break;
      }
    } catch (err) {
      throw storageError(err);
    }
    return out;
  }

  private async findRow(target: string, deployId: string): Promise<Row | null> {
    const table = await readyTable(this.client);
    try {
      const pages = table.listEntities<Row>({
        queryOptions: { filter: `PartitionKey eq '${escape(target)}' and deployId eq '${escape(deployId)}'` },
      });
      for await (const row of pages) return row;
      return null;
    } catch (err) {
      throw storageError(err);
    }
  }

  /** Keeps the newest `limit` records of a target. */
  private async trim(target: string): Promise<void> {
    const table = await this.client;
    const keys: string[] = [];
    for await (const row of table.listEntities<Row>({
      queryOptions: { filter: `PartitionKey eq '${escape(target)}'`, select: ['RowKey'] },
    })) {
      keys.push(row.rowKey);
    }
    for (const rowKey of keys.slice(this.limit)) {
      await table.deleteEntity(target, rowKey).catch(() => undefined);
    }
  }

  private toRow(r: DeploymentRecord, rowKey = rowKeyFor(r.requested_at, r.deploy_id)): Row {
    return {
      partitionKey: r.target,
      rowKey,
      deployId: r.deploy_id,
      reason: r.reason,
      requester: r.requester,
      status: r.status,
      requestedAt: r.requested_at,
      finishedAt: r.finished_at ?? '',
      tag: r.tag ?? '',
      digest: r.digest ?? '',
      image: r.image ?? '',
      previousImage: r.previous_image ?? '',
      elapsedSeconds: r.elapsed_seconds ?? -1,
      phaseSeconds: JSON.stringify(r.phase_seconds),
      timeline: JSON.stringify(r.timeline),
      error: r.error ? JSON.stringify(r.error) : '',
      rollbackStatus: r.rollback_status ?? '',
      approval: r.approval ? JSON.stringify(r.approval) : '',
      windowOverride: r.window_override ? JSON.stringify(r.window_override) : '',
      // The output whole, split across columns (adapters/stored-output.ts); Replace drops a longer one's extra parts.
      ...(r.output ? outputColumns(fitOutputJson(r.output)) : { output: '' }),
    };
  }

  /**
   * A stored row read back through the contract's schemas: a column that no longer parses (written by another
   * version, or edited by hand) reads as its empty value, so one odd row cannot break the history answer.
   */
  private fromRow(row: Row): DeploymentRecord {
    const output = storedValue(DeployOutput, outputFromColumns<unknown>(row), null);
    const elapsed = typeof row.elapsedSeconds === 'number' && row.elapsedSeconds >= 0 ? row.elapsedSeconds : null;
    return {
      deploy_id: String(row.deployId),
      target: row.partitionKey,
      reason: String(row.reason ?? ''),
      requester: String(row.requester ?? ''),
      status: storedValue(RecordStatus, row.status ?? 'queued', 'failed'),
      requested_at: String(row.requestedAt ?? ''),
      finished_at: str(row.finishedAt),
      tag: str(row.tag),
      digest: str(row.digest),
      image: str(row.image),
      previous_image: str(row.previousImage),
      elapsed_seconds: elapsed,
      phase_seconds: storedValue(PhaseSeconds, jsonColumn(row.phaseSeconds), {}),
      // Rows written before the column existed still have the timeline inside their output.
      timeline: storedValue(Timeline, jsonColumn(row.timeline), null) ?? output?.timeline ?? [],
      error: storedValue(ShortError, jsonColumn(row.error), null),
      rollback_status: str(row.rollbackStatus),
      approval: storedValue(UpdateDecision, jsonColumn(row.approval), null),
      window_override: storedValue(WindowOverride, jsonColumn(row.windowOverride), null),
      output,
    };
  }
}

const PhaseSeconds = z.record(z.string(), z.number());
const Timeline = z.array(TimelineEntry);

/** A JSON column's value, or undefined when it is empty or not JSON. */
function jsonColumn(v: unknown): unknown {
  if (typeof v !== 'string' || v === '') return undefined;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** `value` if the schema accepts it, else `fallback`. */
function storedValue<S extends z.core.$ZodType, F>(schema: S, value: unknown, fallback: F): z.output<S> | F {
  const parsed = z.safeParse(schema, value);
  return parsed.success ? parsed.data : fallback;
}

/** OData string literal escaping. */
function escape(value: string): string {
  return value.replace(/'/g, "''");
}
