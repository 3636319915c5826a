// The service's API token: reveal (POST only, deployer, audited before it is answered, never cached) and the audit
// trail of reveals. The token is read from the target's Secret through the cluster read adapter, and is in no log
// line, error or record: docs/security.md#the-service-api-token.
import { DomainError } from '../core/errors';
import type { TokenReveal } from '../core/contract/token';
import { adapters } from '../services/composition';
import { httpRoute, json, targetFromRoute } from './lib/http';
import { clusterRead } from './lib/views';

httpRoute('targetTokenReveal', {
  POST: async (req, caller) => {
    const target = targetFromRoute(req.params.target);
    const token = await clusterRead(target, (kube) => kube.apiToken());
    if (token === null)
      throw new DomainError('token_not_found', `${target.name} has no API token yet: deploy the service first`, 404);
    // No audit record, no token: a reveal that could not be recorded answers 503 and reveals nothing.
    const audit = await adapters().audit.record(target.name, 'token_reveal', caller.name);
    const body: TokenReveal = { target: target.name, token, audit_id: audit.audit_id, revealed_at: audit.at };
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  },
});

httpRoute('targetTokenAudit', {
  GET: async (req) => {
    const target = targetFromRoute(req.params.target);
    return json(200, await adapters().audit.list(target.name));
  },
});
