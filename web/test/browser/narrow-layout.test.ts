// The 390 px layout and the views for what does not exist (issue 12), in Debian Chromium with the contract-fixture
// `/api` (not the backend): no page scrolls sideways, `/nope` is a not-found view, an unknown target links to the list.
import { describe, expect, it } from 'vitest';
import { deployBrief, DIGEST_NEW, DIGEST_OLD, historyRow, openApiSpec, summary, timeline } from '../fixtures.js';
import { expectAxeClean, screenshot, useDashboard } from './harness.js';
import { IMAGE, noHorizontalOverflow, SPEC, TARGETS, WAIT, world } from './page-probes.js';

describe('narrow screens and unknown pages (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();
  const { open } = dashboard;

  it('no horizontal scroll at 390 px on /docs, Overview, History and the not-found view; unknown targets link to the list', async () => {
    const now = Date.now();
    const long = {
      ...openApiSpec,
      paths: {
        ...openApiSpec.paths,
        '/v1/databases/{database_name}/versions/{version_identifier}/shards/{shard}': {
          get: { summary: 'A very long path that must wrap on a phone instead of scrolling', tags: ['databases'] },
        },
      },
    };
    const { state, api } = world({
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({
        deploy_id: 'deploy-20260515-120200-abcdef',
        status: 'rolled_back',
        error: { code: 'image_pull_failed', message: 'The pods cannot pull the image.' },
        cluster_state: `restored to ${IMAGE(DIGEST_OLD)}`,
      }),
    });
    api.on('GET', SPEC, { body: long });
    const second = summary({ target: 'production-westeurope', registryDigest: DIGEST_NEW });
    api.on('GET', TARGETS, () => ({ status: 200, body: [summary(state.summary), second] }));
    state.history = [
      historyRow({
        id: 'deploy-20260515-120200-abcdef',
        status: 'rolled_back',
        startMs: now - 60_000,
        timeline: timeline('waiting_for_rollout', 'failed', now - 60_000),
      }),
      historyRow({
        id: 'deploy-20260515-110000-123456',
        status: 'succeeded',
        startMs: now - 3_600_000,
        timeline: timeline(null, 'done', now - 3_600_000),
      }),
    ];

    for (const width of [390, 1280]) {
      const tag = width === 390 ? '390' : 'desktop';
      const page = await open(api, '/docs', width);
      await page.getByRole('heading', { name: /^databases/ }).waitFor(WAIT);
      await noHorizontalOverflow(page);
      await screenshot(page, `edges-docs-${tag}`);

      await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
      await page.getByRole('link', { name: 'production-westeurope' }).waitFor(WAIT);
      await noHorizontalOverflow(page);
      await screenshot(page, `edges-overview-${tag}`);
      if (width === 390) await expectAxeClean(page); // the desktop layout is checked by the other tests

      await page.getByRole('navigation').getByRole('link', { name: 'History' }).click();
      await page.getByRole('heading', { name: 'Phase timings' }).waitFor(WAIT);
      await noHorizontalOverflow(page);
      await screenshot(page, `edges-history-${tag}`);
      if (width === 390) await expectAxeClean(page); // the desktop layout is checked by the other tests

      await page.goto(`${dashboard.url}/nope`);
      await page.getByRole('heading', { name: 'Page not found' }).waitFor(WAIT);
      await expect(page.title()).resolves.toBe('Page not found · elb-control');
      await expect(page.getByText('Overview', { exact: true }).count()).resolves.toBeGreaterThan(0);
      await noHorizontalOverflow(page);
      await screenshot(page, `edges-not-found-${tag}`);
      if (width === 390) await expectAxeClean(page); // the desktop layout is checked by the other tests
      await page.close();
    }

    // An unknown target: said once, with a link to the list instead of a useless "Try again".
    for (const path of ['/docs?target=nope', '/history?target=nope']) {
      const page = await open(api, path, 390);
      await page.getByText('The server has no target named "nope".').waitFor(WAIT);
      await expect(page.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(0);
      await page.getByRole('link', { name: 'See the list of targets' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor(WAIT);
      await noHorizontalOverflow(page);
      await page.close();
    }
  });
});
