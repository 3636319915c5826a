// Per-target logs in Azure Tables kept newest first and bounded (the token audit trail, the policy changes): one
// partition per target, a row key that sorts the newest first, reads that stop at `max`, trims that keep `limit`.
import type { TableClient } from '@azure/data-tables';
import { readyTable, storageError } from './tables';

/** A row key that sorts newer records first: the time inverted (to 9999-12-31), then a unique id. */
export function newestFirstKey(at: string, id: string): string {
  return `${String(253402300799999 - Date.parse(at)).padStart(15, '0')}_${id}`;
}

/** The OData filter for one target's partition. */
export function partitionFilter(target: string): string {
  return `PartitionKey eq '${target.replace(/'/g, "''")}'`;
}

/** Up to `max` records of `target`, newest first; rows `parse` rejects (null) are left out. */
export async function listNewest<R extends object, T>(
  client: Promise<TableClient>,
  target: string,
  max: number,
  parse: (row: R & { partitionKey: string; rowKey: string }) => T | null,
): Promise<T[]> {
  const out: T[] = [];
  try {
    const table = await readyTable(client);
    for await (const row of table.listEntities<R>({ queryOptions: { filter: partitionFilter(target) } })) {
      const parsed = parse(row as R & { partitionKey: string; rowKey: string });
      if (parsed !== null) out.push(parsed);
      if (out.length >= max) break;
    }
  } catch (err) {
    throw storageError(err);
  }
  return out;
}

/** Deletes all but the newest `limit` records of `target`; housekeeping, so a failed delete is left for next time. */
export async function trimToNewest(client: Promise<TableClient>, target: string, limit: number): Promise<void> {
  const table = await readyTable(client);
  const keys: string[] = [];
  for await (const row of table.listEntities({ queryOptions: { filter: partitionFilter(target), select: ['RowKey'] } }))
    keys.push(row.rowKey!);
  for (const rowKey of keys.slice(limit)) await table.deleteEntity(target, rowKey).catch(() => undefined);
}
