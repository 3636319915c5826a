// Durable's answers shaped into the deploy status the API returns, and the not-found test for an instance.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DeployStatus } from '../contract/deploy';
import { isInstanceNotFound, shapeStatus } from '../status';

describe('isInstanceNotFound', () => {
  it("tells durable-functions' unknown-instance error from every other failure", () => {
    // The messages as durable-functions 3 words them (DurableClient.getStatus and createGenericError).
    const notFound =
      'DurableClient error: Durable Functions extension replied with HTTP 404 response. This usually means we could ' +
      'not find any data associated with the instanceId provided: local-x.';
    expect(isInstanceNotFound(new Error(notFound))).toBe(true);
    expect(isInstanceNotFound(new Error('The operation failed with an unexpected status code: 500. Details: {}'))).toBe(
      false,
    );
    expect(isInstanceNotFound(new Error('connect ECONNREFUSED 127.0.0.1:4040'))).toBe(false);
    expect(isInstanceNotFound('HTTP 404')).toBe(false);
  });
});

describe('shapeStatus', () => {
  it('reports a long Pending deploy as stuck and fills a queued timeline', () => {
    const body = shapeStatus(
      {
        instanceId: 'i',
        runtimeStatus: 'Pending',
        input: { target: 'local', reason: 'install' },
        createdTime: '2026-01-01T00:00:00Z',
        lastUpdatedTime: '2026-01-01T00:00:00Z',
      },
      Date.parse('2026-01-01T00:02:00Z'),
      60,
    );
    expect(body).toMatchObject({ stuck: true, custom_status: { phase: 'queued', target: 'local' }, output: null });
    expect(body.stuck_reason).toMatch(/Pending for 120s/);
    expect(body.custom_status.timeline).toHaveLength(6);
  });

  it("answers within the contract when Durable hands back something else: a crash's text is no output", () => {
    const body = shapeStatus(
      {
        instanceId: 'i',
        runtimeStatus: 'Failed',
        input: { target: 'local', reason: 'update' },
        customStatus: { phase: 'applying_manifests', timeline: 'garbled' },
        output: "Orchestrator function 'deployOpenApi' failed: boom",
        createdTime: '2026-01-01T00:00:00Z',
        lastUpdatedTime: '2026-01-01T00:01:00Z',
      },
      Date.parse('2026-01-01T00:02:00Z'),
      60,
    );
    expect(body).toMatchObject({ output: null, custom_status: { phase: 'queued', target: 'local', reason: 'update' } });
    expect(z.safeParse(DeployStatus, JSON.parse(JSON.stringify(body))).success).toBe(true);
  });
});
