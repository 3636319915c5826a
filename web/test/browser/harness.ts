// Browser-test plumbing: the dashboard built and served by `vite preview` on a free loopback port, Debian Chromium
// driven by playwright-core, axe-core, screenshots under test-results/web/, and a contract-fixture `/api`
// (answers in the shape of docs/contracts.md, routed inside the browser — not the real backend).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page, type Route } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, expect } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const webRoot = path.resolve(here, '../..');
const repoRoot = path.resolve(webRoot, '..');
export const SCREENSHOT_DIR = path.join(repoRoot, 'test-results', 'web');

/**
 * The dashboard built from the current sources (`vite build` into a temp dir, well under a second) and served by
 * `vite preview`: a page loads one bundle instead of Vite's dev server revalidating every source module, which
 * took seconds per page on a busy two-core machine. The build is the one `npm run build` ships.
 */
export async function startDashboard(): Promise<{ url: string; close: () => Promise<void> }> {
  const configFile = path.join(webRoot, 'vite.config.ts');
  const outDir = await mkdtemp(path.join(tmpdir(), 'elb-web-dist-'));
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    configFile,
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, strictPort: false, host: '127.0.0.1' },
    // The fixture answers /api inside the browser. A request that slips past it (one in flight while a page
    // closes) must never reach a real stack through the config's proxy (Vite merges `proxy: {}` with it rather
    // than replacing it): this middleware runs before Vite's own and answers every /api request itself.
    plugins: [
      {
        name: 'elb-test-no-backend',
        configurePreviewServer(server) {
          server.middlewares.use('/api', (_request, response) => {
            response.statusCode = 503;
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify({ code: 'no_backend_in_tests', message: 'Browser tests have no backend.' }));
          });
        },
      },
    ],
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('vite preview did not report a port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      await server.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  // A missing browser is a failure, not a skip: `npm test` installs Debian's chromium (scripts/ensure-tools.sh).
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: run 'npm test' (it installs it) or set CHROMIUM_PATH`);
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'elb-web-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One dashboard and one Chromium for the enclosing `describe` (registers its beforeAll/afterAll). `open` opens a
 * new page `width` px wide (phone height under 600 px) with `api` answering `/api`; `url` is the dashboard's origin.
 */
export function useDashboard(): {
  readonly url: string;
  open: (api: FixtureApi, path: string, width?: number) => Promise<Page>;
} {
  let dashboard: Awaited<ReturnType<typeof startDashboard>> | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    dashboard = await startDashboard();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await dashboard?.close();
  });

  const started = () => {
    if (!dashboard || !browser) throw new Error('useDashboard: not started yet (use it inside a test)');
    return { dashboard, browser };
  };

  return {
    get url() {
      return started().dashboard.url;
    },
    async open(api, path, width = 1280) {
      const { dashboard, browser } = started();
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      await api.attach(page);
      await page.goto(dashboard.url + path);
      return page;
    },
  };
}

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Runs axe-core on the whole page (it walks open shadow roots) and returns the violations, summarised. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    // Typed without DOM names so the end-to-end tests (Node-only tsconfig) can share this helper.
    const page = globalThis as unknown as {
      axe: { run: (context: unknown, options: object) => Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    // Every rule still runs; only violations are reported in full (axe skips building selectors for passes).
    const result = await page.axe.run(page.document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

export async function expectAxeClean(page: Page): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}

/** An answer; `delayMs` holds it back that long first (a slow route, e.g. a summary that probes a dead part). */
type Answer = { status: number; body: unknown; delayMs?: number };
type Handler = (request: RecordedRequest) => Answer | undefined;

/**
 * A contract fixture of the HTTP API: tests set what each route answers, and every request the page makes
 * is recorded. Unrouted `/api` paths answer 404 `{code: "not_found"}` like the server would.
 */
export class FixtureApi {
  readonly requests: RecordedRequest[] = [];
  private readonly handlers: { method: string; pattern: RegExp; handler: Handler }[] = [];

  on(method: string, pattern: RegExp, handler: Handler | { status?: number; body: unknown }): this {
    const fn: Handler =
      typeof handler === 'function' ? handler : () => ({ status: handler.status ?? 200, body: handler.body });
    // Later registrations win, so a test can change an answer mid-way.
    this.handlers.unshift({ method, pattern, handler: fn });
    return this;
  }

  count(method: string, pattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path)).length;
  }

  async attach(page: Page): Promise<void> {
    // Match on the path, not a glob: `**/api/**` would also catch the dashboard's own `/src/api/*.ts` modules.
    await page.route(
      (url) => url.pathname === '/api' || url.pathname.startsWith('/api/'),
      (route) => this.answer(route),
    );
  }

  private async answer(route: Route): Promise<void> {
    const request = route.request();
    const url = new URL(request.url());
    const postData = request.postData();
    const recorded: RecordedRequest = {
      method: request.method(),
      path: url.pathname,
      body: postData ? JSON.parse(postData) : null,
    };
    this.requests.push(recorded);
    for (const { method, pattern, handler } of this.handlers) {
      if (method !== recorded.method || !pattern.test(url.pathname)) continue;
      const answer = handler(recorded);
      if (answer) {
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        await route.fulfill({
          status: answer.status,
          contentType: 'application/json',
          body: JSON.stringify(answer.body),
        });
        return;
      }
    }
    await route.fulfill({
      status: 404,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'not_found', message: 'No such route.' }),
    });
  }
}
