// Seed-compatible deploy routes: start, status, cancel.
import * as df from 'durable-functions';
import { cancelDeploy, deployStatus, startDeploy } from './lib/deploy-handlers';
import { guarded } from './lib/http';

df.app.client.http('deployStart', {
  route: 'aks/openapi/deploy',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: guarded('deployer', (req, caller, client) => startDeploy(req, caller, client, null)),
});

df.app.client.http('deployStatus', {
  route: 'aks/openapi/deploy/{id}/status',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: guarded('reader', (req, _caller, client) => deployStatus(req.params.id, client, null)),
});

df.app.client.http('deployCancel', {
  route: 'aks/openapi/deploy/{id}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: guarded('deployer', (req, caller, client) => cancelDeploy(req, req.params.id, caller, client, null)),
});
