// The API in platform mode, as it runs in Azure: the platform's authentication on, the registry to check pushes
// against, and callers named by the header Static Web Apps puts on each request.

/** Settings for startFastStack/startStack that put the app in platform mode. */
export const PLATFORM_ENV = {
  ELB_AUTH_MODE: 'platform',
  WEBSITE_AUTH_ENABLED: 'True',
  ELB_REGISTRY_RESOURCE_ID:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/elb-sim/providers/Microsoft.ContainerRegistry/registries/elbsim',
} as const;

/**
 * The `x-ms-client-principal` header Static Web Apps sends: base64 JSON, roles in `userRoles`. `extra` adds fields
 * the platform never sends, for tests of forged principals.
 */
export function swaPrincipal(roles: string[], user = 'ana@example.com', extra: object = {}): string {
  const principal = {
    identityProvider: 'aad',
    userId: 'd75b260a64504067bfc5b2905e3b8182',
    userDetails: user,
    userRoles: ['anonymous', 'authenticated', ...roles],
    ...extra,
  };
  return Buffer.from(JSON.stringify(principal)).toString('base64');
}
