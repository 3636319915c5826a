// Table clients for the app's state: Azurite locally (its published development account, no connection string),
// the Function App's storage account with its managed identity in Azure.
import { AzureNamedKeyCredential, TableClient } from '@azure/data-tables';
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

const ensured = new Map<string, Promise<void>>();

export function tableClient(table: string, endpoint = tablesEndpoint()): TableClient {
  let client: TableClient;
  if (endpoint.startsWith('https://')) {
    client = new TableClient(endpoint, table, azureCredential(), boundedClientOptions());
  } else if (isLoopbackHttpUrl(endpoint)) {
    client = new TableClient(endpoint, table, new AzureNamedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY), {
      ...boundedClientOptions(),
      allowInsecureConnection: true,
    });
  } else {
    throw new DomainError('invalid_settings', 'a plain-http table endpoint must be on loopback (Azurite)', 500);
  }
  return client;
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
