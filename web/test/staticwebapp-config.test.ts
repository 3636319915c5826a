// The production sign-in and route rules (Azure Static Web Apps reads web/dist/staticwebapp.config.json, which Vite
// copies from web/public). The Function app checks roles itself too; these rules keep anonymous and wrong-role
// callers from reaching it at all.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

interface Route {
  route: string;
  methods?: string[];
  allowedRoles?: string[];
  statusCode?: number;
}

const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public/staticwebapp.config.json');
const config = JSON.parse(readFileSync(file, 'utf8')) as {
  routes: Route[];
  navigationFallback: { rewrite: string; exclude: string[] };
  responseOverrides: Record<string, { redirect?: string }>;
  globalHeaders: Record<string, string>;
};

/** Static Web Apps applies the first rule whose route (and methods, if given) match. */
function ruleFor(url: string, method: string): Route | undefined {
  return config.routes.find((rule) => {
    const matches = rule.route.endsWith('/*')
      ? url.startsWith(rule.route.slice(0, -1)) || url === rule.route.slice(0, -2)
      : url === rule.route;
    return matches && (!rule.methods || rule.methods.includes(method));
  });
}

describe('staticwebapp.config.json', () => {
  it('lets only deployers change anything through the API', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(ruleFor('/api/aks/openapi/deploy', method)?.allowedRoles).toEqual(['deployer']);
    }
  });

  it('lets readers and deployers read the API, and nobody anonymous', () => {
    const rule = ruleFor('/api/targets/local/openapi', 'GET');
    expect(rule?.allowedRoles).toEqual(['reader', 'deployer']);
  });

  it('needs a signed-in user for every page, and sends others to the Entra ID sign-in', () => {
    for (const page of ['/', '/docs', '/history', '/index.html', '/assets/index.js']) {
      expect(ruleFor(page, 'GET')?.allowedRoles).toEqual(['authenticated']);
    }
    expect(config.responseOverrides['401']?.redirect).toMatch(/^\/\.auth\/login\/aad\b/);
  });

  it('offers no sign-in provider but Entra ID', () => {
    expect(ruleFor('/.auth/login/github', 'GET')?.statusCode).toBe(404);
    expect(ruleFor('/.auth/login/twitter', 'GET')?.statusCode).toBe(404);
    const anonymous = config.routes.filter((r) => r.allowedRoles?.includes('anonymous')).map((r) => r.route);
    expect(anonymous.sort()).toEqual(['/.auth/login/aad', '/.auth/logout']);
  });

  it('serves the app for its own paths but never rewrites API or asset misses to it', () => {
    expect(config.navigationFallback.rewrite).toBe('/index.html');
    expect(config.navigationFallback.exclude).toEqual(expect.arrayContaining(['/api/*', '/assets/*']));
  });

  it('sends a restrictive content security policy', () => {
    const csp = config.globalHeaders['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  });
});
