// Rebuild & Deploy: the resource-style route and the older system's (`/aks/openapi/rebuild-deploy`, followed at its
// own status path). Paths and roles: core/contract/routes.ts; what it does: docs/deploy.md#rebuild--deploy.
import { deployStatus, startRebuild } from './lib/deploy-handlers';
import { httpRoute, targetFromRoute } from './lib/http';

httpRoute('targetRebuild', {
  POST: (req, caller, client) => startRebuild(req, caller, client, targetFromRoute(req.params.target).name),
});

httpRoute('rebuildStart', { POST: (req, caller, client) => startRebuild(req, caller, client, null) });

httpRoute('rebuildStatus', { GET: (req, _caller, client) => deployStatus(req.params.id, client, null) });
