// Drift and the reconcile on the pages (docs/policies.md "Reconcile and drift"), in Debian Chromium with the
// contract-fixture `/api`: /docs says "Drift: the cluster runs X, elb-control deployed Y (since …)" and what the last
// reconcile found; the Overview row says Drift with the same sentence, and "Correcting drift" while the drift deploy
// runs; both fit a 390 px phone and pass axe.
import { describe, expect, it } from 'vitest';
import { DIGEST_OLD } from '../fixtures.js';
import { useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, world } from './page-probes.js';

const LIVE = '127.0.0.1:5001/elb-openapi:3.3';
const since = new Date(Date.now() - 5 * 60_000).toISOString();
const at = new Date(Date.now() - 30_000).toISOString();
const clock = (iso: string) => `${iso.slice(11, 16)} UTC`;

const drifted = {
  drift: { detected: true, live_image: LIVE, since },
  lastReconcile: {
    target: 'local',
    at,
    skipped: null,
    update: {
      tag: '3.4',
      digest: DIGEST_OLD,
      action: 'none' as const,
      reason: 'up_to_date' as const,
      outcome: null,
      deploy_id: null,
    },
    drift: {
      state: 'detected' as const,
      live_image: LIVE,
      deployed_image: `127.0.0.1:5001/elb-openapi@${DIGEST_OLD}`,
      action: 'known' as const,
      deploy_id: null,
      error: null,
    },
    message: `3.4 (${DIGEST_OLD.slice(7, 19)}) is deployed; drift: the cluster runs ${LIVE}, elb-control deployed 127.0.0.1:5001/elb-openapi@${DIGEST_OLD} (reported before)`,
    error: null,
  },
};

describe('drift on the pages (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();

  it('/docs says what the cluster runs, what was deployed, since when, and what the last reconcile found', async () => {
    const { api } = world(drifted);
    const page = await dashboard.open(api, '/docs');
    const card = page.locator('elb-update-card');
    await card.waitFor(WAIT);
    const notice = card.locator('[data-drift]');
    await notice.waitFor(WAIT);
    const text = (await notice.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain(
      `Drift: the cluster runs ${LIVE}, elb-control deployed 127.0.0.1:5001/elb-openapi@${DIGEST_OLD.slice(0, 19)} (since ${clock(since)})`,
    );
    expect(text).toContain('changed outside elb-control');
    const reconcile = (await card.locator('[data-reconcile]').innerText()).replace(/\s+/g, ' ');
    expect(reconcile).toBe(
      `Last reconcile ${clock(at)}: 3.4 (${DIGEST_OLD.slice(7, 19)}) is deployed; drift: the cluster runs ${LIVE}, elb-control deployed 127.0.0.1:5001/elb-openapi@${DIGEST_OLD.slice(0, 19)} (reported before)`,
    );
    await checkDesktopAndPhone(page, 'drift-docs');
  });

  it('the Overview row says Drift, then Correcting drift while the drift deploy runs', async () => {
    const { state, api } = world(drifted);
    const page = await dashboard.open(api, '/');
    await expect.poll(() => shownText(page, 'elb-overview-page'), WAIT).toContain('Drift');
    const row = await shownText(page, 'elb-overview-page');
    expect(row).toContain(`Drift: the cluster runs ${LIVE}`);
    await checkDesktopAndPhone(page, 'drift-overview');

    state.summary = {
      ...drifted,
      active: {
        instance_id: 'local-drift-1',
        runtime_status: 'Running',
        phase: 'applying_manifests',
        reason: 'drift',
        stuck: false,
        cancel_requested: false,
      },
      changeToken: 'drift-running',
    };
    await page.reload();
    await expect.poll(() => shownText(page, 'elb-overview-page'), WAIT).toContain('Correcting drift');
  });
});
