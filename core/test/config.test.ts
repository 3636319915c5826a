import { describe, expect, it } from 'vitest';
import { Env, loadConfig } from '../config';
import { selectTarget } from '../targets';

const REGISTRY_ID = '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/elbacr01';
/** The production default is the platform mode, which needs the registry id; the rules under test are others. */
const load = (env: Env, file?: string) => loadConfig({ ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ...env }, file);

describe('loadConfig', () => {
  it('defaults to the local sim target and local registry', () => {
    const c = load({});
    expect(c.targets).toEqual([
      expect.objectContaining({
        name: 'local',
        kind: 'kubeconfig',
        kubeconfig: '.local/sim/aks-kubeconfig',
        context: 'aks-elb-sim',
        servicePort: 8080,
      }),
    ]);
    expect(c.image).toEqual({ registry: '127.0.0.1:5001', repository: 'elb-openapi' });
    expect(c.pinnedTag).toBe('3.4');
    expect(c.registryEndpoint).toBe('http://127.0.0.1:5001');
    expect(c.authMode).toBe('platform');
    expect(c.taskHub).toBe('elbcontrol');
  });

  it('needs the registry id in the platform mode only, and reads the dashboard origins', () => {
    expect(() => loadConfig({})).toThrow(/ELB_REGISTRY_RESOURCE_ID is required/);
    expect(loadConfig({ ELB_AUTH_MODE: 'none' }).registryResourceId).toBeNull();
    expect(load({}).dashboardOrigins).toEqual([]);
    expect(load({ ELB_DASHBOARD_ORIGINS: 'http://127.0.0.1:5173, http://localhost:5173' }).dashboardOrigins).toEqual([
      'http://127.0.0.1:5173',
      'http://localhost:5173',
    ]);
  });

  it('reads ELB_DEPENDENCY_RETRY_SECONDS (default 30, 0–600) into the timings, and marks a local run by ELB_LOCAL_DIR', () => {
    expect(load({}).timings.dependencyRetrySeconds).toBe(30);
    expect(load({ ELB_DEPENDENCY_RETRY_SECONDS: '5' }).timings.dependencyRetrySeconds).toBe(5);
    expect(() => load({ ELB_DEPENDENCY_RETRY_SECONDS: '601' })).toThrow(/ELB_DEPENDENCY_RETRY_SECONDS/);
    expect(() => load({ ELB_DEPENDENCY_RETRY_SECONDS: 'soon' })).toThrow(/ELB_DEPENDENCY_RETRY_SECONDS/);
    expect(load({}).localRun).toBe(false);
    expect(load({ ELB_LOCAL_DIR: '/tmp/x' }).localRun).toBe(true);
  });

  it('follows ELB_LOCAL_DIR for the default kubeconfig: the sim AKS API server, declaring that cluster', () => {
    expect(load({ ELB_LOCAL_DIR: '/tmp/x/' }).targets[0]).toMatchObject({
      kubeconfig: '/tmp/x/sim/aks-kubeconfig',
      context: 'aks-elb-sim',
      seedCluster: { resourceGroup: 'elb-sim', clusterName: 'aks-elb-sim' },
    });
  });

  it('reads ELB_CLUSTER_START_TIMEOUT_SECONDS (default 900)', () => {
    expect(load({}).clusterStartTimeoutSeconds).toBe(900);
    expect(load({ ELB_CLUSTER_START_TIMEOUT_SECONDS: '60' }).clusterStartTimeoutSeconds).toBe(60);
    expect(() => load({ ELB_CLUSTER_START_TIMEOUT_SECONDS: '0' })).toThrow(/ELB_CLUSTER_START_TIMEOUT_SECONDS/);
  });

  it('uses https for a real registry unless an endpoint is configured', () => {
    const c = load({ ELB_OPENAPI_IMAGE: 'elbacr01.azurecr.io/elb-openapi' });
    expect(c.registryEndpoint).toBe('https://elbacr01.azurecr.io');
  });

  it('reads targets from the file content when ELB_TARGETS_FILE is set', () => {
    const c = load(
      { ELB_TARGETS_FILE: '/etc/targets.json' },
      JSON.stringify([
        { name: 'a', kind: 'kubeconfig', kubeconfig: 'k' },
        { name: 'b', kind: 'kubeconfig', kubeconfig: 'k' },
      ]),
    );
    expect(c.targets.map((t) => t.name)).toEqual(['a', 'b']);
    expect(c.targets[0]).toMatchObject({
      servicePort: 80,
      namespace: 'elb-openapi',
      rbac: { clusterRole: 'edit', scope: 'namespace' },
    });
  });

  it.each([
    [{ ELB_TARGETS: 'nope' }, 'invalid_targets'],
    [{ ELB_TARGETS: '[]' }, 'invalid_targets'],
    [{ ELB_TARGETS: '[{"name":"A","kind":"kubeconfig","kubeconfig":"k"}]' }, 'invalid_targets'],
    [{ ELB_TARGETS: '[{"name":"a","kind":"gke"}]' }, 'invalid_targets'],
    [
      { ELB_TARGETS: '[{"name":"a","kind":"aks","subscriptionId":"x","resourceGroup":"r","clusterName":"c"}]' },
      'invalid_targets',
    ],
    [
      {
        ELB_TARGETS:
          '[{"name":"a","kind":"kubeconfig","kubeconfig":"k"},{"name":"a","kind":"kubeconfig","kubeconfig":"k"}]',
      },
      'invalid_targets',
    ],
    [
      { ELB_TARGETS: '[{"name":"a","kind":"kubeconfig","kubeconfig":"k","env":{"ELB_OPENAPI_API_TOKEN":"x"}}]' },
      'invalid_targets',
    ],
    [{ ELB_OPENAPI_TAG: 'bad tag' }, 'invalid_settings'],
    [{ ELB_AUTH_MODE: 'open' }, 'invalid_settings'],
    [{ ELB_REGISTRY_RESOURCE_ID: '' }, 'invalid_settings'],
    [{ ELB_DASHBOARD_ORIGINS: 'http://127.0.0.1:5173/path' }, 'invalid_settings'],
    [{ ELB_DASHBOARD_ORIGINS: 'evil.example' }, 'invalid_settings'],
    [{ ELB_POLL_INTERVAL_SECONDS: '-1' }, 'invalid_settings'],
    [{ ELB_WATCH_SECONDS: 'x' }, 'invalid_settings'],
    [{ ELB_OPENAPI_IMAGE: 'no-host' }, 'invalid_image'],
    [{ TERMINAL_EXEC_UPSTREAM: 'ftp://x' }, 'invalid_settings'],
  ])('rejects %j with %s', (env, code) => {
    expect(() => load(env)).toThrow(expect.objectContaining({ code }));
  });
});

describe('target role assignments', () => {
  const SUB = '00000000-0000-0000-0000-000000000001';
  const storage = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/elbsa`;
  const cluster = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks`;
  const withGrant = (role: string, scope: string) =>
    load({
      ELB_TARGETS: JSON.stringify([
        {
          name: 'prod',
          kind: 'aks',
          subscriptionId: SUB,
          resourceGroup: 'rg',
          clusterName: 'aks',
          roleAssignments: [{ role, scope }],
        },
      ]),
    });
  it('accepts exactly the grants the production exec policy allows', () => {
    for (const [role, scope] of [
      ['Storage Blob Data Contributor', storage],
      ['ba92f5b4-2d11-453d-a403-e96b0029c9fe', storage],
      ['Azure Kubernetes Service Cluster User Role', cluster],
    ]) {
      expect(withGrant(role!, scope!).targets[0]).toMatchObject({ roleAssignments: [{ role, scope }] });
    }
  });
  it('refuses any other role or scope when the settings load', () => {
    for (const [role, scope] of [
      ['Owner', storage],
      ['Contributor', cluster],
      ['Storage Blob Data Contributor', `/subscriptions/${SUB}`],
      ['Storage Blob Data Contributor', `/subscriptions/${SUB}/resourceGroups/rg`],
      ['Storage Blob Data Contributor', cluster],
      ['Azure Kubernetes Service Cluster User Role', storage],
    ]) {
      expect(() => withGrant(role!, scope!), `${role} on ${scope}`).toThrow(/only Storage Blob Data Contributor/);
    }
  });
});

describe('selectTarget', () => {
  const two = load({
    ELB_TARGETS:
      '[{"name":"a","kind":"kubeconfig","kubeconfig":"k"},{"name":"b","kind":"kubeconfig","kubeconfig":"k"}]',
  }).targets;
  it('lets a request name no target when exactly one exists', () => {
    expect(selectTarget(load({}).targets, undefined).name).toBe('local');
  });
  it('requires a name among several, and 404s unknown names', () => {
    expect(() => selectTarget(two, null)).toThrow(expect.objectContaining({ code: 'target_required', status: 400 }));
    expect(() => selectTarget(two, 'c')).toThrow(expect.objectContaining({ code: 'unknown_target', status: 404 }));
    expect(() => selectTarget(two, 'B!')).toThrow(expect.objectContaining({ code: 'invalid_target', status: 400 }));
    expect(selectTarget(two, 'b').name).toBe('b');
  });
});
