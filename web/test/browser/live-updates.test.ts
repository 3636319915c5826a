// Deploys the page did not start, shown without a reload (issue 12), in Debian Chromium with the contract-fixture
// `/api` (not the backend): an automatic update followed with the stepper, its result within 2 s of the server
// knowing it (also with a slow summary), a broken push and its failed digest, History and Overview saying the same.
// The bound is the page's promise, measured from the moment the fixture starts answering with the change.
import { describe, expect, it } from 'vitest';
import {
  deployBrief,
  DIGEST_BROKEN,
  DIGEST_NEW,
  DIGEST_OLD,
  failedDigest,
  historyRow,
  runningStatus,
  status,
  summary,
  timeline,
} from '../fixtures.js';
import { expectAxeClean, screenshot, useDashboard } from './harness.js';
import {
  ACTIVITY,
  checkDesktopAndPhone,
  IMAGE,
  msUntilVisible,
  NOTICE_WITHIN_MS,
  shownText,
  START,
  SUMMARY,
  WAIT,
  waitForFocusIn,
  world,
} from './page-probes.js';

describe('deploys started elsewhere show without a reload (contract fixtures, Chromium)', () => {
  const { open } = useDashboard();

  it('follows an automatic update started by a push without a reload, and keeps its result until dismissed', async () => {
    const { state, api } = world({});
    const page = await open(api, '/docs');
    await page.getByText('Up to date').waitFor(WAIT);

    // A registry push starts a deploy on the server: the stepper shows within 2 s.
    const created = Date.now();
    state.statuses.set('auto-1', runningStatus('waiting_for_rollout', created));
    state.summary = {
      active: { instance_id: 'auto-1', runtime_status: 'Running', phase: 'waiting_for_rollout', reason: 'auto' },
    };
    expect(await msUntilVisible(page, 'Updating elb-openapi automatically')).toBeLessThan(NOTICE_WITHIN_MS);
    await expect(page.locator('elb-deploy-progress li[aria-current="step"]').innerText()).resolves.toContain(
      'Waiting for pods to roll out',
    );
    await screenshot(page, 'edges-auto-running');

    // It ends: its result shows within 2 s, in the words of the issue.
    const finishedAt = new Date().toISOString();
    state.statuses.set(
      'auto-1',
      status({
        instanceId: 'auto-1',
        runtime: 'Completed',
        phase: 'completed',
        timeline: timeline(null, 'done', created),
        output: { status: 'succeeded', openapi_deploy: { image: IMAGE(DIGEST_NEW), digest: DIGEST_NEW } },
        createdMs: created,
      }),
    );
    state.summary = {
      deployedDigest: DIGEST_NEW,
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({
        deploy_id: 'auto-1',
        reason: 'auto',
        requester: 'event-grid',
        finished_at: finishedAt,
      }),
    };
    const notice = /Updated automatically to 3\.4 \(sha256:222222222222\) at \d\d:\d\d UTC/;
    expect(await msUntilVisible(page, notice)).toBeLessThan(NOTICE_WITHIN_MS);
    await page.locator('elb-service-hero code', { hasText: 'sha256:222222222222' }).waitFor(WAIT);
    await checkDesktopAndPhone(page, 'edges-auto-succeeded');

    // It stays through summary re-reads and a reload, until dismissed; the dismissal survives a reload.
    await page.waitForTimeout(1_500);
    await page.reload();
    await page.getByText(notice).waitFor(WAIT);
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText(notice).waitFor({ state: 'detached', ...WAIT });
    await waitForFocusIn(page, 'elb-update-card');
    await page.reload();
    await page.getByText('Up to date').waitFor(WAIT);
    await page.waitForTimeout(1_500);
    await expect(page.getByText(notice).count()).resolves.toBe(0);
    await page.close();
  });

  it("tells a deploy's end from the change feed within 2 s even when the summary answers slowly", async () => {
    const { state, api } = world({});
    // The summary probes the cluster and the registry; here it takes 3 s to answer, the feed does not.
    api.on('GET', SUMMARY, () => ({ status: 200, body: summary(state.summary), delayMs: 3_000 }));
    const page = await open(api, '/docs');
    await page.getByText('Up to date').waitFor(WAIT);
    await page.waitForTimeout(3_500); // let the first slow summary read finish; the next one starts on the token
    state.summary = {
      deployedDigest: DIGEST_NEW,
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({ deploy_id: 'auto-fast', reason: 'auto', finished_at: new Date().toISOString() }),
    };
    const notice = /Updated automatically to 3\.4 \(sha256:222222222222\) at \d\d:\d\d UTC/;
    expect(await msUntilVisible(page, notice)).toBeLessThan(NOTICE_WITHIN_MS);
    await page.close();
  });

  it('reads the change feed every second while visible, not at all while hidden, and backs off on errors', async () => {
    const { api } = world({});
    const page = await open(api, '/docs');
    await page.getByText('Up to date').waitFor(WAIT);
    const count = () => api.count('GET', ACTIVITY);
    let before = count();
    await page.waitForTimeout(3_000);
    expect(count() - before).toBeGreaterThanOrEqual(2);
    expect(count() - before).toBeLessThanOrEqual(4);

    // Hidden: the browser says so (as a background tab does) and the page stops reading.
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (value ? 'hidden' : 'visible'),
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await page.waitForTimeout(300);
    before = count();
    await page.waitForTimeout(3_000);
    expect(count() - before).toBe(0);
    await setHidden(false);
    await page.waitForTimeout(500);
    expect(count() - before).toBeGreaterThanOrEqual(1);

    // Failing: each failure doubles the wait (1, 2, 4, 8 s …), so 6 s see at most 4 reads, not 6.
    api.on('GET', ACTIVITY, { status: 503, body: { code: 'storage_unavailable', message: 'Storage is down.' } });
    await page.waitForTimeout(1_200);
    before = count();
    await page.waitForTimeout(6_000);
    expect(count() - before).toBeLessThanOrEqual(3);
    await page.close();
  });

  it('shows a failed automatic update once, and the failed digest on the Update card as a secondary, confirmed action', async () => {
    const { state, api } = world({});
    const page = await open(api, '/docs');
    await page.getByText('Up to date').waitFor(WAIT);

    // A broken push deployed and rolled back between two reads (a 2 s deploy): no active deploy is ever seen.
    const created = Date.now() - 3_000;
    state.statuses.set(
      'auto-broken',
      status({
        instanceId: 'auto-broken',
        runtime: 'Completed',
        phase: 'rolled_back',
        timeline: [
          ...timeline('waiting_for_rollout', 'failed', created).map((entry) =>
            entry.status === 'failed' ? { ...entry, detail: 'crash_loop: crash loop' } : entry,
          ),
          {
            name: 'rolling_back',
            status: 'done',
            startedAt: null,
            endedAt: null,
            detail: `restored ${IMAGE(DIGEST_OLD)}`,
          },
        ],
        output: {
          status: 'rolled_back',
          openapi_deploy: { digest: DIGEST_BROKEN },
          previous_image: IMAGE(DIGEST_OLD),
          error: {
            code: 'crash_loop',
            message: 'crash loop',
            diagnostics: {
              likely_cause: 'The container exits right after it starts.',
              what_to_do:
                'Read the pod logs (kubectl logs deploy/elb-openapi -n <namespace> --previous), fix or rebuild the image, then deploy again.',
            },
          },
          rollback: { status: 'succeeded', image: IMAGE(DIGEST_OLD) },
          cluster_state: `restored to ${IMAGE(DIGEST_OLD)}`,
        },
        createdMs: created,
      }),
    );
    state.summary = {
      registryDigest: DIGEST_BROKEN,
      failedDigests: [failedDigest()],
      lastDeploy: deployBrief({
        deploy_id: 'auto-broken',
        reason: 'auto',
        requester: 'event-grid',
        status: 'rolled_back',
        digest: DIGEST_BROKEN,
        error: { code: 'crash_loop', message: 'crash loop' },
        cluster_state: `restored to ${IMAGE(DIGEST_OLD)}`,
      }),
    };
    const headline = 'An automatic update to sha256:960f00000000 failed and was rolled back: crash loop';
    expect(await msUntilVisible(page, headline)).toBeLessThan(NOTICE_WITHIN_MS);

    const result = page.locator('elb-deploy-result');
    await result.getByText('re-applied and verified').waitFor(WAIT);
    const text = await shownText(page, 'elb-deploy-result');
    // Each error once: the cause is in the headline and nowhere else in the result.
    expect(text.split('crash loop').length - 1).toBe(1);
    expect(text).toContain('What the cluster runs now: Restored to 127.0.0.1:5001/elb-openapi@sha256:111111111111');
    expect(text).toContain('kubectl logs deploy/elb-openapi -n elb-openapi --previous');
    expect(text).not.toContain('<namespace>');
    expect(text).toContain('Failed at: Waiting for pods to roll out');

    // The Update card names the failed digest; its button is not primary and asks first.
    const card = page.locator('elb-update-card');
    await card
      .locator('p[role="status"]')
      .getByText('sha256:960f00000000 failed on 2026-05-15 12:03 UTC: crash loop; rolled back')
      .waitFor(WAIT);
    const update = card.getByRole('button', { name: 'Update to v3.4' });
    await expect(update.getAttribute('class')).resolves.toBe('');
    await checkDesktopAndPhone(page, 'edges-failed-digest');
    await update.click();
    const dialog = card.locator('dialog');
    await dialog.getByRole('heading', { name: 'Deploy a digest that failed before?' }).waitFor(WAIT);
    await screenshot(page, 'edges-failed-digest-confirm');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(api.count('POST', START)).toBe(0);

    // Overview says the same.
    await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
    await page.getByText('Update failed before').waitFor(WAIT);
    await page.locator('elb-overview-page').getByText(headline).waitFor(WAIT);
    await page.close();
  });

  it('History shows a cancel as cancelled and refreshes when the change token moves; Overview shows the last deploy', async () => {
    const now = Date.now();
    const cancelledTimeline = timeline('waiting_for_external_ip', 'failed', now - 120_000).map((entry) =>
      entry.status === 'failed' ? { ...entry, detail: 'cancelled' } : entry,
    );
    const { state, api } = world({
      lastDeploy: deployBrief({
        deploy_id: 'd-cancel',
        status: 'cancelled',
        error: { code: 'cancelled', message: 'cancelled on request during waiting for external ip' },
        cluster_state: 'unchanged: nothing was applied',
      }),
    });
    state.history = [
      {
        ...historyRow({ id: 'd-cancel', status: 'cancelled', startMs: now - 120_000, timeline: cancelledTimeline }),
        error: { code: 'cancelled', message: 'cancelled on request during waiting for external ip' },
      },
    ];
    const page = await open(api, '/history');
    await page.getByText('Cancelled during: Waiting for LoadBalancer address').waitFor(WAIT);
    const table = await page.locator('elb-history-page table').innerText();
    expect(table).not.toContain('Failed in');
    expect(table).toContain('cancelled on request during waiting for LoadBalancer address');
    await expect(page.locator('elb-phase-chart .segment.cancelled').count()).resolves.toBe(1);
    await expect(page.locator('elb-phase-chart .segment.failed').count()).resolves.toBe(0);

    // A push deploys elsewhere: the new row shows within 2 s of the token moving.
    state.history = [
      {
        ...historyRow({
          id: 'auto-9',
          status: 'succeeded',
          startMs: now - 5_000,
          timeline: timeline(null, 'done', now - 5_000),
        }),
        reason: 'auto',
        requester: 'event-grid',
      },
      ...state.history,
    ];
    state.summary = {
      deployedDigest: DIGEST_NEW,
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({ deploy_id: 'auto-9', reason: 'auto', requester: 'event-grid' }),
    };
    expect(await msUntilVisible(page, 'automatic update (event-grid)')).toBeLessThan(NOTICE_WITHIN_MS);
    await screenshot(page, 'edges-history');
    await expectAxeClean(page);

    await page.getByRole('navigation').getByRole('link', { name: 'Overview' }).click();
    await page
      .locator('elb-overview-page')
      .getByText('Updated automatically to 3.4 (sha256:222222222222) at 2026-05-15 12:03 UTC')
      .waitFor(WAIT);
    await page.close();
  });
});
