// The service's API token: reveal (POST only, deployer, audited before it is answered, never cached), rotation (a
// Durable operation under the deploy lease: orchestrations/rotate-token.orchestrator.ts) and the audit trail. The token is read from the target's Secret through the cluster read adapter, and is in no log
// line, error or record: docs/security.md#the-service-api-token.
import { DomainError } from '../core/errors';
import type { TokenReveal } from '../core/contract/token';
import { adapters, deployLeases } from '../services/composition';
import { httpRoute, json, readBody, targetFromRoute } from './lib/http';
import { preflight, startAnswer } from './lib/deploy-handlers';
import { parseTokenRotateRequest } from '../core/requests';
import { clusterRead } from './lib/views';

httpRoute('targetTokenReveal', {
  POST: async (req, caller) => {
    const target = targetFromRoute(req.params.target);
    // Nothing to send, as for a rotation: anything else is refused before the token is read.
    parseTokenRotateRequest(await readBody(req));
    const token = await clusterRead(target, (kube) => kube.apiToken());
    if (token === null)
      throw new DomainError('token_not_found', `${target.name} has no API token yet: deploy the service first`, 404);
    // No audit record, no token: a reveal that could not be recorded answers 503 and reveals nothing.
    const audit = await adapters().audit.record(target.name, 'token_reveal', caller.name);
    const body: TokenReveal = { target: target.name, token, audit_id: audit.audit_id, revealed_at: audit.at };
    return json(200, body, { 'cache-control': 'no-store', pragma: 'no-cache' });
  },
});

httpRoute('targetTokenRotate', {
  POST: async (req, caller, client) => {
    const target = targetFromRoute(req.params.target);
    parseTokenRotateRequest(await readBody(req));
    const { config, targets } = adapters();
    await preflight(config, target);
    const { state } = await targets.get(target.name);
    if (!state.deployedManifest)
      throw new DomainError('not_deployed', `${target.name} has no deployed service: deploy it first`, 409);
    // The audit record is written by the rotation itself, just before it changes the token (rotate-token.ts).
    const outcome = await deployLeases(client).start({
      target,
      reason: 'rotate_token',
      tag: null,
      digest: null,
      requester: caller.name,
    });
    return startAnswer(target, 'rotate_token', outcome);
  },
});

httpRoute('targetTokenAudit', {
  GET: async (req) => {
    const target = targetFromRoute(req.params.target);
    return json(200, await adapters().audit.list(target.name));
  },
});
