// Shared by the issue-12 browser tests: a contract fixture whose answers follow one mutable world, and page probes
// (focus through shadow roots, the text a user sees, horizontal overflow, time until something shows).
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { activity, openApiSpec, summary, type SummaryOptions } from '../fixtures.js';
import { expectAxeClean, FixtureApi, screenshot } from './harness.js';

export const WAIT = { timeout: 20_000 };
/** The page's promise: what the server knows shows within 2 s (the feed is read every second). */
export const NOTICE_WITHIN_MS = 2_000;

export const TARGETS = /^\/api\/targets$/;
export const SUMMARY = /^\/api\/targets\/local\/openapi$/;
export const ACTIVITY = /^\/api\/targets\/local\/openapi\/activity$/;
export const ALL_ACTIVITY = /^\/api\/activity$/;
export const SPEC = /^\/api\/targets\/local\/openapi\/spec$/;
export const START = /^\/api\/targets\/local\/openapi\/deployments$/;
export const STATUS = /^\/api\/targets\/local\/openapi\/deployments\/([^/]+)$/;
export const CANCEL = /^\/api\/targets\/local\/openapi\/deployments\/([^/]+)\/cancel$/;

export const IMAGE = (digest: string) => `127.0.0.1:5001/elb-openapi@${digest}`;

/**
 * A fixture server whose answers follow one mutable world: the summary options (from which the summary, the
 * target list and the activity feed are all derived, as the server derives them from one state) and the deploy
 * statuses by id. Tests change the world; the page must notice on its own.
 */
export function world(initial: SummaryOptions) {
  const state = { summary: initial, statuses: new Map<string, unknown>(), history: [] as unknown[] };
  const api = new FixtureApi()
    .on('GET', TARGETS, () => ({ status: 200, body: [summary(state.summary)] }))
    .on('GET', SUMMARY, () => ({ status: 200, body: summary(state.summary) }))
    .on('GET', ACTIVITY, () => ({ status: 200, body: activity(summary(state.summary)) }))
    .on('GET', ALL_ACTIVITY, () => ({ status: 200, body: { targets: [activity(summary(state.summary))] } }))
    .on('GET', SPEC, { body: openApiSpec })
    .on('GET', START, () => ({ status: 200, body: state.history }))
    .on('GET', STATUS, (request) => {
      const id = STATUS.exec(request.path)![1]!;
      const body = state.statuses.get(id);
      return body
        ? { status: 200, body }
        : { status: 404, body: { code: 'deploy_not_found', message: `no deploy ${id}` } };
    });
  return { state, api };
}

/** The chain of focused elements through shadow roots, e.g. ["elb-app", "elb-docs-page", "elb-deploy-progress", "section"]. */
export async function focusPath(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const path: string[] = [];
    let element: Element | null = document.activeElement;
    while (element) {
      path.push(element.tagName.toLowerCase());
      element = element.shadowRoot?.activeElement ?? null;
    }
    return path;
  });
}

export async function waitForFocusIn(page: Page, tag: string): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  let path = await focusPath(page);
  while (!path.includes(tag) && Date.now() < deadline) {
    await page.waitForTimeout(50);
    path = await focusPath(page);
  }
  expect(path).toContain(tag);
  return path;
}

/**
 * The text a user sees inside an element, through shadow roots and slots (innerText stops at a shadow host):
 * hidden and visually-hidden parts and closed dialogs are left out.
 */
export async function shownText(page: Page, selector: string): Promise<string> {
  return page
    .locator(selector)
    .first()
    .evaluate((host) => {
      const walk = (node: Node): string => {
        if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
        if (!(node instanceof Element)) return '';
        if (['STYLE', 'SCRIPT', 'TEMPLATE'].includes(node.tagName)) return '';
        if (node.hasAttribute('hidden') || node.classList.contains('visually-hidden')) return '';
        if (getComputedStyle(node).display === 'none') return '';
        if (node instanceof HTMLSlotElement) return node.assignedNodes().map(walk).join('');
        const children = node.shadowRoot ? node.shadowRoot.childNodes : node.childNodes;
        const text = [...children].map(walk).join('');
        return getComputedStyle(node).display === 'inline' ? text : ` ${text} `;
      };
      return walk(host).replace(/\s+/g, ' ');
    });
}

export async function noHorizontalOverflow(page: Page): Promise<void> {
  const sizes = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(sizes.scroll, `page is ${sizes.scroll}px wide in a ${sizes.client}px viewport`).toBeLessThanOrEqual(
    sizes.client,
  );
}

/**
 * The page as it stands, at both widths: a screenshot `name` at the desktop width and `name-390` at 390 px, where
 * nothing may scroll sideways; then back at the desktop width, no axe violation.
 */
export async function checkDesktopAndPhone(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await page.setViewportSize({ width: 390, height: 844 });
  await noHorizontalOverflow(page);
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await expectAxeClean(page);
}

/** Milliseconds until `locator` is visible, polled every 50 ms. */
export async function msUntilVisible(page: Page, selector: Parameters<Page['getByText']>[0]): Promise<number> {
  const start = Date.now();
  await page.getByText(selector).first().waitFor({ state: 'visible', timeout: 10_000 });
  return Date.now() - start;
}
