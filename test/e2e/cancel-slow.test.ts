// Cancel at each step boundary with slow sim phases (pods Ready after 2 s, addresses after 1.5 s, every cluster
// API request 100 ms late). See cancel-cases.ts.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { describeCancelEdges } from './cancel-cases';

describeCancelEdges('cancel at each boundary, slow sim phases', {
  sim: { readyDelayMs: 2000, lbDelayMs: 1500 },
  apiLatencyMs: 100,
  cancelToEndMs: 15_000,
});
