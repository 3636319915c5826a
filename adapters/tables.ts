// Table clients for the app's state: Azurite locally (its published development account, no connection string),
// the Function App's storage account with its managed identity in Azure. @azure/data-tables is loaded when the first
// client is built, not when the app loads (docs/decisions/0002-function-app-bundle.md).
import type { TableClient } from '@azure/data-tables';
import { DomainError } from '../core/errors';
import { isLoopbackHttpUrl } from '../core/loopback';
import { azureCredential } from './credentials';
import { boundedClientOptions } from './request-timeout';

// Azurite's well-known development account (public, documented with Azurite; not a secret).
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const AZURITE_DEFAULT = 'http://127.0.0.1:10002/devstoreaccount1';

/** Where the tables live, from ELB_TABLES_ENDPOINT or the AzureWebJobsStorage settings. */
export function tablesEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ELB_TABLES_ENDPOINT) return env.ELB_TABLES_ENDPOINT.replace(/\/+$/, '');
  const account = env.AzureWebJobsStorage__accountName;
  if (account) return `https://${account}.table.core.windows.net`;
  if (env.AzureWebJobsStorage === 'UseDevelopmentStorage=true') return AZURITE_DEFAULT;
  throw new DomainError(
    'storage_not_configured',
    'set ELB_TABLES_ENDPOINT, AzureWebJobsStorage__accountName, or AzureWebJobsStorage=UseDevelopmentStorage=true',
    503,
  );
}

/** @azure/data-tables, loaded on first use. Typed as its CommonJS build, which the bundle loads and the rest of the
 * app's types name (TypeScript types a bare `import()` here as the ESM build, whose classes it holds to be others). */
const loadSdk = () => import('@azure/data-tables') as unknown as Promise<typeof import('@azure/data-tables')>;

const ensured = new Map<string, Promise<void>>();

/** A client of TABLE. The settings are checked at once (a bad one throws here, when the adapter is built); the
 * client follows once the SDK is loaded. */
export function tableClient(table: string, endpoint = tablesEndpoint()): Promise<TableClient> {
  const https = endpoint.startsWith('https://');
  if (!https && !isLoopbackHttpUrl(endpoint)) {
    throw new DomainError('invalid_settings', 'a plain-http table endpoint must be on loopback (Azurite)', 500);
  }
  return loadSdk().then((sdk) =>
    https
      ? new sdk.TableClient(endpoint, table, azureCredential(), boundedClientOptions())
      : new sdk.TableClient(endpoint, table, new sdk.AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
          ...boundedClientOptions(),
          allowInsecureConnection: true,
        }),
  );
}

/** Creates the table once per process (idempotent). */
export async function ensureTable(client: TableClient): Promise<void> {
  const key = `${client.url}|${client.tableName}`;
  let p = ensured.get(key);
  if (!p) {
    p = client.createTable().catch((err: unknown) => {
      ensured.delete(key);
      throw err;
    });
    ensured.set(key, p);
  }
  await p;
}

/** A client or a promise of one, as a promise whose failure is never left unhandled (it surfaces at first use). */
export function pendingClient(client: TableClient | Promise<TableClient>): Promise<TableClient> {
  const ready = Promise.resolve(client);
  ready.catch(() => undefined);
  return ready;
}

/** The client once built, its table created (once per process). */
export async function readyTable(client: Promise<TableClient>): Promise<TableClient> {
  const table = await client;
  await ensureTable(table);
  return table;
}

/** The HTTP status of a failed table call, when it had one. */
export function storageStatus(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** A failed table call as the API tells it: 503 `storage_unavailable`, with the status and nothing else. */
export function storageError(err: unknown): DomainError {
  const status = storageStatus(err);
  return new DomainError('storage_unavailable', `table storage failed${status ? ` (HTTP ${status})` : ''}`, 503);
}
