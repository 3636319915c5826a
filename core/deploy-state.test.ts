// Single-flight lease, auto-update decisions, status shaping and the workload-identity commands.
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DeployStatus } from './contract/deploy';
import { isInstanceNotFound, shapeStatus } from './status';
import type { DeployOutput } from './deploy-model';
import {
  decidePush,
  emptyTargetState,
  failedDigestEntry,
  failedDigestsOf,
  leaseIsHeld,
  MAX_FAILED_DIGESTS,
  needsFollowUp,
  withFailedDigest,
  withoutFailedDigest,
} from './target-state';
import { parseTarget } from './targets';
import {
  createRoleStep,
  identitySteps,
  listRoleStep,
  parseClusterFacts,
  parseIdentity,
  requiredRoles,
  showClusterStep,
} from './workload-identity';

const D1 = 'sha256:' + '1'.repeat(64);
const D2 = 'sha256:' + '2'.repeat(64);

describe('single-flight lease', () => {
  const s = { ...emptyTargetState('local'), activeInstanceId: 'x', activeSince: '2026-01-01T00:00:00.000Z' };
  it('is held by a running instance, released by a finished one', () => {
    expect(leaseIsHeld(s, 'running', Date.parse('2026-01-02T00:00:00Z'))).toBe(true);
    expect(leaseIsHeld(s, 'finished', Date.parse('2026-01-01T00:00:01Z'))).toBe(false);
    expect(leaseIsHeld(emptyTargetState('local'), 'running', 0)).toBe(false);
  });
  it('counts an instance Durable does not know yet only within the start grace period', () => {
    expect(leaseIsHeld(s, 'unknown', Date.parse('2026-01-01T00:00:30Z'))).toBe(true);
    expect(leaseIsHeld(s, 'unknown', Date.parse('2026-01-01T00:05:00Z'))).toBe(false);
  });
});

describe('decidePush', () => {
  const base = { ...emptyTargetState('local'), deployedDigest: D1 };
  const push = { repository: 'elb-openapi', tag: '3.4', digest: D2 };
  it('starts an auto deploy for a new digest of the desired tag', () => {
    expect(decidePush(base, '3.4', push, false)).toEqual({ action: 'start' });
  });
  it('queues behind a running deploy', () => {
    expect(decidePush(base, '3.4', push, true)).toEqual({ action: 'queue' });
  });
  it('ignores other tags, the deployed digest, and a digest already handled (redelivery)', () => {
    expect(decidePush(base, '3.4', { ...push, tag: '3.3' }, false)).toMatchObject({ reason: 'tag_not_desired' });
    expect(decidePush({ ...base, desiredTagOverride: '3.3' }, '3.4', push, false)).toMatchObject({
      reason: 'tag_not_desired',
    });
    expect(decidePush(base, '3.4', { ...push, digest: D1 }, false)).toMatchObject({ reason: 'already_deployed' });
    expect(decidePush({ ...base, lastAutoDigest: D2 }, '3.4', push, false)).toMatchObject({ reason: 'duplicate' });
  });
  it('follows up only when the queued digest is not what got deployed', () => {
    expect(needsFollowUp({ ...base, pendingPushDigest: D2 })).toBe(true);
    expect(needsFollowUp({ ...base, pendingPushDigest: D1 })).toBe(false);
    expect(needsFollowUp(base)).toBe(false);
  });
});

describe('failed digests', () => {
  const entry = (digest: string, at = '2026-01-01T12:03:00.000Z') => ({
    digest,
    tag: '3.4',
    deploy_id: `local-${digest.slice(7, 11)}`,
    failed_at: at,
    outcome: 'rolled_back' as const,
    code: 'crash_loop',
    message: 'pod elb-openapi-x: CrashLoopBackOff\nsecond line',
  });
  const output = (patch: Partial<DeployOutput>): DeployOutput =>
    ({
      status: 'rolled_back',
      deploy_id: 'local-1',
      finished_at: '2026-01-01T12:03:00.000Z',
      openapi_deploy: { digest: D2, tag: '3.4' },
      error: { code: 'crash_loop', message: 'crashing' },
      cluster_state: 'restored to x',
      ...patch,
    }) as DeployOutput;

  it('an auto push of a digest that failed is ignored, a new digest for the tag starts', () => {
    const s = withFailedDigest({ ...emptyTargetState('local'), deployedDigest: D1 }, entry(D2));
    const push = { repository: 'elb-openapi', tag: '3.4', digest: D2 };
    expect(decidePush(s, '3.4', push, false)).toEqual({ action: 'ignore', reason: 'failed_before' });
    const D3 = 'sha256:' + '3'.repeat(64);
    expect(decidePush(s, '3.4', { ...push, digest: D3 }, false)).toEqual({ action: 'start' });
  });
  it('a queued push of a failed digest gets no follow-up deploy', () => {
    const s = withFailedDigest({ ...emptyTargetState('local'), deployedDigest: D1, pendingPushDigest: D2 }, entry(D2));
    expect(needsFollowUp(s)).toBe(false);
  });
  it('keeps one line per digest, newest first, at most ten; a success clears the mark', () => {
    let s = emptyTargetState('local');
    for (let i = 0; i < 12; i++) s = withFailedDigest(s, entry('sha256:' + String(i % 10).repeat(64)));
    s = withFailedDigest(s, entry(D2, '2026-01-02T00:00:00.000Z'));
    const list = failedDigestsOf(s);
    expect(list).toHaveLength(MAX_FAILED_DIGESTS);
    expect(list[0]).toMatchObject({ digest: D2, message: 'pod elb-openapi-x: CrashLoopBackOff' });
    expect(new Set(list.map((e) => e.digest)).size).toBe(list.length);
    const cleared = withoutFailedDigest(s, D2);
    expect(failedDigestsOf(cleared).some((e) => e.digest === D2)).toBe(false);
    expect(withoutFailedDigest(emptyTargetState('local'), D2).failedDigests).toBeNull();
  });
  it('a broken stored list reads as empty rather than failing the summary', () => {
    expect(failedDigestsOf({ ...emptyTargetState('local'), failedDigests: '{not json' })).toEqual([]);
  });
  it('marks a failure or rollback that reached the cluster, not a cancel, a dependency outage or an untouched cluster', () => {
    expect(failedDigestEntry(output({}))).toMatchObject({ digest: D2, outcome: 'rolled_back', code: 'crash_loop' });
    expect(failedDigestEntry(output({ status: 'failed', cluster_state: 'left as applied (x)' }))).not.toBeNull();
    expect(failedDigestEntry(output({ status: 'cancelled' }))).toBeNull();
    expect(failedDigestEntry(output({ status: 'succeeded', error: null }))).toBeNull();
    expect(failedDigestEntry(output({ error: { code: 'exec_unavailable', message: 'down' } }))).toBeNull();
    expect(failedDigestEntry(output({ error: { code: 'cluster_unavailable', message: 'down' } }))).toBeNull();
    expect(failedDigestEntry(output({ status: 'failed', cluster_state: 'unchanged: nothing was applied' }))).toBeNull();
  });
});

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

describe('workload identity commands', () => {
  const t = parseTarget(
    {
      name: 'prod',
      kind: 'aks',
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-elb',
      clusterName: 'elb-aks',
      namespace: 'blast',
      roleAssignments: [
        {
          role: 'Storage Blob Data Contributor',
          scope:
            '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.Storage/storageAccounts/elbsa',
        },
      ],
    },
    0,
  );
  if (t.kind !== 'aks') throw new Error('aks expected');
  it('builds exact, idempotent az commands', () => {
    expect(showClusterStep(t).argv).toEqual([
      'az',
      'aks',
      'show',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--name',
      'elb-aks',
      '--query',
      '{location: location, issuer: oidcIssuerProfile.issuerUrl, workloadIdentity: securityProfile.workloadIdentity.enabled}',
      '--output',
      'json',
      '--only-show-errors',
    ]);
    const [identity, fic] = identitySteps(t, { location: 'westeurope', issuer: 'https://oidc.example/abc/' });
    expect(identity!.argv).toEqual([
      'az',
      'identity',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--name',
      expect.stringMatching(/^id-elb-openapi-[0-9a-f]{10}$/),
      '--location',
      'westeurope',
      '--tags',
      'managedBy=elb-control',
      '--output',
      'json',
      '--only-show-errors',
    ]);
    expect(fic!.argv).toEqual([
      'az',
      'identity',
      'federated-credential',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--resource-group',
      'rg-elb',
      '--identity-name',
      identity!.argv[8],
      '--name',
      'fc-elb-openapi',
      '--issuer',
      'https://oidc.example/abc/',
      '--subject',
      'system:serviceaccount:blast:elb-openapi',
      '--audiences',
      'api://AzureADTokenExchange',
      '--output',
      'none',
      '--only-show-errors',
    ]);
    const roles = requiredRoles(t);
    expect(roles.map((r) => r.role)).toEqual([
      'Azure Kubernetes Service Cluster User Role',
      'Storage Blob Data Contributor',
    ]);
    expect(listRoleStep(t, 'pid', roles[1]!).argv).toEqual([
      'az',
      'role',
      'assignment',
      'list',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--assignee',
      'pid',
      '--role',
      'Storage Blob Data Contributor',
      '--scope',
      roles[1]!.scope,
      '--output',
      'json',
      '--only-show-errors',
    ]);
    expect(createRoleStep(t, 'pid', roles[0]!).argv).toEqual([
      'az',
      'role',
      'assignment',
      'create',
      '--subscription',
      '00000000-0000-0000-0000-000000000001',
      '--assignee-object-id',
      'pid',
      '--assignee-principal-type',
      'ServicePrincipal',
      '--role',
      'Azure Kubernetes Service Cluster User Role',
      '--scope',
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-elb/providers/Microsoft.ContainerService/managedClusters/elb-aks',
      '--output',
      'none',
      '--only-show-errors',
    ]);
  });
  it('names the identity per cluster', () => {
    const other = { ...t, clusterName: 'elb-aks-2' };
    expect(identitySteps(other, { location: 'l', issuer: 'https://i' })[0]!.argv[8]).not.toBe(
      identitySteps(t, { location: 'l', issuer: 'https://i' })[0]!.argv[8],
    );
  });
  it('parses az answers and refuses a cluster without workload identity', () => {
    expect(
      parseClusterFacts('{"location":"westeurope","issuer":"https://oidc/x/","workloadIdentity":true}', t),
    ).toEqual({ location: 'westeurope', issuer: 'https://oidc/x/' });
    expect(() => parseClusterFacts('{"location":"westeurope","issuer":null,"workloadIdentity":null}', t)).toThrow(
      expect.objectContaining({ code: 'workload_identity_unsupported' }),
    );
    expect(parseIdentity('{"clientId":"c","principalId":"p","id":"/x"}')).toEqual({
      clientId: 'c',
      principalId: 'p',
      id: '/x',
    });
    expect(() => parseIdentity('not json')).toThrow(expect.objectContaining({ code: 'workload_identity_failed' }));
  });
});
