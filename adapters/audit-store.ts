// The `audit` table: who did what to a target's API token, and when (docs/security.md#the-service-api-token).
// One partition per target, newest first, bounded like the deploy history. A record never holds the token.
import { randomUUID } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { TokenAuditRecord } from '../core/contract/token';
import { listNewest, newestFirstKey, partitionFilter, trimToNewest } from './newest-first';
import { pendingClient, readyTable, storageError, tableClient } from './tables';

type Row = { partitionKey: string; rowKey: string; auditId: string; action: string; actor: string; at: string };

export class AuditStore {
  private readonly client: Promise<TableClient>;

  constructor(
    client: TableClient | Promise<TableClient> = tableClient('audit'),
    private readonly limit = 200,
  ) {
    this.client = pendingClient(client);
  }

  /**
   * Writes one record and answers it; throws storage_unavailable when it could not be written. With `auditId` (a
   * rotation's id) a record already written under it is answered instead: a step run again records once.
   */
  async record(
    target: string,
    action: TokenAuditRecord['action'],
    actor: string,
    auditId?: string,
  ): Promise<TokenAuditRecord> {
    const at = new Date().toISOString();
    const record: TokenAuditRecord = { audit_id: auditId ?? randomUUID(), target, action, actor, at };
    try {
      const table = await readyTable(this.client);
      if (auditId !== undefined) {
        const filter = `${partitionFilter(target)} and auditId eq '${auditId.replace(/'/g, "''")}'`;
        for await (const row of table.listEntities<Row>({ queryOptions: { filter } })) return fromRow(row);
      }
      await table.createEntity<Row>({
        partitionKey: target,
        rowKey: newestFirstKey(at, record.audit_id),
        auditId: record.audit_id,
        action,
        actor,
        at,
      });
    } catch (err) {
      throw storageError(err);
    }
    // Trimming is housekeeping: the reveal does not wait for it, and a failure only leaves extra old records.
    void this.trim(target).catch(() => undefined);
    return record;
  }

  /** Newest first. */
  list(target: string, max = this.limit): Promise<TokenAuditRecord[]> {
    return listNewest<Row, TokenAuditRecord>(this.client, target, max, fromRow);
  }

  private trim(target: string): Promise<void> {
    return trimToNewest(this.client, target, this.limit);
  }
}

function fromRow(row: Row): TokenAuditRecord {
  return {
    audit_id: row.auditId,
    target: row.partitionKey,
    action: row.action as TokenAuditRecord['action'],
    actor: row.actor,
    at: row.at,
  };
}
