// What the user does and sees at the edges (issue 12), in Debian Chromium with the contract-fixture `/api` (not the
// backend): parts that are down, cancel, and focus after each action from the keyboard.
import { describe, expect, it } from 'vitest';
import {
  accepted,
  cancelledStatus,
  deployBrief,
  DIGEST_NEW,
  DIGEST_OLD,
  runningStatus,
  status,
  timeline,
} from '../fixtures.js';
import { expectAxeClean, screenshot, useDashboard } from './harness.js';
import { CANCEL, checkDesktopAndPhone, IMAGE, shownText, START, WAIT, waitForFocusIn, world } from './page-probes.js';

describe('actions and parts that are down (contract fixtures, Chromium)', () => {
  const { open } = useDashboard();

  it('shows each part that is down as a banner, disables Deploy/Update with that reason, and a refused start once', async () => {
    const execDown = {
      part: 'exec' as const,
      code: 'exec_unavailable' as const,
      message: 'The exec server does not answer at 127.0.0.1:8001.',
      hint: 'scripts/dev/local-run.sh terminal-exec',
    };
    const { state, api } = world({ registryDigest: DIGEST_NEW, dependencies: [execDown] });
    const page = await open(api, '/docs');
    const banner = page.locator('elb-dependency-banners [role="alert"]');
    await banner.waitFor(WAIT);
    await expect(banner.innerText()).resolves.toContain(
      'The exec server is unavailable: The exec server does not answer at 127.0.0.1:8001.',
    );
    await expect(banner.innerText()).resolves.toContain('scripts/dev/local-run.sh terminal-exec');
    const update = page.locator('elb-update-card').getByRole('button', { name: 'Update to v3.4' });
    await expect(update.isDisabled()).resolves.toBe(true);
    await page
      .locator('elb-update-card .blocked')
      .getByText('Deploying is unavailable until the exec server answers')
      .waitFor(WAIT);
    await expect(update.getAttribute('aria-describedby')).resolves.toBe('description');
    await checkDesktopAndPhone(page, 'edges-dependency-exec');

    // The part comes back: the button is offered again. Then a start is refused with 503 all the same.
    state.summary = { registryDigest: DIGEST_NEW };
    await page.locator('elb-dependency-banners [role="alert"]').waitFor({ state: 'detached', timeout: 20_000 });
    await expect(update.isDisabled()).resolves.toBe(false);
    api.on('POST', START, () => {
      state.summary = { registryDigest: DIGEST_NEW, dependencies: [execDown] };
      return {
        status: 503,
        body: { code: 'exec_unavailable', message: execDown.message, part: 'exec', hint: execDown.hint },
      };
    });
    await update.click();
    await page.locator('elb-update-card dialog').getByRole('button', { name: 'Update to v3.4' }).click();
    await banner.waitFor(WAIT);
    await page.waitForTimeout(500);
    const whole = await shownText(page, 'elb-docs-page');
    expect(whole.split('exec_unavailable').length - 1).toBe(1);
    expect(whole).not.toContain('Could not start');
    await waitForFocusIn(page, 'elb-dependency-banners');
    await page.close();

    // The cluster cannot be reached: the hero says so, never "no external address yet", and Deploy is not offered.
    const cluster = world({
      installed: false,
      serviceError: { error: 'the cluster API at 127.0.0.1:6443 does not answer', error_code: 'cluster_unavailable' },
      dependencies: [
        {
          part: 'cluster',
          code: 'cluster_unavailable',
          message: 'The cluster API at 127.0.0.1:6443 does not answer.',
          hint: 'scripts/dev/local-run.sh sim',
        },
      ],
    });
    const second = await open(cluster.api, '/docs');
    await second.getByText('Cannot reach the cluster').first().waitFor(WAIT);
    const all = await shownText(second, 'elb-docs-page');
    expect(all).not.toContain('no external address');
    expect(all).toContain('The cluster API is unavailable: The cluster API at 127.0.0.1:6443 does not answer.');
    // The banner says it; the "Service state unknown" card does not repeat the cluster's error.
    expect(all.split('cluster_unavailable').length - 1).toBe(1);
    expect(all.split('127.0.0.1:6443').length - 1).toBe(1);
    await expect(second.getByRole('button', { name: 'Deploy elb-openapi' }).count()).resolves.toBe(0);
    await screenshot(second, 'edges-dependency-cluster');
    await expectAxeClean(second);
    await second.close();

    // Installed before, cluster unreachable now (the server keeps `installed` from its record, without an address):
    // still "Cannot reach the cluster", and Update is disabled with the reason.
    const installed = world({
      registryDigest: DIGEST_NEW,
      serviceError: { error: 'cluster_unavailable', error_code: 'cluster_unavailable' },
      dependencies: [
        { part: 'cluster', code: 'cluster_unavailable', message: 'no route to the cluster API', hint: null },
      ],
    });
    const third = await open(installed.api, '/docs');
    await third.locator('elb-service-hero').getByText('Cannot reach the cluster').waitFor(WAIT);
    expect(await shownText(third, 'elb-docs-page')).not.toContain('no external address');
    await expect(
      third.locator('elb-update-card').getByRole('button', { name: 'Update to v3.4' }).isDisabled(),
    ).resolves.toBe(true);
    await third.close();
  });

  it('cancel: "Cancelling…" until the end, then the outcome and what the cluster runs; focus follows', async () => {
    const created = Date.now() - 20_000;
    const { state, api } = world({
      registryDigest: DIGEST_NEW,
      active: {
        instance_id: 'deploy-local-1',
        runtime_status: 'Running',
        phase: 'waiting_for_rollout',
        reason: 'update',
      },
    });
    state.statuses.set('deploy-local-1', runningStatus('waiting_for_rollout', created));
    api.on('POST', CANCEL, () => {
      state.statuses.set(
        'deploy-local-1',
        status({
          runtime: 'Running',
          phase: 'waiting_for_rollout',
          timeline: timeline('waiting_for_rollout', 'running', created),
          createdMs: created,
          cancelRequested: true,
        }),
      );
      return { status: 202, body: { instance_id: 'deploy-local-1', cancel_requested: true } };
    });
    const page = await open(api, '/docs');
    await page.getByRole('heading', { name: 'Updating elb-openapi' }).waitFor(WAIT);

    // Keyboard only: focus the Cancel button, Enter, Tab to the confirming choice, Enter.
    await page.locator('elb-deploy-progress').getByRole('button', { name: 'Cancel deploy' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('elb-deploy-progress dialog').waitFor({ state: 'visible', ...WAIT });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Cancelling…' }).waitFor(WAIT);
    expect(api.count('POST', CANCEL)).toBe(1);
    await waitForFocusIn(page, 'elb-deploy-progress');
    await screenshot(page, 'edges-cancelling');
    // Still cancelling on later reads, while the server has not finished.
    await page.waitForTimeout(2_500);
    await expect(page.getByRole('heading', { name: 'Cancelling…' }).count()).resolves.toBe(1);

    state.statuses.set('deploy-local-1', cancelledStatus('waiting_for_rollout', created));
    state.summary = {
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({
        deploy_id: 'deploy-local-1',
        status: 'cancelled',
        cancel_requested: true,
        error: { code: 'cancelled', message: 'cancelled on request during waiting for rollout' },
        cluster_state: `restored to ${IMAGE(DIGEST_OLD)}`,
      }),
    };
    const result = page.locator('elb-deploy-result');
    await result.getByText('Deploy cancelled on request during waiting for pods to roll out').waitFor(WAIT);
    const text = await shownText(page, 'elb-deploy-result');
    expect(text).toContain('What the cluster runs now: Restored to 127.0.0.1:5001/elb-openapi@sha256:111111111111');
    expect(text.split('cancelled').length - 1).toBe(1);
    expect(text).not.toContain('Failed');
    expect(text).not.toMatch(/waiting for rollout|waiting_for/);
    await waitForFocusIn(page, 'elb-deploy-result');
    await checkDesktopAndPhone(page, 'edges-cancelled');
    await page.close();
  });

  it('keyboard only: Update then Deploy move focus to the progress and then to the result', async () => {
    const { state, api } = world({ registryDigest: DIGEST_NEW });
    const created = Date.now();
    api.on('POST', START, () => {
      state.statuses.set('deploy-kb', runningStatus('applying_manifests', created));
      state.summary = {
        registryDigest: DIGEST_NEW,
        active: { instance_id: 'deploy-kb', runtime_status: 'Running', phase: 'applying_manifests', reason: 'update' },
      };
      return { status: 202, body: accepted('deploy-kb') };
    });
    const page = await open(api, '/docs');
    const update = page.locator('elb-update-card').getByRole('button', { name: 'Update to v3.4' });
    await update.waitFor(WAIT);
    // Reach the button with Tab alone, from the top of the page.
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await update.evaluate((button) => button.matches(':focus'));
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Updating elb-openapi' }).waitFor(WAIT);
    await waitForFocusIn(page, 'elb-deploy-progress');

    state.statuses.set(
      'deploy-kb',
      status({
        instanceId: 'deploy-kb',
        runtime: 'Completed',
        phase: 'completed',
        timeline: timeline(null, 'done', created),
        output: { status: 'succeeded', openapi_deploy: { image: IMAGE(DIGEST_NEW) } },
        createdMs: created,
      }),
    );
    state.summary = {
      deployedDigest: DIGEST_NEW,
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({ deploy_id: 'deploy-kb' }),
    };
    await page.locator('elb-deploy-result').getByText('Deploy succeeded').waitFor(WAIT);
    await waitForFocusIn(page, 'elb-deploy-result');
    // Dismiss from the keyboard: focus goes to the Update card, not <body>.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('elb-deploy-result').waitFor({ state: 'detached', ...WAIT });
    await waitForFocusIn(page, 'elb-update-card');
    await page.close();

    // First install by Enter on Deploy: focus lands on the progress region.
    const install = world({ installed: false, registryDigest: DIGEST_NEW });
    install.api.on('POST', START, () => {
      install.state.statuses.set('deploy-inst', runningStatus('resolving_image', Date.now()));
      install.state.summary = {
        installed: false,
        active: { instance_id: 'deploy-inst', runtime_status: 'Running', phase: 'resolving_image', reason: 'install' },
      };
      return {
        status: 202,
        body: accepted('deploy-inst', 'install'),
      };
    });
    const second = await open(install.api, '/docs');
    const deploy = second.getByRole('button', { name: 'Deploy elb-openapi' });
    await deploy.focus();
    await second.keyboard.press('Enter');
    await second.getByRole('heading', { name: 'Installing elb-openapi' }).waitFor(WAIT);
    await waitForFocusIn(second, 'elb-deploy-progress');
    await second.close();
  });
});
