// The `policychanges` table: every change of a target's update policy through the API — who, when, the policy in
// force before and after, and where each came from (docs/policies.md "Update policy"). One partition per target,
// newest first, bounded like the token audit trail (adapters/audit-store.ts), of which it is the policy's twin.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import * as z from 'zod/mini';
import { PolicyChange } from '../core/contract/update';
import { pendingClient, readyTable, storageError, tableClient } from './tables';

export type PolicyChangeRecord = z.output<typeof PolicyChange>;

type Row = {
  partitionKey: string;
  rowKey: string;
  actor: string;
  at: string;
  action: string;
  before: string;
  beforeSource: string;
  after: string;
  afterSource: string;
};

export class PolicyChangeStore {
  private readonly client: Promise<TableClient>;

  constructor(
    client: TableClient | Promise<TableClient> = tableClient('policychanges'),
    private readonly limit = 100,
  ) {
    this.client = pendingClient(client);
  }

  /** Writes one change; throws storage_unavailable when it could not be written (the change is then not made). */
  async record(change: PolicyChangeRecord): Promise<void> {
    try {
      const table = await readyTable(this.client);
      const inverted = String(253402300799999 - Date.parse(change.at)).padStart(15, '0');
      await table.createEntity<Row>({
        partitionKey: change.target,
        rowKey: `${inverted}_${randomUUID()}`,
        actor: change.actor,
        at: change.at,
        action: change.action,
        before: JSON.stringify(change.before),
        beforeSource: change.before_source,
        after: JSON.stringify(change.after),
        afterSource: change.after_source,
      });
    } catch (err) {
      throw storageError(err);
    }
    void this.trim(change.target).catch(() => undefined);
  }

  /** Newest first; a row that no longer parses (written by hand, or by another version) is left out. */
  async list(target: string, max = 20): Promise<PolicyChangeRecord[]> {
    const out: PolicyChangeRecord[] = [];
    try {
      const table = await readyTable(this.client);
      for await (const row of table.listEntities<Row>({ queryOptions: { filter: partition(target) } })) {
        const parsed = fromRow(row);
        if (parsed) out.push(parsed);
        if (out.length >= max) break;
      }
    } catch (err) {
      throw storageError(err);
    }
    return out;
  }

  private async trim(target: string): Promise<void> {
    const table = await readyTable(this.client);
    const keys: string[] = [];
    for await (const row of table.listEntities<Row>({
      queryOptions: { filter: partition(target), select: ['RowKey'] },
    }))
      keys.push(row.rowKey);
    for (const rowKey of keys.slice(this.limit)) await table.deleteEntity(target, rowKey).catch(() => undefined);
  }
}

const partition = (target: string) => `PartitionKey eq '${target.replace(/'/g, "''")}'`;

function fromRow(row: Row): PolicyChangeRecord | null {
  try {
    const parsed = z.safeParse(PolicyChange, {
      target: row.partitionKey,
      actor: row.actor,
      at: row.at,
      action: row.action,
      before: JSON.parse(row.before),
      before_source: row.beforeSource,
      after: JSON.parse(row.after),
      after_source: row.afterSource,
    });
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
