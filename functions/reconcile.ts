// The reconcile pass (docs/policies.md "Reconcile and drift"), on a schedule and on demand: the `reconcile` timer
// trigger (ELB_RECONCILE_SCHEDULE, NCRONTAB; every 10 minutes by default) and `POST /api/reconcile` (deployer), which
// runs the same pass now and answers what it found per target. One log line per target per pass, no secrets.
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { failedFinding, parseReconcileRequest, reconcileSchedule, ReconcileFinding } from '../core/reconcile';
import { selectTarget } from '../core/targets';
import { adapters } from '../services/composition';
import { reconcileTargets } from '../services/reconcile';
import { httpRoute, json, readBody } from './lib/http';

/** The route answers by then (Static Web Apps ends a request at 45 s); targets still running finish on their own. */
export const RECONCILE_ROUTE_DEADLINE_MS = 25_000;

function logFinding(context: InvocationContext, f: ReconcileFinding, how: string): void {
  context.log(`reconcile (${how}): ${f.target}: ${f.message}`);
}

df.app.client.timer('reconcile', {
  // Read when the app loads its functions; a changed app setting restarts the app in Azure.
  schedule: reconcileSchedule(process.env),
  handler: async (_timer, client, context) => {
    await reconcileTargets(client, undefined, (f) => logFinding(context, f, 'timer'));
  },
});

httpRoute('reconcileNow', {
  POST: async (req, caller, client, context) => {
    const name = parseReconcileRequest(await readBody(req));
    const { config } = adapters();
    const targets = name === null ? config.targets : [selectTarget(config.targets, name)];
    const found = new Map<string, ReconcileFinding>();
    const at = new Date().toISOString();
    const pass = reconcileTargets(client, targets, (f) => {
      found.set(f.target, f);
      logFinding(context, f, `by ${caller.name}`);
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((ok) => {
      timer = setTimeout(ok, RECONCILE_ROUTE_DEADLINE_MS);
    });
    await Promise.race([pass.then(() => undefined), deadline]).finally(() => clearTimeout(timer));
    const findings = targets.map((t) => found.get(t.name) ?? failedFinding(t.name, at, 'still_running'));
    return json(200, { findings });
  },
});
