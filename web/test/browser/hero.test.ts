// The /docs hero in Chromium against contract fixtures: the version pill, the exposure and scheme chips, and the
// Swagger UI link only where the browser can reach the address (docs/dashboard.md "Is the service reachable from
// the browser"). The page is served from 127.0.0.1, a loopback page: a private address is not linked from it.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApiSpec, summary } from '../fixtures.js';
import { expectAxeClean, FixtureApi, screenshot, useDashboard } from './harness.js';

const WAIT = { timeout: 30_000 };
const TARGETS = /^\/api\/targets$/;
const SUMMARY = /^\/api\/targets\/local\/openapi$/;
const SPEC = /^\/api\/targets\/local\/openapi\/spec$/;

interface Variant {
  name: string;
  summary: ReturnType<typeof summary>;
  specVersion: string;
  pill: string | null;
  chips: string[];
  swagger: string | null;
  /** Text of the note that says why there is no Swagger UI link. */
  note: RegExp | null;
  line: string | null;
}

const VARIANTS: Variant[] = [
  {
    name: 'public-https',
    summary: summary({
      service: {
        external_ip: '20.50.60.70',
        base_url: 'https://20.50.60.70',
        swagger_url: 'https://20.50.60.70/docs',
        exposure: 'public',
        address_range: 'public',
        scheme: 'https',
      },
    }),
    // The live spec's version wins over the one the last deploy recorded (3.4.0).
    specVersion: '3.4.1',
    pill: 'v3.4.1 · image 3.4',
    chips: ['Public LB', 'HTTPS'],
    swagger: 'https://20.50.60.70/docs',
    note: null,
    line: null,
  },
  {
    name: 'internal-lb',
    summary: summary({
      service: {
        external_ip: '10.240.0.7',
        base_url: 'http://10.240.0.7',
        swagger_url: 'http://10.240.0.7/docs',
        exposure: 'internal',
        address_range: 'private',
        scheme: 'http',
      },
    }),
    specVersion: '3.4.0',
    pill: 'v3.4.0 · image 3.4',
    chips: ['Internal LB', 'HTTP'],
    swagger: null,
    note: /10\.240\.0\.7 is a private address .* Use elb-control as the proxy/,
    line: null,
  },
  {
    name: 'loopback',
    summary: summary(),
    specVersion: '3.4.0',
    pill: 'v3.4.0 · image 3.4',
    chips: ['Local (loopback)', 'HTTP'],
    swagger: 'http://127.0.0.2:8080/docs',
    note: null,
    line: null,
  },
  {
    name: 'no-service',
    summary: summary({ installed: false }),
    specVersion: '3.4.0',
    pill: null,
    chips: [],
    swagger: null,
    note: null,
    line: 'The service is not installed on this target.',
  },
];

/** Tab from the top of the page until `link` has focus (keyboard only); false if 40 presses do not reach it. */
async function tabTo(page: Page, name: RegExp): Promise<boolean> {
  const link = page.locator('elb-service-hero').getByRole('link', { name });
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    if (await link.evaluate((a) => a.matches(':focus-visible'))) return true;
  }
  return false;
}

describe('the /docs hero (contract fixtures)', () => {
  const { open } = useDashboard();

  for (const variant of VARIANTS) {
    it(variant.name, async () => {
      const spec = { ...openApiSpec, info: { ...openApiSpec.info, version: variant.specVersion } };
      const api = new FixtureApi()
        .on('GET', TARGETS, { body: [variant.summary] })
        .on('GET', SUMMARY, { body: variant.summary })
        .on('GET', SPEC, { body: spec });
      const page = await open(api, '/docs');
      const hero = page.locator('elb-service-hero');
      await hero.getByRole('heading', { name: 'elb-openapi API' }).waitFor(WAIT);
      if (variant.summary.service.installed) {
        // The pill waits for the live spec.
        await page.getByRole('heading', { name: 'Endpoints' }).waitFor(WAIT);
        await hero.locator('#version-pill', { hasText: variant.pill! }).waitFor(WAIT);
      }

      await expect(hero.locator('#version-pill').count()).resolves.toBe(variant.pill ? 1 : 0);
      if (variant.pill) {
        const said = await hero.locator('#version-pill').textContent();
        expect(said?.replace(/\s+/g, ' ').trim()).toBe(`Version ${variant.pill}`);
      }
      const chips = hero.getByRole('list', { name: 'How the service is reached' }).getByRole('listitem');
      await expect(chips.allInnerTexts()).resolves.toEqual(variant.chips);

      const swagger = hero.getByRole('link', { name: /Open Swagger UI/ });
      await expect(swagger.count()).resolves.toBe(variant.swagger ? 1 : 0);
      if (variant.swagger) {
        await expect(swagger.getAttribute('href')).resolves.toBe(variant.swagger);
        expect(await tabTo(page, /Open Swagger UI/)).toBe(true);
      }
      const note = hero.locator('#reach-note');
      await expect(note.count()).resolves.toBe(variant.note ? 1 : 0);
      if (variant.note) {
        await expect(note.innerText()).resolves.toMatch(variant.note);
        // The proxy-backed spec instead of the unreachable Swagger UI, reachable from the keyboard.
        const specLink = hero.getByRole('link', { name: /OpenAPI document/ });
        await expect(specLink.getAttribute('href')).resolves.toBe('/api/targets/local/openapi/spec');
        expect(await tabTo(page, /OpenAPI document/)).toBe(true);
      }
      if (variant.line) await expect(hero.locator('#service-line').innerText()).resolves.toBe(variant.line);

      // Desktop, then a 390 px phone (the same page, resized: the tab order does not depend on the width).
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
        // Nothing in the hero is wider than the screen.
        await expect(hero.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).resolves.toBe(true);
        await screenshot(page, `hero-${variant.name}-${width}`);
        await expectAxeClean(page);
      }
      await page.close();
    });
  }
});
