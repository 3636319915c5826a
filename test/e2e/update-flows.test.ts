// Issue 6's user flows, end to end on the real local stack (local-run.sh all: devhost, sim, exec server, Azurite,
// dashboard) — each one driven the way a user would, in Chromium on /docs, and checked through the HTTP API and
// the cluster itself (kubectl against the sim):
//   install → update by button (a push whose event never arrived) → a rebuilt 3.4 rolls out by itself →
//   a broken 3.4 rolls back with a diagnosis on /docs → a slow deploy is cancelled from /docs.
// Runs the compiled app (dist/, the bundle in dist/app), like `npm start`; build first (`npm run build`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as contract from '../../core/contract';
import { expectAxeClean, launchBrowser, screenshot } from '../../web/test/browser/harness';
import { jsonApi } from '../support/json-api';
import {
  addSimFault,
  clearSimFaults,
  localSummary,
  pushImage,
  type PushAnswer,
  startFastStack,
  waitForDeployed,
  waitForIdle,
} from '../support/local-target';
import { eventually, type Stack } from '../support/stack';

const WAIT = { timeout: 60_000 };

let stack: Stack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;

const api = jsonApi(() => stack.apiUrl).ok;
const summary = () => localSummary(stack);
const history = () => api('/targets/local/openapi/deployments', contract.DeploymentList);
const output = async (id: string) =>
  (await api(`/targets/local/openapi/deployments/${id}`, contract.DeployStatus)).output;

const idle = () => waitForIdle(stack);

const simFault = (body: object) => addSimFault(stack, body);
const clearFaults = () => clearSimFaults(stack);

/** What the cluster runs: the Deployment's image and its ready replicas, read with the real kubectl. */
function cluster(): { image: string; ready: number } {
  const kubeconfig = join(stack.localDir, 'sim', 'kubeconfig');
  const d = JSON.parse(
    execFileSync(
      'kubectl',
      ['--kubeconfig', kubeconfig, '-n', 'elb-openapi', 'get', 'deployment/elb-openapi', '-o', 'json'],
      {
        encoding: 'utf8',
      },
    ),
  ) as { spec: { template: { spec: { containers: { image: string }[] } } }; status: { readyReplicas?: number } };
  return { image: d.spec.template.spec.containers[0]!.image, ready: d.status.readyReplicas ?? 0 };
}

const short = (digest: string) => `sha256:${digest.slice(7, 19)}`;

beforeAll(async () => {
  // A long external-IP timeout, so the slow deploy in the cancel flow is still waiting when the user cancels it.
  stack = await startFastStack({ ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '60' });
  browser = await launchBrowser();
  page = await browser.context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('issue 6: install, update by button, auto-update, rollback, cancel', () => {
  it('installs elb-openapi from /docs', async () => {
    await page.goto(`${stack.webUrl}/docs`);
    await page.getByRole('button', { name: 'Deploy elb-openapi' }).click(WAIT);
    await page.getByRole('button', { name: 'Update to v3.4' }).waitFor(WAIT);
    await page.getByText('Up to date').first().waitFor(WAIT);
    await screenshot(page, 'flows-1-installed');
    await expectAxeClean(page);

    const s = await idle();
    expect(s.deployed).toMatchObject({ tag: '3.4' });
    expect(s.deployed!.digest).toBe(s.registry.digest);
    expect(s.update_available).toBe(false);
    expect(cluster()).toEqual({ image: s.deployed!.image, ready: 1 });
    await page.getByText(short(s.deployed!.digest)).first().waitFor(WAIT);
    expect((await history())[0]).toMatchObject({ reason: 'install', status: 'succeeded' });
  }, 90_000);

  it('updates by button when a new 3.4 is in the registry but its push event never arrived', async () => {
    const before = await idle();
    const pushed = await pushImage(stack, '--no-event');
    expect(pushed.event).toEqual({ delivered: false, reason: 'not_requested' });
    // Nothing happened by itself: the summary now offers the update instead.
    const offered = await summary();
    expect(offered).toMatchObject({ update_available: true, active_deploy: null, registry: { digest: pushed.digest } });
    expect(offered.deployed!.digest).toBe(before.deployed!.digest);

    // The user re-checks, sees the update offered, clicks it and confirms.
    await page.getByRole('button', { name: 'Retry Discovery' }).click();
    await page.getByText('Update available').first().waitFor(WAIT);
    await screenshot(page, 'flows-2-update-available');
    await page.getByRole('button', { name: 'Update to v3.4' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Update to v3.4' }).click();
    await page.getByText('Deploy succeeded').first().waitFor(WAIT);
    await screenshot(page, 'flows-2-updated');

    const after = await idle();
    expect(after.deployed!.digest).toBe(pushed.digest);
    expect(after.update_available).toBe(false);
    expect(cluster()).toEqual({ image: after.deployed!.image, ready: 1 });
    expect(after.deployed!.image).toContain(pushed.digest);
    expect((await history())[0]).toMatchObject({ reason: 'update', requester: 'local', status: 'succeeded' });
  }, 90_000);

  it('rolls a rebuilt 3.4 out by itself when it is pushed', async () => {
    await idle();
    const pushed = await pushImage(stack);
    expect(pushed.event.delivered).toBe(true);
    const after = await waitForDeployed(stack, pushed.digest);
    expect(cluster()).toEqual({ image: after.deployed!.image, ready: 1 });
    expect((await history())[0]).toMatchObject({
      reason: 'auto',
      requester: 'event-grid',
      status: 'succeeded',
      digest: pushed.digest,
    });

    // The page shows the new digest as deployed and up to date.
    await page.reload();
    await page.getByText(short(pushed.digest)).first().waitFor(WAIT);
    await page.getByText('Up to date').first().waitFor(WAIT);
    await screenshot(page, 'flows-3-auto-updated');
  }, 90_000);

  it('rolls a broken 3.4 back by itself and explains why on /docs; the cluster stays on the previous digest', async () => {
    const good = (await idle()).deployed!;
    // A little API latency keeps the failing deploy running long enough for the freshly opened page to catch it.
    await simFault({ type: 'api_latency', ms: 300 });
    let broken: PushAnswer;
    try {
      broken = await pushImage(stack, '--broken', 'crash-loop');
      expect(broken).toMatchObject({ broken: 'crash_loop', event: { delivered: true } });
      await page.goto(`${stack.webUrl}/docs`);
      const alert = page.getByRole('alert').filter({ hasText: 'failed and was rolled back' });
      await alert.waitFor(WAIT);
      await expect(alert.innerText()).resolves.toContain('crash_loop');
      await page.getByText('Likely cause').first().waitFor(WAIT);
      await page.getByText('re-applied and verified').first().waitFor(WAIT);
      await page
        .getByText(/CrashLoopBackOff/)
        .first()
        .waitFor(WAIT);
    } finally {
      await clearFaults();
    }
    await screenshot(page, 'flows-4-rolled-back');
    await expectAxeClean(page);

    const after = await idle();
    const record = (await history())[0]!;
    expect(record).toMatchObject({ reason: 'auto', status: 'rolled_back', digest: broken.digest });
    expect(record.timeline.find((e) => e.name === 'waiting_for_rollout')?.status).toBe('failed');
    const out = (await output(record.deploy_id))!;
    expect(out).toMatchObject({
      status: 'rolled_back',
      error: { code: 'crash_loop' },
      rollback: { status: 'succeeded', image: good.image },
    });
    expect(out.error!.diagnostics?.likely_cause).toBeTruthy();
    expect(out.error!.diagnostics?.what_to_do).toBeTruthy();
    expect(out.cluster_state).toBe(`restored to ${good.image}`);
    expect(after.deployed!.digest).toBe(good.digest);
    expect(cluster()).toEqual({ image: good.image, ready: 1 });
  }, 90_000);

  it('cancels a slow deploy from /docs: it ends cancelled and the cluster is back on the previous image', async () => {
    const good = (await idle()).deployed!;
    // A good new 3.4 to update to, and a cloud load balancer that has lost the Service's address and cannot hand
    // out another one, so the deploy waits in waiting_for_external_ip until the user gives up.
    const next = await pushImage(stack, '--no-event');
    await simFault({ type: 'lb_ip', mode: 'never' });
    const lost = await fetch(`${stack.k8sUrl}/api/v1/namespaces/elb-openapi/services/elb-openapi/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { loadBalancer: { ingress: null } } }),
    });
    expect(lost.status).toBe(200);
    let id: string;
    try {
      await page.goto(`${stack.webUrl}/docs`);
      await page.getByRole('button', { name: 'Update to v3.4' }).first().click(WAIT);
      const confirm = page.getByRole('dialog');
      await confirm.waitFor(WAIT);
      await confirm.getByRole('button', { name: 'Update to v3.4' }).click();
      await page.getByRole('heading', { name: 'Updating elb-openapi' }).waitFor(WAIT);
      id = await eventually(async () => {
        const s = await summary();
        return s.active_deploy?.instance_id;
      }, 'the update to be active');
      await page.locator('[aria-current="step"]').filter({ hasText: 'LoadBalancer address' }).waitFor(WAIT);
      await screenshot(page, 'flows-5-waiting-for-address');

      await page.getByRole('button', { name: 'Cancel deploy' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor(WAIT);
      await dialog.getByRole('button', { name: 'Cancel deploy' }).click();
      await page.getByText('Deploy cancelled').first().waitFor(WAIT);
      await screenshot(page, 'flows-5-cancelled');
      await expectAxeClean(page);
    } finally {
      await clearFaults();
    }

    await idle();
    const out = (await output(id))!;
    expect(out).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
      rollback: { status: 'succeeded', image: good.image },
      openapi_deploy: { digest: next.digest },
    });
    expect(out.cluster_state).toBe(`restored to ${good.image}`);
    expect((await summary()).deployed!.digest).toBe(good.digest);
    expect(cluster()).toEqual({ image: good.image, ready: 1 });
    expect((await history())[0]).toMatchObject({ deploy_id: id, reason: 'update', status: 'cancelled' });
  }, 90_000);
});
