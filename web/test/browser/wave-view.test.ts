// The wave view on Overview (docs/policies.md "Waves"), in Debian Chromium with the contract-fixture `/api`: a running
// wave shows its groups in order, each target's state, the soak counting down, and can be cancelled from the keyboard
// (POST /api/waves/{id}/cancel); a halted wave says why, with the rolled-back target and the untouched group; the
// view fits 390 px and passes axe. Screenshots: test-results/web/wave-*.png.
import { describe, expect, it } from 'vitest';
import type { WaveView } from '../../../core/contract/waves.js';
import { useDashboard } from './harness.js';
import { checkDesktopAndPhone, shownText, WAIT, world } from './page-probes.js';

const WAVES = /^\/api\/waves$/;
const WAVE_CANCEL = /^\/api\/waves\/([^/]+)\/cancel$/;
const ID = 'wave-0123456789abcdef0123';
const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

const target = (name: string, state: WaveView['groups'][number]['targets'][number]['state'], extra = {}) => ({
  target: name,
  state,
  update_id: state === 'waiting' || state === 'skipped' ? null : `${ID}-${name}`,
  deploy_id: null,
  outcome: null,
  detail: null,
  rollback_deploy_id: null,
  ...extra,
});

function wave(soakEndsAt: string): WaveView {
  return {
    wave_id: ID,
    state: 'running',
    image: { tag: '3.5', digest: DIGEST },
    trigger: 'push',
    offered_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:00.100Z',
    finished_at: null,
    current_group: 0,
    groups: [
      {
        name: 'canary',
        state: 'soaking',
        soak_seconds: 300,
        soak_ends_at: soakEndsAt,
        targets: [target('local', 'succeeded', { outcome: 'succeeded', deploy_id: 'local-20260101t000001-aaaa0000' })],
      },
      {
        name: 'prod',
        state: 'waiting',
        soak_seconds: 600,
        soak_ends_at: null,
        targets: [target('prod-west-europe-1', 'waiting'), target('prod-east-us-2', 'waiting')],
      },
    ],
    halted_because: null,
    cancel_requested: false,
    supersedes: [],
  };
}

function halted(): WaveView {
  const w = wave('2026-01-01T00:05:00.000Z');
  return {
    ...w,
    state: 'halted',
    finished_at: '2026-01-01T00:06:00.000Z',
    current_group: null,
    halted_because:
      'group canary: local unhealthy (the service: /healthz answered 500; rolling back (local-rb); rolled back to the previous image)',
    groups: [
      {
        ...w.groups[0]!,
        state: 'halted',
        targets: [
          target('local', 'rolled_back', {
            outcome: 'unhealthy',
            rollback_deploy_id: 'local-rb',
            detail: 'the service: /healthz answered 500; rolling back (local-rb); rolled back to the previous image',
          }),
        ],
      },
      { ...w.groups[1]!, state: 'skipped', targets: w.groups[1]!.targets.map((t) => ({ ...t, state: 'skipped' })) },
    ],
  };
}

describe('wave view on Overview (contract fixtures, Chromium)', () => {
  const dashboard = useDashboard();

  it('shows a running wave as a whole, counts the soak down, and cancels it from the keyboard', async () => {
    const { api } = world({});
    let current = wave(new Date(Date.now() + 605_000).toISOString());
    api.on('GET', WAVES, () => ({ status: 200, body: { waves: [current] } }));
    api.on('POST', WAVE_CANCEL, () => {
      current = { ...current, cancel_requested: true };
      return { status: 202, body: { wave_id: ID, cancel_requested: true } };
    });
    const page = await dashboard.open(api, '/');
    const view = page.locator('elb-wave-view');
    await view.getByRole('heading', { name: /Wave 3\.5/ }).waitFor(WAIT);

    // Groups in order, each with its state; each target with its own.
    const groups = view.getByRole('list', { name: 'Groups in order' }).locator(':scope > li');
    expect(await groups.count()).toBe(2);
    expect(await shownText(page, 'elb-wave-view')).toMatch(/1\. canary\s*soaking.*2\. prod\s*waiting/s);
    await expect.poll(() => groups.nth(0).getAttribute('aria-current')).toBe('step');
    expect(await groups.nth(0).innerText()).toContain('succeeded');
    expect(await groups.nth(1).innerText()).toMatch(/prod-west-europe-1\s*waiting/);

    // The soak counts down (the page ticks every second while a group soaks).
    const soak = groups.nth(0).locator('.soak');
    const first = await soak.innerText();
    expect(first).toMatch(/^soaking: (9|10) min \d\d s left$/);
    await expect.poll(() => soak.innerText(), { timeout: 5000 }).not.toBe(first);

    await checkDesktopAndPhone(page, 'wave-running');

    // Cancel, from the keyboard: the button, then the confirmation (the safe choice has focus first).
    const cancel = view.getByRole('button', { name: 'Cancel wave' });
    await cancel.focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('button', { name: 'Cancel the wave' });
    await confirm.waitFor(WAIT);
    await confirm.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => api.count('POST', WAVE_CANCEL), WAIT).toBe(1);
    expect(api.requests.find((r) => r.method === 'POST')!.path).toBe(`/api/waves/${ID}/cancel`);
    await view.getByText('Stopping before the next group…').waitFor(WAIT);
    await page.close();
  });

  it('shows why a wave halted: the rolled-back target, the group left untouched; no cancel once it ended', async () => {
    const { api } = world({});
    api.on('GET', WAVES, { body: { waves: [halted()] } });
    const page = await dashboard.open(api, '/', 390);
    const view = page.locator('elb-wave-view');
    await view.getByText(/^Halted:/).waitFor(WAIT);
    const text = await shownText(page, 'elb-wave-view');
    expect(text).toContain('halted');
    expect(text).toMatch(/local\s*rolled back/);
    expect(text).toContain('local unhealthy (the service: /healthz answered 500');
    expect(text).toMatch(/2\. prod\s*not started/);
    expect(text).toMatch(/prod-east-us-2\s*skipped/);
    expect(await view.getByRole('button', { name: 'Cancel wave' }).count()).toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
    await checkDesktopAndPhone(page, 'wave-halted');
    await page.close();
  });

  it('shows nothing when no wave ran, and the targets as before', async () => {
    const { api } = world({});
    api.on('GET', WAVES, { body: { waves: [] } });
    const page = await dashboard.open(api, '/');
    await page.getByRole('table').waitFor(WAIT);
    await expect.poll(() => api.count('GET', WAVES), WAIT).toBeGreaterThan(0);
    expect(await page.locator('elb-wave-view').count()).toBe(0);
    await page.close();
  });
});
