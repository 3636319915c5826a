// The generated OpenAPI document on its own (no app loaded): every reference resolves, the request body is closed
// to unknown fields while answers stay open, and each route of the table is there with its role. That it matches
// the functions the app registers is functions/test/api-document.e2e.test.ts.
import { describe, expect, it } from 'vitest';
import { apiDocument } from '../api-spec';
import { ROUTES } from '../contract/routes';

function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') found.push(v);
      else refs(v, found);
    }
  }
  return found;
}

describe('the generated OpenAPI document', () => {
  const doc = apiDocument();
  const schemas = doc.components.schemas as Record<string, Record<string, unknown>>;

  it('resolves every $ref to a component schema', () => {
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(20);
    for (const ref of all) expect(Object.keys(schemas)).toContain(ref.replace('#/components/schemas/', ''));
  });

  it('lists each route of the table with its methods and roles, and a 401/403 answer', () => {
    for (const spec of Object.values(ROUTES)) {
      const item = doc.paths[`/${spec.route}`] as Record<string, { 'x-required-role': string; responses: object }>;
      for (const [method, op] of Object.entries(spec.operations)) {
        expect(item[method.toLowerCase()]?.['x-required-role']).toBe(op.role);
        expect(Object.keys(item[method.toLowerCase()]!.responses)).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });

  it('closes the deploy body to unknown fields and leaves answers open to new ones', () => {
    expect(schemas['DeployRequest']).toMatchObject({ additionalProperties: false });
    expect(schemas['TargetSummary']).not.toHaveProperty('additionalProperties');
    expect(schemas['TargetSummary']!['required']).toEqual(expect.arrayContaining(['target', 'change_token']));
    // Omittable on the wire: the server may leave it out, the dashboard then reads null.
    const props = schemas['TargetSummary']!['properties'] as Record<string, { required?: string[] }>;
    expect(props['service']!.required).toContain('installed');
    expect(props['service']!.required).not.toContain('error_code');
  });

  it('describes the older clients\' fields on the seed routes (docs/api.md "Seed-compatible calls")', () => {
    const body = schemas['DeployRequest']!['properties'] as Record<string, unknown>;
    for (const field of ['cluster_name', 'resource_group', 'subscription_id', 'acr_name', 'confirm_recreate'])
      expect(body).toHaveProperty(field);
    const query = (path: string) =>
      ((doc.paths[path] as { get: { parameters: { name: string; in: string }[] } }).get.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
    expect(query('/monitor/aks/service-ip')).toEqual(
      expect.arrayContaining(['service_name', 'target', 'cluster_name', 'resource_group', 'subscription_id']),
    );
    expect(query('/monitor/acr')).toEqual(
      expect.arrayContaining(['target', 'cluster_name', 'registry_name', 'resource_group', 'subscription_id']),
    );
  });
});
