// Start cluster: the target's stopped AKS cluster is started, then the target converges to its desired image. Path
// and role: core/contract/routes.ts; what it does: docs/deploy.md#start-cluster.
import { startCluster } from './lib/deploy-handlers';
import { httpRoute, targetFromRoute } from './lib/http';

httpRoute('targetClusterStart', {
  POST: (req, caller, client) => startCluster(req, caller, client, targetFromRoute(req.params.target).name),
});
