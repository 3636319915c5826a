// Cancel at each step boundary with a zero-delay sim (pods Ready and addresses at once): the case where a rollout
// that is Ready immediately used to end `succeeded` despite the cancel. See cancel-cases.ts.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { describeCancelEdges } from './cancel-cases';

describeCancelEdges('cancel at each boundary, zero-delay sim', {
  sim: { readyDelayMs: 0, lbDelayMs: 0 },
  apiLatencyMs: 0,
  cancelToEndMs: 8_000,
});
