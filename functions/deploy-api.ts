// Seed-compatible deploy routes: start, status, cancel.
// Paths and roles: core/contract/routes.ts.
import { cancelDeploy, deployStatus, startDeploy } from './lib/deploy-handlers';
import { httpRoute } from './lib/http';

httpRoute('deployStart', { POST: (req, caller, client) => startDeploy(req, caller, client, null) });

httpRoute('deployStatus', { GET: (req, _caller, client) => deployStatus(req.params.id, client, null) });

httpRoute('deployCancel', {
  POST: (req, caller, client) => cancelDeploy(req, req.params.id, caller, client, null),
});
