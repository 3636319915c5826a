// The dashboard against the real local stack, in Chromium: a first install from /docs, as a user would click it.
// Nothing is faked here; the page talks to the devhost through the dashboard's own dev-server proxy.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, launchBrowser, screenshot } from '../../web/test/browser/harness';
import { aliveGroups, startStack, type Stack } from '../support/stack';

const WAIT = { timeout: 60_000 };

let stack: Stack;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('/docs on the local stack', () => {
  let page: Page;

  it('offers to deploy when the service is not installed', async () => {
    page = await browser.context.newPage();
    await page.goto(`${stack.webUrl}/docs`);
    await page.getByRole('button', { name: 'Deploy elb-openapi' }).waitFor(WAIT);
    await screenshot(page, 'e2e-docs-not-installed');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('deploys with live progress and then shows the Update card for the pinned tag', async () => {
    await page.getByRole('button', { name: 'Deploy elb-openapi' }).click();
    await page.getByRole('heading', { name: 'Installing elb-openapi' }).waitFor(WAIT);
    await screenshot(page, 'e2e-docs-installing');

    await page.getByRole('button', { name: 'Update to v3.4' }).waitFor(WAIT);
    await expect(page.getByText('v3.4', { exact: true }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Retry Discovery' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('link', { name: /Swagger UI/ }).getAttribute('href')).resolves.toMatch(
      /^http:\/\/127\.\d+\.\d+\.\d+:\d+\/docs$/,
    );
    // The hero, from the real Service and the live spec: the sim's loopback LB, plain http, version 3.4.0.
    const hero = page.locator('elb-service-hero');
    await hero.locator('#version-pill', { hasText: 'v3.4.0 · image 3.4' }).waitFor(WAIT);
    const chips = hero.getByRole('list', { name: 'How the service is reached' }).getByRole('listitem');
    await expect(chips.allInnerTexts()).resolves.toEqual(['Local (loopback)', 'HTTP']);
    await screenshot(page, 'e2e-docs-installed');
    expect(await axeViolations(page)).toEqual([]);
  });

  it("'local-run.sh stop' from two terminals at once ends every part, and 'all' exits cleanly", async () => {
    const groups = stack.processGroups();
    expect(groups.length).toBe(5);
    // Two stops and the running `all` all remove the same pid files: none of them may trip over the others.
    for (const stopped of await Promise.all([stack.run('stop'), stack.run('stop')])) {
      expect(stopped.code, `${stopped.stdout}\n${stopped.stderr}`).toBe(0);
    }
    expect(aliveGroups(groups)).toEqual([]);
    expect(await stack.exited).toBe(0);
  });
});
