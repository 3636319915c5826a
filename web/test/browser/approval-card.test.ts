// The approval card on /docs (issue 17), in Debian Chromium with the contract-fixture `/api`: "Update to 3.5 waiting
// for approval (expires in 23 h)", Approve confirmed from the keyboard with a comment (the request carries only the
// comment), Reject, a reader's refusal said as the role, "waiting for the window …" without buttons, and the policy in
// force on /docs and Overview — at desktop width and 390 px, without axe violations.
import { describe, expect, it } from 'vitest';
import { DIGEST_NEW } from '../fixtures.js';
import { useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, world } from './page-probes.js';

const APPROVE = /^\/api\/targets\/local\/update\/approve$/;
const REJECT = /^\/api\/targets\/local\/update\/reject$/;
const WINDOW_TEXT = 'Sat 02:00–05:00 Europe/Stockholm';

const approvePolicy = {
  policy: {
    mode: 'approve' as const,
    track: { range: '~3.4' },
    approvalTimeoutHours: 24,
    window: { days: ['sat' as const], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' },
    drift: 'notify' as const,
  },
  source: 'api' as const,
  window: { open: false, text: WINDOW_TEXT, next: new Date(Date.now() + 50 * 3600_000).toISOString() },
};

function waiting(state: 'waiting_for_approval' | 'waiting_for_window') {
  return {
    update_id: 'local-update-20260101t000000-0000abcd',
    tag: '3.5',
    digest: DIGEST_NEW,
    state,
    offered_at: new Date(Date.now() - 30 * 60_000).toISOString(),
    // 23 h 30 min from now: the card says "23 h".
    expires_at: state === 'waiting_for_approval' ? new Date(Date.now() + 23.5 * 3600_000).toISOString() : null,
    window: WINDOW_TEXT,
    window_opens_at: state === 'waiting_for_window' ? new Date(Date.now() + 50 * 3600_000).toISOString() : null,
    deploy_id: null,
    decision: null,
  };
}

describe('approval card (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();

  it('says what waits and until when; Approve from the keyboard, with a comment, sends only the comment', async () => {
    const { state, api } = world({ policy: approvePolicy, pendingUpdate: waiting('waiting_for_approval') });
    api.on('POST', APPROVE, () => {
      state.summary = { ...state.summary, pendingUpdate: null };
      return { status: 202, body: {} };
    });
    const page = await dashboard.open(api, '/docs');
    const card = page.locator('elb-approval-card');
    await card.getByText('Update to 3.5 waiting for approval (expires in 23 h)').waitFor(WAIT);
    const text = await shownText(page, 'elb-approval-card');
    expect(text).toContain(
      'Policy: approval required · follows ~3.4 · window Sat 02:00–05:00 Europe/Stockholm (closed)',
    );
    expect(text).toContain('set through the API');
    await checkDesktopAndPhone(page, 'approval-waiting');

    const approve = card.getByRole('button', { name: 'Approve', exact: true });
    await approve.focus();
    await page.keyboard.press('Enter');
    const dialog = card.locator('elb-confirm-button').first().locator('dialog');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    await card.getByText('Approve the update to 3.5?').waitFor(WAIT);
    // "Not now" has focus: Escape decides nothing.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', ...WAIT });
    expect(api.count('POST', APPROVE)).toBe(0);

    await approve.focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'visible', ...WAIT });
    // From "Not now" back to the comment, type it, then forward to Approve.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.type('changelog checked');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await card.getByText('Update to 3.5 waiting').waitFor({ state: 'detached', ...WAIT });
    expect(api.requests.filter((r) => APPROVE.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/update/approve', body: { comment: 'changelog checked' } },
    ]);
    // The policy stays shown.
    await card.getByText('Policy: approval required').waitFor(WAIT);
    await page.close();
  }, 90_000);

  it('Reject without a comment; a reader is told the role is missing', async () => {
    const { api } = world({ policy: approvePolicy, pendingUpdate: waiting('waiting_for_approval') });
    api.on('POST', REJECT, () => ({
      status: 403,
      body: { code: 'forbidden', message: 'the deployer role is required' },
    }));
    const page = await dashboard.open(api, '/docs', 390);
    const card = page.locator('elb-approval-card');
    await card.getByText('waiting for approval').waitFor(WAIT);
    await card.getByRole('button', { name: 'Reject', exact: true }).focus();
    await page.keyboard.press('Enter');
    await card.getByText('Reject the update to 3.5?').waitFor(WAIT);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await card.getByRole('alert').getByText('needs the deployer role').waitFor(WAIT);
    expect(api.requests.filter((r) => REJECT.test(r.path))).toEqual([
      { method: 'POST', path: '/api/targets/local/update/reject', body: {} },
    ]);
    await page.close();
  }, 60_000);

  it('waiting for the window: says which window and when it opens, offers no decision; Overview says it too', async () => {
    const { api } = world({
      policy: { ...approvePolicy, policy: { ...approvePolicy.policy, mode: 'auto' }, source: 'configuration' },
      pendingUpdate: waiting('waiting_for_window'),
    });
    const page = await dashboard.open(api, '/docs');
    const card = page.locator('elb-approval-card');
    await card.getByText(`Update to 3.5 waiting for the window ${WINDOW_TEXT}`).waitFor(WAIT);
    const text = await shownText(page, 'elb-approval-card');
    expect(text).toMatch(/opens in (49|50) h|opens in 2 d/);
    expect(text).not.toContain('set through the API');
    expect(await card.getByRole('button').count()).toBe(0);
    await checkDesktopAndPhone(page, 'approval-window');

    await page.goto(`${dashboard.url}/`);
    const overview = page.locator('elb-overview-page');
    await overview.getByText(`Update to 3.5 waiting for the window ${WINDOW_TEXT}`).waitFor(WAIT);
    await overview.getByText('Policy: automatic · follows ~3.4').waitFor(WAIT);
    await checkDesktopAndPhone(page, 'overview-policy');
    await page.close();
  }, 60_000);
});
