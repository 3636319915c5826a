// The `policychanges` table: every change of a target's update policy through the API — who, when, the policy in
// force before and after, and where each came from (docs/policies.md "Update policy"). One partition per target,
// newest first, bounded like the token audit trail (adapters/audit-store.ts), of which it is the policy's twin.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import * as z from 'zod/mini';
import { PolicyChange } from '../core/contract/update';
import { listNewest, newestFirstKey, trimToNewest } from './newest-first';
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
      await table.createEntity<Row>({
        partitionKey: change.target,
        rowKey: newestFirstKey(change.at, randomUUID()),
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
  list(target: string, max = 20): Promise<PolicyChangeRecord[]> {
    return listNewest<Row, PolicyChangeRecord>(this.client, target, max, fromRow);
  }

  private trim(target: string): Promise<void> {
    return trimToNewest(this.client, target, this.limit);
  }
}

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
