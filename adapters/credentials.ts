// One Azure credential per process: the Function App's managed identity in Azure (AZURE_CLIENT_ID selects a
// user-assigned one), developer credentials locally.
//
// @azure/identity (with MSAL, a third of the bundle) is loaded on the first token request, not when the app loads:
// a cold start registers its functions without it, and locally (Azurite, the sim) no token is ever asked for.
// docs/decisions/0002-function-app-bundle.md.
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';

let credential: TokenCredential | null = null;
let loaded: Promise<TokenCredential> | null = null;

function defaultCredential(): Promise<TokenCredential> {
  loaded ??= import('@azure/identity').then(
    ({ DefaultAzureCredential }) =>
      new DefaultAzureCredential(
        process.env.AZURE_CLIENT_ID ? { managedIdentityClientId: process.env.AZURE_CLIENT_ID } : {},
      ),
  );
  return loaded;
}

export function azureCredential(): TokenCredential {
  credential ??= {
    getToken: async (scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> =>
      (await defaultCredential()).getToken(scopes, options),
  };
  return credential;
}
