// Cancel at each step boundary with slow sim phases (pods Ready after 3 s, addresses after 2 s, every cluster API
// request 150 ms late). See cancel-cases.ts.
// Runs the compiled app (dist/), like `npm start`; build first (`npx tsc -p tsconfig.build.json`).
import { describeCancelEdges } from './cancel-cases';

describeCancelEdges('cancel at each boundary, slow sim phases', {
  sim: { readyDelayMs: 3000, lbDelayMs: 2000 },
  apiLatencyMs: 150,
  cancelToEndMs: 15_000,
});
