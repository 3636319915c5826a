// Every HTTP function answers within the 45 s after which Static Web Apps ends a request: the table of worst cases in
// docs/decisions/0001-function-hosting-plan.md ("Time limits") must list each function the bundled app registers,
// with its route and methods, at 40 s or less, and the timeouts it is computed from must be the code's. The bounds
// themselves are exercised in adapters/request-timeout.test.ts (hung and refused peers) and the e2e dependency tests.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBE_TIMEOUT_MS } from '../adapters/dependencies';
import { SDK_RETRY_OPTIONS, SDK_TRY_TIMEOUT_MS } from '../adapters/request-timeout';
import { loadOnce, REPO_ROOT } from '../bench/package/measure';
import { SUMMARY_READ_TIMEOUT_MS } from '../functions/lib/views';

const DOC = path.join(REPO_ROOT, 'docs', 'decisions', '0001-function-hosting-plan.md');
const MAIN = path.join(REPO_ROOT, 'dist', 'app', 'main.js');
const LIMIT_SECONDS = 40; // Static Web Apps ends a request after 45 s; 5 s of margin for the platform's own hops

interface Row {
  name: string;
  methods: string[];
  route: string;
  seconds: number;
}

function tableRows(): Row[] {
  const section = fs.readFileSync(DOC, 'utf8').split('## Time limits')[1] ?? '';
  return [...section.matchAll(/^\| `(\w+)` +\| `([A-Z, ]+) ([^`]+)` +\|.*\| (\d+) s +\|$/gm)].map((m) => ({
    name: m[1]!,
    methods: m[2]!.split(',').map((s) => s.trim()),
    route: m[3]!,
    seconds: Number(m[4]),
  }));
}

describe('route time limits (docs/decisions/0001 "Time limits")', () => {
  it('lists every HTTP function of the bundled app with its route and methods, each within 40 s', async () => {
    expect(fs.existsSync(MAIN), 'build first: npm run build (writes dist/app)').toBe(true);
    const { http } = await loadOnce([MAIN]);
    expect(http.length).toBeGreaterThan(10);
    const rows = tableRows();
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const fn of http) {
      const row = byName.get(fn.name);
      expect(row, `${fn.name} has a row`).toBeDefined();
      expect(row!.route, fn.name).toBe(fn.route);
      expect([...row!.methods].sort(), fn.name).toEqual([...fn.methods].sort());
      expect(row!.seconds, fn.name).toBeLessThanOrEqual(LIMIT_SECONDS);
    }
    // Nothing listed that the app does not register.
    expect(rows.map((r) => r.name).sort()).toEqual(http.map((f) => f.name).sort());
  }, 30_000);

  it('is computed from the timeouts the code uses', () => {
    const text = fs.readFileSync(DOC, 'utf8');
    expect(SDK_TRY_TIMEOUT_MS).toBe(5000);
    expect(text).toContain('cut after 5 s\nper try');
    expect([SDK_RETRY_OPTIONS.retryDelayInMs, SDK_RETRY_OPTIONS.maxRetries]).toEqual([500, 2]);
    expect(PROBE_TIMEOUT_MS).toBe(2000);
    expect(SUMMARY_READ_TIMEOUT_MS).toBe(4000);
  });
});
