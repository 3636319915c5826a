// One Azure credential per process: the Function App's managed identity in Azure (AZURE_CLIENT_ID selects a
// user-assigned one), developer credentials locally.
import { DefaultAzureCredential, TokenCredential } from '@azure/identity';

let credential: TokenCredential | null = null;

export function azureCredential(): TokenCredential {
  credential ??= new DefaultAzureCredential(
    process.env.AZURE_CLIENT_ID ? { managedIdentityClientId: process.env.AZURE_CLIENT_ID } : {},
  );
  return credential;
}
