// The dashboard in a real browser (Debian Chromium via playwright-core). `/api` is answered by a contract
// fixture (FixtureApi: responses shaped like docs/contracts.md), not by the backend: these tests pin how the
// page renders and drives each state. The full-stack test that clicks Deploy against the real stack is test/e2e/.
import { describe, expect, it } from 'vitest';
import {
  accepted,
  activeDeploy,
  DIGEST_NEW,
  historyRow,
  openApiSpec,
  rolledBackStatus,
  rolledBackTimeline,
  runningStatus,
  status,
  summary,
  timeline,
} from '../fixtures.js';
import { expectAxeClean, FixtureApi, screenshot, useDashboard } from './harness.js';

const WAIT = { timeout: 30_000 };

const SUMMARY = /^\/api\/targets\/local\/openapi$/;
const TARGETS = /^\/api\/targets$/;
const STATUS = /^\/api\/targets\/local\/openapi\/deployments\/deploy-local-1$/;
const START = /^\/api\/targets\/local\/openapi\/deployments$/;
const CANCEL = /^\/api\/targets\/local\/openapi\/deployments\/deploy-local-1\/cancel$/;
const SPEC = /^\/api\/targets\/local\/openapi\/spec$/;

describe('dashboard in Chromium (contract fixtures)', () => {
  const { open } = useDashboard();

  it('installs: Deploy card, live progress with phase stepper, then the running service with endpoints', async () => {
    const created = Date.now();
    let current: unknown = summary({ installed: false, registryDigest: DIGEST_NEW });
    const api = new FixtureApi()
      .on('GET', TARGETS, () => ({ status: 200, body: [current] }))
      .on('GET', SUMMARY, () => ({ status: 200, body: current }))
      .on('GET', SPEC, { body: openApiSpec });
    api.on('POST', START, () => {
      current = summary({ installed: false, active: activeDeploy('applying_manifests', 'Running', 'install') });
      return {
        status: 202,
        body: accepted('deploy-local-1', 'install'),
      };
    });
    let statusBody: unknown = runningStatus('applying_manifests', created);
    api.on('GET', STATUS, () => ({ status: 200, body: statusBody }));

    const page = await open(api, '/docs');
    const deploy = page.getByRole('button', { name: 'Deploy elb-openapi' });
    await deploy.waitFor(WAIT);
    await expect(page.getByRole('heading', { name: 'Update OpenAPI service' }).count()).resolves.toBe(0);
    await screenshot(page, 'docs-not-installed');
    await expectAxeClean(page);

    await deploy.click();
    await page.getByRole('heading', { name: 'Installing elb-openapi' }).waitFor(WAIT);
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ tag: '3.4', reason: 'install' });
    const running = page.locator('elb-deploy-progress li[aria-current="step"]');
    await expect(running.innerText()).resolves.toContain('Applying manifests');
    await expect(page.locator('elb-deploy-progress [role="status"]').first().innerText()).resolves.toContain(
      'Applying manifests',
    );
    await screenshot(page, 'docs-installing');
    await expectAxeClean(page);

    statusBody = status({
      runtime: 'Completed',
      phase: 'completed',
      timeline: timeline(null, 'done', created),
      output: {
        status: 'succeeded',
        openapi_deploy: {
          status: 'deployed',
          image: `127.0.0.1:5001/elb-openapi@${DIGEST_NEW}`,
          external_ip: '127.0.0.2',
          apply_output: '',
        },
      },
      createdMs: created,
    });
    current = summary({ deployedDigest: DIGEST_NEW, registryDigest: DIGEST_NEW });
    await page.getByRole('heading', { name: 'Update OpenAPI service' }).waitFor(WAIT);
    await page.getByText('Deploy succeeded').waitFor(WAIT);
    await page.getByRole('heading', { name: /^jobs/ }).waitFor(WAIT);
    await expect(page.locator('#base-url').innerText()).resolves.toBe('http://127.0.0.2:8080');
    await expect(page.getByRole('link', { name: /Open Swagger UI/ }).getAttribute('href')).resolves.toBe(
      'http://127.0.0.2:8080/docs',
    );
    await expect(page.getByText('Up to date').count()).resolves.toBeGreaterThan(0);

    await page.getByLabel('Filter endpoints').fill('delete');
    await page.getByText('1 of 7 endpoints shown').waitFor(WAIT);
    await screenshot(page, 'docs-installed');
    await expectAxeClean(page);
    await page.close();
  });

  it('updates: primary Update button when the registry digest differs, confirmed from the keyboard', async () => {
    const current = summary({ registryDigest: DIGEST_NEW, tags: ['3.3', '3.4', '3.5'] });
    const api = new FixtureApi()
      .on('GET', TARGETS, { body: [current] })
      .on('GET', SUMMARY, { body: current })
      .on('GET', SPEC, { body: openApiSpec })
      .on('POST', START, {
        status: 202,
        body: accepted('deploy-local-1'),
      })
      .on('GET', STATUS, { body: status({ runtime: 'Pending', phase: 'queued', createdMs: Date.now() }) });
    const page = await open(api, '/docs');
    const update = page.locator('elb-update-card').getByRole('button', { name: 'Update to v3.4' });
    await update.waitFor(WAIT);
    await expect(update.getAttribute('class')).resolves.toBe('primary');
    await page.getByText('Update available').waitFor(WAIT);
    await page.getByText('Newer tags in the registry').waitFor(WAIT);
    await expect(page.locator('elb-update-card .badge.accent').innerText()).resolves.toBe('v3.4');
    await screenshot(page, 'docs-update-available');
    await expectAxeClean(page);

    // Escape dismisses the confirmation without deploying.
    await update.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('elb-update-card dialog');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await screenshot(page, 'docs-update-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(api.count('POST', START)).toBe(0);

    // The safe choice has focus; Tab moves to the confirm button, Enter deploys.
    await update.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Updating elb-openapi' }).waitFor(WAIT);
    expect(api.requests.find((r) => r.method === 'POST')?.body).toEqual({ tag: '3.4', reason: 'update' });
    await page.close();
  });

  it('recovers a running deploy from the server after a reload and shows the rollback with diagnostics', async () => {
    const created = Date.now() - 30_000;
    let current: unknown = summary({ registryDigest: DIGEST_NEW, active: activeDeploy('waiting_for_rollout') });
    let statusBody: unknown = runningStatus('waiting_for_rollout', created);
    const api = new FixtureApi()
      .on('GET', TARGETS, () => ({ status: 200, body: [current] }))
      .on('GET', SUMMARY, () => ({ status: 200, body: current }))
      .on('GET', SPEC, { body: openApiSpec })
      .on('GET', STATUS, () => ({ status: 200, body: statusBody }));
    const page = await open(api, '/docs');
    await page.getByRole('heading', { name: 'Updating elb-openapi' }).waitFor(WAIT);
    expect(api.count('POST', START)).toBe(0);
    await expect(page.locator('elb-deploy-progress li[aria-current="step"]').innerText()).resolves.toContain(
      'Waiting for pods to roll out',
    );

    statusBody = rolledBackStatus(created);
    current = summary({ registryDigest: DIGEST_NEW });
    const alert = page.locator('elb-deploy-result [role="alert"]');
    await alert.waitFor(WAIT);
    await expect(alert.innerText()).resolves.toContain('Deploy failed and was rolled back');
    await expect(alert.innerText()).resolves.toContain('image_pull_failed');
    await page.getByText('Likely cause').waitFor(WAIT);
    await page.getByText('re-applied and verified').waitFor(WAIT);
    await page.getByText('ImagePullBackOff').first().waitFor(WAIT);
    await screenshot(page, 'docs-rolled-back');
    await expectAxeClean(page);

    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.locator('elb-deploy-result [role="alert"]').waitFor({ state: 'detached', ...WAIT });
    await page.close();
  });

  it('warns when a deploy stays Pending too long and cancels it after confirmation', async () => {
    const created = Date.now() - 5 * 60_000;
    let cancelRequested = false;
    const current = summary({ installed: false, active: activeDeploy('queued', 'Pending', 'install') });
    const api = new FixtureApi()
      .on('GET', TARGETS, { body: [current] })
      .on('GET', SUMMARY, { body: current })
      .on('GET', STATUS, () => ({
        status: 200,
        body: status({ runtime: 'Pending', phase: 'queued', createdMs: created, cancelRequested }),
      }))
      .on('POST', CANCEL, () => {
        cancelRequested = true;
        return { status: 202, body: { instance_id: 'deploy-local-1', cancel_requested: true } };
      });
    const page = await open(api, '/docs');
    const warning = page.getByText(/queued for 5 min/);
    await warning.waitFor(WAIT);
    await screenshot(page, 'docs-pending-too-long');
    await expectAxeClean(page);

    await page.getByRole('button', { name: 'Cancel deploy' }).click();
    const dialog = page.locator('elb-deploy-progress dialog');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await screenshot(page, 'docs-cancel-confirm');
    expect(api.count('POST', CANCEL)).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel deploy' }).click();
    await page.getByText('The deploy stops at its next step').waitFor(WAIT);
    expect(api.count('POST', CANCEL)).toBe(1);
    await expect(
      page.locator('elb-deploy-progress > * button.danger, elb-deploy-progress button.danger').first().isDisabled(),
    ).resolves.toBe(true);
    await page.close();
  });

  it('keeps following a deploy through transient status errors', async () => {
    const created = Date.now() - 10_000;
    const current = summary({ installed: false, active: activeDeploy('applying_manifests', 'Running', 'install') });
    let reads = 0;
    const api = new FixtureApi()
      .on('GET', TARGETS, { body: [current] })
      .on('GET', SUMMARY, { body: current })
      .on('GET', STATUS, () => {
        reads++;
        if (reads <= 2) return { status: 503, body: { code: 'storage_unavailable', message: 'Storage is busy.' } };
        return { status: 200, body: runningStatus('waiting_for_rollout', created) };
      });
    const page = await open(api, '/docs');
    await page.getByText(/Lost contact with the deploy status/).waitFor(WAIT);
    await expect(page.getByRole('heading', { name: 'Installing elb-openapi' }).count()).resolves.toBe(1);
    await screenshot(page, 'docs-status-trouble');
    await page.getByText(/Lost contact/).waitFor({ state: 'detached', timeout: 45_000 });
    await expect(page.locator('elb-deploy-progress li[aria-current="step"]').innerText()).resolves.toContain(
      'Waiting for pods to roll out',
    );
    await page.close();
  });

  it('shows an alert when the API cannot be reached', async () => {
    const api = new FixtureApi().on('GET', TARGETS, {
      status: 502,
      body: { code: 'upstream_unavailable', message: 'The Functions host is not answering.' },
    });
    const page = await open(api, '/docs');
    const alert = page.getByRole('alert');
    await alert.waitFor(WAIT);
    await expect(alert.innerText()).resolves.toContain('The Functions host is not answering.');
    await expectAxeClean(page);
    await page.close();
  });

  it('Overview lists the targets and History charts phase timings; navigation stays in the app', async () => {
    const now = Date.now();
    const local = summary({ registryDigest: DIGEST_NEW });
    const prod = {
      ...summary({
        target: 'prod',
        active: { instance_id: 'p1', runtime_status: 'Running', phase: 'waiting_for_external_ip', reason: 'auto' },
      }),
      kind: 'aks',
    };
    // History rows as the server stores them: records with their timeline, and one older record that has only
    // per-phase seconds.
    const api = new FixtureApi().on('GET', TARGETS, { body: [local, prod] }).on('GET', START, {
      body: [
        historyRow({
          id: 'd3',
          status: 'rolled_back',
          startMs: now - 60_000,
          timeline: rolledBackTimeline(now - 60_000),
        }),
        historyRow({
          id: 'd2',
          status: 'succeeded',
          startMs: now - 3_600_000,
          approval: {
            decision: 'approve',
            by: 'dana@example.com',
            at: new Date(now - 3_600_000).toISOString(),
            comment: 'canary is fine',
          },
          phaseSeconds: {
            resolving_image: 0.3,
            applying_manifests: 1.9,
            waiting_for_rollout: 12,
            waiting_for_external_ip: 4,
            verifying_service: 1.2,
          },
        }),
        historyRow({
          id: 'd1',
          status: 'failed',
          startMs: now - 7_200_000,
          timeline: timeline('resolving_image', 'failed', now - 7_200_000),
        }),
      ],
    });
    const page = await open(api, '/');
    await page.getByRole('heading', { name: 'Overview' }).waitFor(WAIT);
    await page.getByText('Update available').waitFor(WAIT);
    await page.getByText('Waiting for LoadBalancer address').waitFor(WAIT);
    await screenshot(page, 'overview');
    await expectAxeClean(page);

    await page.getByRole('navigation').getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'Phase timings' }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/history');
    await expect(page.locator('elb-phase-chart .track').count()).resolves.toBe(3);
    await expect(page.locator('elb-history-page tbody tr').count()).resolves.toBe(3);
    await page.getByText('rolled back').first().waitFor(WAIT);
    // The failed phase of each record with a timeline is marked in the chart, named in the table and the legend.
    const failed = page.locator('elb-phase-chart .segment.failed');
    await expect(failed.count()).resolves.toBe(2);
    await expect(failed.first().getAttribute('title')).resolves.toBe('Waiting for pods to roll out 7 s (failed)');
    await expect(page.locator('elb-phase-chart .track').first().getAttribute('aria-label')).resolves.toContain(
      'Waiting for pods to roll out 7 s (failed)',
    );
    await page.getByText('Failed in: Waiting for pods to roll out').waitFor(WAIT);
    await page.getByText('Failed in: Resolving image digest').waitFor(WAIT);
    await page.locator('elb-phase-chart .legend').getByText('Failed phase').waitFor(WAIT);
    // An update that waited for approval says who approved it, and why.
    await page.getByText('approved by dana@example.com: canary is fine').waitFor(WAIT);
    await screenshot(page, 'history');
    await expectAxeClean(page);
    await page.close();
  });
});
