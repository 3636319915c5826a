import { describe, expect, it } from 'vitest';
import {
  ApiContractError,
  parseDeploymentList,
  parseDeployStatus,
  parseOpenApiOperations,
  parseSummary,
} from '../src/api/parse.js';
import {
  deployBrief,
  DIGEST_BROKEN,
  DIGEST_NEW,
  failedDigest,
  historyRow,
  openApiSpec,
  rolledBackStatus,
  status,
  summary,
} from './fixtures.js';

describe('boundary parsing', () => {
  it('reads the contract summary', () => {
    const parsed = parseSummary(summary({ registryDigest: DIGEST_NEW }));
    expect(parsed.pinned_tag).toBe('3.4');
    expect(parsed.update_available).toBe(true);
    expect(parsed.service.base_url).toBe('http://127.0.0.2:8080');
    expect(parsed.deployed?.tag).toBe('3.4');
  });

  it("reads issue 12's summary fields, and names a missing one instead of guessing", () => {
    const parsed = parseSummary(
      summary({
        registryDigest: DIGEST_BROKEN,
        failedDigests: [failedDigest()],
        lastDeploy: deployBrief({ deploy_id: 'auto-1', reason: 'auto', requester: 'event-grid' }),
        dependencies: [{ part: 'exec', code: 'exec_unavailable', message: 'down', hint: 'run it' }],
        serviceError: { error: 'cluster_unavailable', error_code: 'cluster_unavailable' },
      }),
    );
    expect(parsed.last_deploy).toMatchObject({ deploy_id: 'auto-1', reason: 'auto', requester: 'event-grid' });
    expect(parsed.registry_digest_failed).toMatchObject({ digest: DIGEST_BROKEN, outcome: 'rolled_back' });
    expect(parsed.failed_digests).toHaveLength(1);
    expect(parsed.dependencies).toEqual([{ part: 'exec', code: 'exec_unavailable', message: 'down', hint: 'run it' }]);
    expect(parsed.service.error_code).toBe('cluster_unavailable');
    expect(parsed.change_token).toEqual(expect.any(String));

    // The dashboard and the API ship from one commit (docs/contracts.md): a field the server must send and did
    // not is a contract break, named, not read as "none".
    for (const key of ['last_deploy', 'failed_digests', 'registry_digest_failed', 'dependencies', 'change_token']) {
      const older: Record<string, unknown> = { ...summary() };
      delete older[key];
      expect(() => parseSummary(older)).toThrow(`target summary.${key}: is missing`);
    }
    // What is there is checked, and the message names the field.
    expect(() => parseSummary({ ...summary(), dependencies: [{ code: 'exec_unavailable' }] })).toThrow(
      'target summary.dependencies[0].part: is missing',
    );
    expect(() => parseSummary({ ...summary(), dependencies: 'exec' })).toThrow(
      'target summary.dependencies: must be an array',
    );
    expect(() => parseSummary({ ...summary(), last_deploy: { status: 'failed' } })).toThrow(/last_deploy.deploy_id/);
  });

  it('rejects answers that break the contract with a machine-readable code', () => {
    expect(() => parseSummary({ target: 'x' })).toThrow(ApiContractError);
    try {
      parseDeployStatus({ runtime_status: 'Running' });
    } catch (error) {
      expect((error as ApiContractError).code).toBe('bad_response');
      expect((error as Error).message).toMatch(/instance_id/);
    }
    const running = status({ runtime: 'Running', phase: 'applying_manifests', createdMs: 0 });
    const weird = { name: 'applying_manifests', status: 'weird', startedAt: null, endedAt: null, detail: '' };
    expect(() =>
      parseDeployStatus({ ...running, custom_status: { ...running.custom_status, timeline: [weird] } }),
    ).toThrow(
      'deploy status.custom_status.timeline[0].status: must be one of: pending, running, done, skipped, failed',
    );
  });

  it('drops a field it does not know (a newer server), and refuses a value outside the contract', () => {
    const newer = { ...summary(), added_later: { any: 'thing' }, service: { ...summary().service, extra: 1 } };
    const parsed = parseSummary(newer);
    expect(parsed).not.toHaveProperty('added_later');
    expect(parsed.service).not.toHaveProperty('extra');
    expect(parsed.target).toBe('local');
    // Hostile keys are not copied onto the parsed object either.
    const hostile = JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"x": 1}}`) as object;
    const withHostile = parseSummary({ ...summary(), ...hostile });
    expect((withHostile as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const created = Date.parse('2026-05-15T10:00:00Z');
    const mystery = rolledBackStatus(created);
    expect(() => parseDeployStatus({ ...mystery, output: { ...mystery.output, status: 'mystery' } })).toThrow(
      'deploy status.output.status: must be one of: succeeded, failed, rolled_back, cancelled',
    );
  });

  it('reads a finished status with error, diagnostics, rollback and cancel flag', () => {
    const created = Date.parse('2026-05-15T10:00:00Z');
    const parsed = parseDeployStatus(rolledBackStatus(created));
    expect(parsed.output?.status).toBe('rolled_back');
    expect(parsed.output?.error?.code).toBe('image_pull_failed');
    expect(parsed.output?.previous_image).toMatch(/@sha256:1111/);
    expect(parsed.output?.elapsed_seconds).toBe(41);
    expect(parsed.timeline.find((t) => t.status === 'failed')?.name).toBe('waiting_for_rollout');
    expect(parsed.cancel_requested).toBe(false);
  });

  it('reads history rows as the server stores them', () => {
    const rows = parseDeploymentList([
      historyRow({
        id: 'd2',
        status: 'rolled_back',
        startMs: Date.parse('2026-05-15T10:00:00Z'),
        phaseSeconds: { resolving_image: 0.4, applying_manifests: 2, waiting_for_rollout: 30, rolling_back: 8 },
      }),
      { ...historyRow({ id: 'd1', status: 'succeeded', startMs: 0, phaseSeconds: {} }), elapsed_seconds: 12 },
    ]);
    expect(rows.map((r) => [r.instance_id, r.status])).toEqual([
      ['d2', 'rolled_back'],
      ['d1', 'succeeded'],
    ]);
    expect(rows[0]!.started_at).toBe('2026-05-15T10:00:00.000Z');
    expect(rows[0]!.digest).toBe(DIGEST_NEW);
    expect(rows[0]!.phases.map((p) => [p.name, p.durationMs])).toEqual([
      ['resolving_image', 400],
      ['applying_manifests', 2000],
      ['waiting_for_rollout', 30000],
      ['rolling_back', 8000],
    ]);
    expect(rows[0]!.rollback_status).toBe('succeeded');
    expect(rows[0]!.error?.code).toBe('image_pull_failed');
    expect(rows[1]!.elapsed_seconds).toBe(12);
    expect(() => parseDeploymentList({ items: 'nope' })).toThrow(ApiContractError);
    expect(() => parseDeploymentList([{ status: 'failed' }])).toThrow(
      'the deployment history[0].deploy_id: is missing',
    );
  });

  it('flattens an OpenAPI document into operations', () => {
    const spec = parseOpenApiOperations(openApiSpec);
    expect(spec.version).toBe('3.4.0');
    expect(spec.operations).toHaveLength(7);
    expect(spec.operations.find((o) => o.method === 'DELETE')?.path).toBe('/v1/jobs/{id}');
  });
});
