// Rebuild & Deploy on /docs (issue 16), in Debian Chromium with the contract-fixture `/api`: offered only when the
// server says it can build, confirmed from the keyboard, then the stepper's building_image phase with the run id,
// then the deploy of what was built and the result; a refusal is said on the Update card with its code.
import { describe, expect, it } from 'vitest';
import { accepted, deployBrief, DIGEST_NEW, DIGEST_OLD, status, timeline } from '../fixtures.js';
import { expectAxeClean, useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, waitForFocusIn, world } from './page-probes.js';

const REBUILD = /^\/api\/targets\/local\/openapi\/rebuild$/;
const offered = { image: 'elb-openapi:3.4' };

describe('Rebuild & Deploy (contract fixtures, Chromium)', () => {
  const { open } = useDashboard();

  it('is not offered when the server cannot build', async () => {
    const { api } = world({ deployedDigest: DIGEST_OLD, registryDigest: DIGEST_NEW });
    const page = await open(api, '/docs');
    await page.locator('elb-update-card').getByRole('button', { name: 'Update to v3.4' }).waitFor(WAIT);
    await expect(page.getByRole('button', { name: 'Rebuild & Deploy v3.4' }).count()).resolves.toBe(0);
  });

  it('builds (run id in the stepper), then deploys what it built; keyboard only', async () => {
    const { state, api } = world({ deployedDigest: DIGEST_OLD, registryDigest: DIGEST_OLD, rebuild: offered });
    const created = Date.now() - 4_000;
    const at = (s: number) => new Date(created + s * 1000).toISOString();
    const building = [
      {
        name: 'building_image' as const,
        status: 'running' as const,
        startedAt: at(0),
        endedAt: null as string | null,
        detail: 'run ca7 Running',
      },
      ...timeline('resolving_image', 'running', created).map((e) => ({
        ...e,
        status: 'pending' as const,
        startedAt: null,
        endedAt: null,
        detail: '',
      })),
    ];
    api.on('POST', REBUILD, () => {
      state.summary = {
        deployedDigest: DIGEST_OLD,
        registryDigest: DIGEST_OLD,
        rebuild: offered,
        active: { instance_id: 'rb-1', runtime_status: 'Running', phase: 'building_image', reason: 'rebuild' },
      };
      state.statuses.set(
        'rb-1',
        status({
          instanceId: 'rb-1',
          runtime: 'Running',
          phase: 'building_image',
          reason: 'rebuild',
          timeline: building,
          createdMs: created,
        }),
      );
      return { status: 202, body: accepted('rb-1', 'rebuild') };
    });
    const page = await open(api, '/docs');
    const button = page.locator('elb-update-card').getByRole('button', { name: 'Rebuild & Deploy v3.4' });
    await button.waitFor(WAIT);
    await button.focus();
    await page.keyboard.press('Enter');
    await page.locator('elb-update-card').getByText('ACR Tasks builds').waitFor(WAIT);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rebuilding and deploying elb-openapi' }).waitFor(WAIT);
    expect(api.requests.filter((r) => REBUILD.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/openapi/rebuild', body: {} },
    ]);
    await waitForFocusIn(page, 'elb-deploy-progress');
    const progress = await shownText(page, 'elb-deploy-progress');
    expect(progress).toContain('Building the image with ACR Tasks');
    expect(progress).toContain('run ca7 Running');
    expect(progress).not.toMatch(/building_image|· rebuild ·/);
    expect(progress).toContain('rebuild and deploy');
    await checkDesktopAndPhone(page, 'rebuild-building');

    state.statuses.set(
      'rb-1',
      status({
        instanceId: 'rb-1',
        runtime: 'Completed',
        phase: 'completed',
        reason: 'rebuild',
        timeline: [
          { ...building[0]!, status: 'done' as const, endedAt: at(3), detail: 'run ca7 built sha256:222222222222' },
          ...timeline(null, 'done', created),
        ],
        output: {
          status: 'succeeded',
          deploy_id: 'rb-1',
          reason: 'rebuild',
          build: { run_id: 'ca7', status: 'Succeeded', digest: DIGEST_NEW },
        },
        createdMs: created,
      }),
    );
    state.summary = {
      deployedDigest: DIGEST_NEW,
      registryDigest: DIGEST_NEW,
      rebuild: offered,
      lastDeploy: deployBrief({ deploy_id: 'rb-1', reason: 'rebuild' }),
    };
    const result = page.locator('elb-deploy-result');
    await result.getByText('Rebuild & Deploy succeeded').waitFor(WAIT);
    expect(await shownText(page, 'elb-deploy-result')).toContain('rebuild and deploy by');
    await checkDesktopAndPhone(page, 'rebuild-done');
    await expectAxeClean(page);
  });

  it('a refusal is said on the Update card with its code', async () => {
    const { api } = world({ deployedDigest: DIGEST_OLD, registryDigest: DIGEST_OLD, rebuild: offered });
    api.on('POST', REBUILD, {
      status: 409,
      body: { code: 'build_not_configured', message: 'Rebuild & Deploy needs ELB_BUILD_SOURCE_URL' },
    });
    const page = await open(api, '/docs');
    const card = page.locator('elb-update-card');
    await card.getByRole('button', { name: 'Rebuild & Deploy v3.4' }).click();
    await card
      .locator('elb-confirm-button')
      .nth(1)
      .locator('dialog')
      .getByRole('button', { name: 'Rebuild & Deploy v3.4' })
      .click();
    await card.getByText('build_not_configured').waitFor(WAIT);
  });
});
