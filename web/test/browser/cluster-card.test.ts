// The "Cluster stopped" card on /docs (issue 16), in Debian Chromium with the contract-fixture `/api`: a stopped
// cluster replaces the Deploy/Update, token and endpoint cards with one card (no "unavailable" banner for it), Start
// cluster is confirmed from the keyboard, followed in the stepper from the starting_cluster phase to the result, and
// the page returns to the service once the cluster runs; a reader's refusal says the role; the Overview row says it.
import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/api/types.js';
import { accepted, deployBrief, status, timeline } from '../fixtures.js';
import { expectAxeClean, useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, waitForFocusIn, world } from './page-probes.js';

const START_CLUSTER = /^\/api\/targets\/local\/cluster\/start$/;
const STOPPED = { power_state: 'Stopped', provisioning_state: 'Succeeded', error: null };
const RUNNING = { power_state: 'Running', provisioning_state: 'Succeeded', error: null };
const stoppedProblem = {
  part: 'cluster' as const,
  code: 'cluster_stopped' as const,
  message: 'the AKS cluster of local is stopped; Start cluster starts it and then deploys the service again',
  hint: null,
};
/** As the server answers while the cluster is stopped: the service per its record, the cluster's API refused. */
const stoppedSummary = {
  cluster: STOPPED,
  dependencies: [stoppedProblem],
  serviceError: { error: 'connect ECONNREFUSED 127.0.0.1:6443', error_code: 'cluster_unavailable' },
};

/** A start_cluster operation's timeline: starting_cluster first, then the deploy's phases. */
function startTimeline(current: 'starting_cluster' | null, startMs: number): TimelineEntry[] {
  const at = (s: number) => new Date(startMs + s * 1000).toISOString();
  const start: TimelineEntry =
    current === 'starting_cluster'
      ? {
          name: 'starting_cluster',
          status: 'running',
          startedAt: at(0),
          endedAt: null,
          detail: 'power Stopped, provisioning Starting',
        }
      : {
          name: 'starting_cluster',
          status: 'done',
          startedAt: at(0),
          endedAt: at(40),
          detail: 'the cluster runs and its API answers',
        };
  const deploy =
    current === 'starting_cluster'
      ? timeline('resolving_image', 'running', startMs).map((e) => ({
          ...e,
          status: 'pending' as const,
          startedAt: null,
          endedAt: null,
          detail: '',
        }))
      : timeline(null, 'done', startMs + 40_000);
  return [start, ...deploy];
}

describe('Cluster stopped card (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();
  const open = dashboard.open;

  it('says the cluster is stopped, Start cluster from the keyboard, the stepper, then the service again', async () => {
    const { state, api } = world(stoppedSummary);
    const created = Date.now() - 3_000;
    api.on('POST', START_CLUSTER, () => {
      state.summary = {
        cluster: { power_state: 'Running', provisioning_state: 'Starting', error: null },
        serviceError: stoppedSummary.serviceError,
        active: {
          instance_id: 'start-1',
          runtime_status: 'Running',
          phase: 'starting_cluster',
          reason: 'start_cluster',
        },
      };
      state.statuses.set(
        'start-1',
        status({
          instanceId: 'start-1',
          runtime: 'Running',
          phase: 'starting_cluster',
          reason: 'start_cluster',
          timeline: startTimeline('starting_cluster', created),
          createdMs: created,
        }),
      );
      return { status: 202, body: { ...accepted('start-1'), reason: 'start_cluster' } };
    });
    const page = await open(api, '/docs');
    const card = page.locator('elb-cluster-card');
    await card.getByRole('heading', { name: 'Cluster stopped' }).waitFor(WAIT);
    const whole = await shownText(page, 'elb-docs-page');
    expect(whole).toContain('The AKS cluster of local is stopped.');
    expect(whole).toContain('The cluster is stopped, so the service does not answer until it runs.');
    // Said once, by the card: no "unavailable" banner, no offer the cluster cannot take.
    expect(whole).not.toMatch(/is unavailable|Update to v|Deploy v|Rotate token|Endpoints/);
    expect(await page.locator('elb-update-card, elb-deploy-card, elb-token-card').count()).toBe(0);
    await checkDesktopAndPhone(page, 'cluster-stopped');

    const button = card.getByRole('button', { name: 'Start cluster' });
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = card.locator('dialog');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await card.getByText('A start cannot be undone').waitFor(WAIT);
    // The safe choice has focus: Escape closes without starting anything.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(api.count('POST', START_CLUSTER)).toBe(0);

    await button.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Starting the cluster, then deploying elb-openapi' }).waitFor(WAIT);
    expect(api.requests.filter((r) => START_CLUSTER.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/cluster/start', body: {} },
    ]);
    await waitForFocusIn(page, 'elb-deploy-progress');
    const progress = await shownText(page, 'elb-deploy-progress');
    expect(progress).toContain('Starting the cluster');
    expect(progress).toContain('power Stopped, provisioning Starting');
    expect(progress).not.toContain('starting_cluster');
    await checkDesktopAndPhone(page, 'cluster-starting');
    // Cancelling says what it cannot undo.
    const progressCard = page.locator('elb-deploy-progress');
    await progressCard.getByRole('button', { name: 'Cancel deploy' }).click();
    await progressCard.getByText('cannot be undone: the cluster keeps starting').waitFor(WAIT);
    await page.keyboard.press('Escape');
    await progressCard.locator('dialog').waitFor({ state: 'hidden', ...WAIT });

    state.statuses.set(
      'start-1',
      status({
        instanceId: 'start-1',
        runtime: 'Completed',
        phase: 'completed',
        reason: 'start_cluster',
        timeline: startTimeline(null, created),
        output: { status: 'succeeded', deploy_id: 'start-1', reason: 'start_cluster' },
        createdMs: created,
      }),
    );
    state.summary = {
      cluster: RUNNING,
      lastDeploy: deployBrief({ deploy_id: 'start-1', reason: 'start_cluster', status: 'succeeded' }),
    };
    const result = page.locator('elb-deploy-result');
    await result.waitFor(WAIT);
    await expect.poll(() => shownText(page, 'elb-deploy-result'), WAIT).toContain('Cluster start succeeded');
    expect(await shownText(page, 'elb-deploy-result')).toContain('cluster start by');
    await page.locator('elb-update-card').waitFor(WAIT);
    expect(await page.locator('elb-cluster-card').count()).toBe(0);
    await checkDesktopAndPhone(page, 'cluster-started');
    await expectAxeClean(page);
  });

  it('a reader is told the role; another refusal shows its code; a stopping cluster offers no start yet', async () => {
    const { state, api } = world(stoppedSummary);
    api.on('POST', START_CLUSTER, { status: 403, body: { code: 'forbidden', message: 'role deployer required' } });
    const page = await open(api, '/docs');
    const card = page.locator('elb-cluster-card');
    await card.getByRole('button', { name: 'Start cluster' }).click();
    await card.locator('dialog').getByRole('button', { name: 'Start cluster' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.innerText()).toContain('Starting the cluster needs the deployer role.');

    api.on('POST', START_CLUSTER, {
      status: 409,
      body: { code: 'cluster_not_stopped', message: 'the AKS cluster of local is not stopped (power Running)' },
    });
    await card.getByRole('button', { name: 'Start cluster' }).click();
    await card.locator('dialog').getByRole('button', { name: 'Start cluster' }).click();
    await expect.poll(() => alert.innerText(), WAIT).toContain('cluster_not_stopped');
    await checkDesktopAndPhone(page, 'cluster-start-refused');

    state.summary = {
      ...stoppedSummary,
      cluster: { power_state: 'Running', provisioning_state: 'Stopping', error: null },
    };
    await page.reload();
    await card.getByText('is stopping').waitFor(WAIT);
    await expect(card.getByRole('button', { name: 'Start cluster' }).isDisabled()).resolves.toBe(true);
  });

  it('the Overview row says the cluster is stopped', async () => {
    const { api } = world(stoppedSummary);
    const page = await open(api, '/');
    await page.getByText('Cluster stopped').first().waitFor(WAIT);
    const text = await shownText(page, 'elb-overview-page');
    expect(text).toContain('Start cluster on the API page');
    expect(text).not.toContain('Cannot reach the cluster');
    await checkDesktopAndPhone(page, 'overview-cluster-stopped');
  });
});
