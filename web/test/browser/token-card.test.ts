// The API token card on /docs (issue 15), in Debian Chromium with the contract-fixture `/api`: masked until Reveal
// (a POST, from the keyboard), hidden again after 60 s (the page's clock is Playwright's fake clock, fast-forwarded),
// Copy without showing it, the deployer-only refusal, and the token nowhere but the card while shown.
import { describe, expect, it } from 'vitest';
import { accepted, deployBrief, DIGEST_NEW, status } from '../fixtures.js';
import { expectAxeClean, useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, waitForFocusIn, world } from './page-probes.js';

const REVEAL = /^\/api\/targets\/local\/openapi\/token\/reveal$/;
const ROTATE = /^\/api\/targets\/local\/openapi\/token\/rotate$/;
const TOKEN = 'tok_0123456789abcdefghijklmnopqrstuvwxyzABCDEF';
const revealed = { target: 'local', token: TOKEN, audit_id: 'a-1', revealed_at: '2026-12-07T16:00:00.000Z' };

describe('API token card (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();
  const open = dashboard.open;

  it('is masked until Reveal, shows the token, hides it again after 60 s, keyboard only', async () => {
    const { api } = world({ registryDigest: DIGEST_NEW });
    api.on('POST', REVEAL, { body: revealed });
    const page = await open(api, '/docs');
    await page.clock.install();
    await page.reload();
    const card = page.locator('elb-token-card');
    await card.getByRole('heading', { name: 'API token' }).waitFor(WAIT);
    expect(await card.locator('#token-value').innerText()).toMatch(/^•+$/);
    expect(api.count('POST', REVEAL)).toBe(0);
    expect(await page.content()).not.toContain(TOKEN);

    const reveal = card.getByRole('button', { name: 'Reveal' });
    await reveal.focus();
    await page.keyboard.press('Enter');
    await card.getByText(TOKEN).waitFor(WAIT);
    const shownAt = await page.evaluate(() => Date.now());
    expect(api.requests.filter((r) => REVEAL.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/openapi/token/reveal', body: {} },
    ]);
    expect(await card.getByRole('status').innerText()).toBe('API token shown; it hides again in 60 seconds.');
    // Shown in the card only: not in the URL, storage, or any other element of the page.
    expect(page.url()).not.toContain(TOKEN);
    expect(
      await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
    ).not.toContain(TOKEN);
    const whole = await shownText(page, 'elb-docs-page');
    expect(whole.split(TOKEN).length - 1).toBe(1);
    await checkDesktopAndPhone(page, 'token-card-revealed');

    // Stop the page's clock 50 s after the reveal (the checks above took real seconds), then step it by hand.
    await page.clock.pauseAt(shownAt + 50_000);
    await page.clock.fastForward(9_000);
    expect(await card.locator('#token-value').innerText()).toBe(TOKEN);
    await page.clock.fastForward(1_500);
    await card.getByText(TOKEN).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await card.locator('#token-value').innerText()).toMatch(/^•+$/);
    expect(await card.getByRole('status').innerText()).toBe('API token hidden again.');
    await page.clock.resume();
    await checkDesktopAndPhone(page, 'token-card-masked');
    expect(api.count('POST', REVEAL)).toBe(1);
  });

  it('copies without showing the token (one audited reveal), and Hide forgets a shown one at once', async () => {
    const { api } = world({ registryDigest: DIGEST_NEW });
    api.on('POST', REVEAL, { body: revealed });
    const page = await open(api, '/docs');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dashboard.url });
    const card = page.locator('elb-token-card');
    await card.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => card.getByRole('status').innerText(), WAIT).toBe('API token copied to the clipboard.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(TOKEN);
    expect(await card.locator('#token-value').innerText()).toMatch(/^•+$/);
    expect(await page.content()).not.toContain(TOKEN);
    expect(api.count('POST', REVEAL)).toBe(1);

    await card.getByRole('button', { name: 'Reveal' }).click();
    await card.getByText(TOKEN).waitFor(WAIT);
    // Copy of a shown token reuses it: no second reveal.
    await card.getByRole('button', { name: 'Copy' }).click();
    expect(api.count('POST', REVEAL)).toBe(2);
    await card.getByRole('button', { name: 'Hide' }).click();
    await card.getByText(TOKEN).waitFor({ state: 'detached', timeout: 5_000 });
    expect(await card.getByRole('button', { name: 'Reveal' }).isVisible()).toBe(true);
  });

  it("says a reader may not reveal it, and shows the server's reason for other refusals", async () => {
    const { api } = world({ registryDigest: DIGEST_NEW });
    api.on('POST', REVEAL, { status: 403, body: { code: 'forbidden', message: 'role deployer required' } });
    const page = await open(api, '/docs');
    const card = page.locator('elb-token-card');
    await card.getByRole('button', { name: 'Reveal' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.innerText()).toContain('Revealing the API token needs the deployer role.');
    expect(await card.locator('#token-value').innerText()).toMatch(/^•+$/);

    api.on('POST', REVEAL, {
      status: 503,
      body: { code: 'storage_unavailable', message: 'table storage failed (HTTP 503)' },
    });
    await card.getByRole('button', { name: 'Reveal' }).click();
    await expect.poll(() => alert.innerText(), WAIT).toContain('table storage failed');
    expect(await alert.innerText()).toContain('storage_unavailable');
    await checkDesktopAndPhone(page, 'token-card-refused');
  });

  it('Rotate token: confirmed from the keyboard, followed in the stepper, then the result; disabled meanwhile', async () => {
    const { state, api } = world({ registryDigest: DIGEST_NEW });
    const created = Date.now() - 5_000;
    const at = (s: number) => new Date(created + s * 1000).toISOString();
    const rotating = [
      { name: 'applying_token', status: 'done', startedAt: at(0), endedAt: at(1), detail: 'new token stored' },
      { name: 'waiting_for_rollout', status: 'done', startedAt: at(1), endedAt: at(3), detail: '1/1 pods ready' },
      { name: 'verifying_token', status: 'running', startedAt: at(3), endedAt: null, detail: 'check 1' },
    ] as const;
    api.on('POST', ROTATE, () => {
      state.summary = {
        registryDigest: DIGEST_NEW,
        active: { instance_id: 'rot-1', runtime_status: 'Running', phase: 'verifying_token', reason: 'rotate_token' },
      };
      const running = status({
        instanceId: 'rot-1',
        runtime: 'Running',
        phase: 'verifying_token',
        reason: 'rotate_token',
        timeline: [...rotating],
        createdMs: created,
      });
      state.statuses.set('rot-1', running);
      return { status: 202, body: accepted('rot-1', 'rotate_token') };
    });
    const page = await open(api, '/docs');
    const card = page.locator('elb-token-card');
    const rotate = card.getByRole('button', { name: 'Rotate token' });
    await rotate.waitFor(WAIT);
    // A shown token is forgotten when the rotation starts.
    api.on('POST', REVEAL, { body: revealed });
    await card.getByRole('button', { name: 'Reveal' }).click();
    await card.getByText(TOKEN).waitFor(WAIT);

    await rotate.focus();
    await page.keyboard.press('Enter');
    const dialog = card.locator('dialog');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await card.getByText('Every client that uses the current token stops working').waitFor(WAIT);
    // The safe choice has focus: Tab to the confirming one.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rotating the API token' }).waitFor(WAIT);
    expect(api.requests.filter((r) => ROTATE.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/openapi/token/rotate', body: {} },
    ]);
    await card.getByText(TOKEN).waitFor({ state: 'detached', timeout: 5_000 });
    await waitForFocusIn(page, 'elb-deploy-progress');
    const progress = await shownText(page, 'elb-deploy-progress');
    expect(progress).toContain('Storing a new API token and restarting');
    expect(progress).toContain('Checking the new token works and the old one does not');
    expect(progress).not.toMatch(/verifying_token|applying_token|rotate_token|deploy/);
    expect(progress).toContain('Cancel rotation');
    await expect(rotate.isDisabled()).resolves.toBe(true);
    expect(await shownText(page, 'elb-token-card')).toContain('A deploy or token rotation is running');
    await checkDesktopAndPhone(page, 'token-rotating');

    state.statuses.set(
      'rot-1',
      status({
        instanceId: 'rot-1',
        runtime: 'Completed',
        phase: 'completed',
        reason: 'rotate_token',
        timeline: rotating.map((e) => ({ ...e, status: 'done' as const, endedAt: e.endedAt ?? at(4) })),
        output: {
          status: 'succeeded',
          deploy_id: 'rot-1',
          reason: 'rotate_token',
          previous_image: null,
          cluster_state: `running 127.0.0.1:5001/elb-openapi@${DIGEST_NEW} with the new token`,
        },
        createdMs: created,
      }),
    );
    state.summary = {
      registryDigest: DIGEST_NEW,
      lastDeploy: deployBrief({ deploy_id: 'rot-1', reason: 'rotate_token', status: 'succeeded' }),
    };
    const result = page.locator('elb-deploy-result');
    await result.getByRole('heading', { name: 'Last token rotation' }).waitFor(WAIT);
    expect(await shownText(page, 'elb-deploy-result')).toContain(
      'API token rotated: the service accepts the new token and refuses the old one.',
    );
    expect(await shownText(page, 'elb-deploy-result')).toContain('token rotation by');
    await expect(rotate.isDisabled()).resolves.toBe(false);
    await checkDesktopAndPhone(page, 'token-rotated');
    await expectAxeClean(page);
  });

  it('a rotation that cannot start says why on the card, with its code', async () => {
    const { api } = world({ registryDigest: DIGEST_NEW });
    api.on('POST', ROTATE, {
      status: 409,
      body: { code: 'not_deployed', message: 'local has no deployed service: deploy it first' },
    });
    const page = await open(api, '/docs');
    const card = page.locator('elb-token-card');
    await card.getByRole('button', { name: 'Rotate token' }).click();
    await card.locator('dialog').getByRole('button', { name: 'Rotate token' }).click();
    const alert = card.getByRole('alert');
    await alert.waitFor(WAIT);
    expect(await alert.innerText()).toContain('The rotation did not start: local has no deployed service');
    expect(await alert.innerText()).toContain('not_deployed');
  });
});
