// Try it on /docs in Chromium, against the contract fixture: the spec is the sim's stand-in document and the proxy
// route answers as the server does. Rows open to parameters, body schema and responses; Try it on a GET and a
// POST sends the request the proxy expects and shows the answer; Copy curl writes $ELB_API_TOKEN, never a token;
// the method chips filter; all of it from the keyboard, at 390 px, and axe clean.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApiDocument } from '../../../sim/standin/spec';
import { checkDesktopAndPhone, SPEC, waitForFocusIn, world } from './page-probes.js';
import { useDashboard } from './harness.js';

const WAIT = { timeout: 20_000 };
const PROXY = /^\/api\/targets\/local\/openapi\/proxy$/;
const STANDIN = openApiDocument('3.4.0', 'elb-openapi:3.4');

function tryItWorld() {
  const w = world({});
  w.api.on('GET', SPEC, { body: STANDIN });
  w.api.on('POST', PROXY, (request) => {
    const body = request.body as { method: string; path: string; body?: unknown };
    if (body.method === 'GET' && body.path === '/v1/databases')
      return {
        status: 200,
        body: {
          status: 200,
          headers: { 'content-type': 'application/json', 'x-served-by': 'elb-openapi-abc' },
          body_kind: 'json',
          body: [{ name: 'swissprot', molecule: 'prot' }],
          duration_ms: 7,
        },
      };
    if (body.method === 'POST' && body.path === '/v1/jobs')
      return {
        status: 200,
        body: {
          status: 202,
          headers: { 'content-type': 'application/json' },
          body_kind: 'json',
          body: { job_id: 'j-1', status: 'queued' },
          duration_ms: 12,
        },
      };
    if (body.method === 'DELETE')
      return { status: 403, body: { code: 'forbidden', message: 'the deployer role is required to send DELETE' } };
    return undefined;
  });
  return w.api;
}

const row = (page: Page, method: string, path: string) =>
  page.getByRole('button', { name: new RegExp(`^${method} ${path.replace(/[{}]/g, '\\$&')} `) });

describe('Try it on /docs (contract fixtures)', () => {
  const dashboard = useDashboard();
  const open = dashboard.open;

  it('opens a GET row to its parameters and responses, tries it, and shows the answer', async () => {
    const api = tryItWorld();
    const page = await open(api, '/docs');
    await row(page, 'GET', '/v1/databases').click(WAIT);
    const panel = page.getByRole('region', { name: 'GET /v1/databases' });
    await panel.getByText('Parameters').waitFor(WAIT);
    await expect(panel.getByText('None.').count()).resolves.toBe(1);
    await panel.getByRole('button', { name: 'Try it' }).click();
    await panel.getByText('HTTP 200').waitFor(WAIT);
    await panel.getByRole('region', { name: 'Response' }).getByText('"swissprot"').waitFor(WAIT);
    expect(api.requests.filter((r) => PROXY.test(r.path)).map((r) => r.body)).toEqual([
      { method: 'GET', path: '/v1/databases' },
    ]);
    // A path parameter is filled, encoded, and required.
    await row(page, 'GET', '/v1/jobs/{job_id}').click();
    const jobPanel = page.getByRole('region', { name: 'GET /v1/jobs/{job_id}' });
    await jobPanel.getByRole('button', { name: 'Try it' }).click();
    await jobPanel.getByText('job_id is required.').waitFor(WAIT);
    await jobPanel.getByLabel('job_id (path parameter)').fill('a/b');
    await jobPanel.getByRole('button', { name: 'Try it' }).click();
    await jobPanel.getByText('not_found').waitFor(WAIT); // the fixture has no answer for it: the error shows
    expect(api.requests.filter((r) => PROXY.test(r.path)).at(-1)?.body).toEqual({
      method: 'GET',
      path: '/v1/jobs/a%2Fb',
    });
    await checkDesktopAndPhone(page, 'docs-try-it-get');
    await page.close();
  });

  it('POSTs the body the user edited, shows the 202, and a refused DELETE shows the server code', async () => {
    const api = tryItWorld();
    const page = await open(api, '/docs');
    await row(page, 'POST', '/v1/jobs').click(WAIT);
    const panel = page.getByRole('region', { name: 'POST /v1/jobs' });
    await panel.getByText('application/json, required').waitFor(WAIT);
    const body = panel.getByLabel('Body to send (JSON)');
    expect(JSON.parse(await body.inputValue())).toEqual({ program: '', database: '', queries: '' });
    await body.fill('{"program":"blastn","database":"nt","queries":"https://example.org/q.fa"}');
    await panel.getByRole('button', { name: 'Try it' }).click();
    await panel.getByText('HTTP 202').waitFor(WAIT);
    await panel.getByRole('region', { name: 'Response' }).getByText('"queued"').waitFor(WAIT);
    expect(api.requests.filter((r) => PROXY.test(r.path)).map((r) => r.body)).toEqual([
      {
        method: 'POST',
        path: '/v1/jobs',
        body: { program: 'blastn', database: 'nt', queries: 'https://example.org/q.fa' },
      },
    ]);
    await body.fill('{"program": ');
    await panel.getByRole('button', { name: 'Try it' }).click();
    await panel.getByText('The request body is not valid JSON.').waitFor(WAIT);
    expect(api.requests.filter((r) => PROXY.test(r.path))).toHaveLength(1);

    await row(page, 'DELETE', '/v1/jobs/{job_id}').click();
    const del = page.getByRole('region', { name: 'DELETE /v1/jobs/{job_id}' });
    await del.getByLabel('job_id (path parameter)').fill('j-1');
    await del.getByRole('button', { name: 'Try it' }).click();
    await del.getByText('forbidden').waitFor(WAIT);
    await del.getByText(/deployer role is required/).waitFor(WAIT);
    await checkDesktopAndPhone(page, 'docs-try-it-post');
    await page.close();
  });

  it('Copy curl writes the command with $ELB_API_TOKEN and the service address', async () => {
    const api = tryItWorld();
    const page = await open(api, '/docs');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: dashboard.url });
    await row(page, 'POST', '/v1/jobs').click(WAIT);
    const panel = page.getByRole('region', { name: 'POST /v1/jobs' });
    await panel.getByLabel('Body to send (JSON)').fill('{"program":"blastn","queries":"it\'s.fa"}');
    await panel.getByRole('button', { name: /^Copy curl/ }).click();
    await panel.getByText('Copied to the clipboard.').waitFor(WAIT);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(
      `curl -X POST 'http://127.0.0.2:8080/v1/jobs' -H "X-ELB-API-Token: $ELB_API_TOKEN" -H 'content-type: application/json' --data '{"program":"blastn","queries":"it'\\''s.fa"}'`,
    );
    // Copy curl sends nothing.
    expect(api.requests.filter((r) => PROXY.test(r.path))).toHaveLength(0);
    await page.close();
  });

  it('filters by method chips together with the search, and shows the response contract', async () => {
    const page = await open(tryItWorld(), '/docs');
    const total = Object.values(STANDIN.paths as object).reduce((n, item) => n + Object.keys(item).length, 0);
    await page.getByText(`${total} of ${total} endpoints shown`).waitFor(WAIT);
    const chip = (m: string) => page.getByRole('group', { name: 'Methods' }).getByRole('button', { name: m });
    await chip('POST').click();
    await expect(chip('POST').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.getByText(`1 of ${total} endpoints shown`).waitFor(WAIT);
    await chip('DELETE').click();
    await page.getByText(`2 of ${total} endpoints shown`).waitFor(WAIT);
    await page.getByLabel('Filter endpoints').fill('cancel');
    await page.getByText(`1 of ${total} endpoints shown`).waitFor(WAIT);
    await expect(row(page, 'DELETE', '/v1/jobs/{job_id}').count()).resolves.toBe(1);
    await page.getByLabel('Filter endpoints').fill('');
    await chip('POST').click();
    await chip('DELETE').click();
    await page.getByText(`${total} of ${total} endpoints shown`).waitFor(WAIT);
    const contract = page.getByRole('region', { name: 'Response contract' });
    await contract.getByText('Unknown job').waitFor(WAIT);
    await contract.getByText(/Not declared in the document/).waitFor(WAIT);
    await checkDesktopAndPhone(page, 'docs-try-it-filters');
    await page.close();
  });

  it('works from the keyboard alone: open a row, fill its parameter, Try it', async () => {
    const api = tryItWorld();
    const page = await open(api, '/docs');
    await row(page, 'GET', '/v1/databases').waitFor(WAIT);
    await row(page, 'GET', '/v1/jobs/{job_id}').focus();
    await page.keyboard.press('Enter');
    // Opening keeps focus on the row's button (the page does not jump); the panel follows it in the tab order.
    await waitForFocusIn(page, 'button');
    await page.keyboard.press('Tab');
    await waitForFocusIn(page, 'input');
    await page.keyboard.type('42');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter'); // Try it
    await page.getByText('not_found').waitFor(WAIT);
    expect(api.requests.filter((r) => PROXY.test(r.path)).at(-1)?.body).toEqual({ method: 'GET', path: '/v1/jobs/42' });
    // Space closes the row again from its button.
    await row(page, 'GET', '/v1/jobs/{job_id}').focus();
    await page.keyboard.press('Space');
    await expect(row(page, 'GET', '/v1/jobs/{job_id}').getAttribute('aria-expanded')).resolves.toBe('false');
    await page.close();
  });
});
