import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { selectTarget } from './targets';

describe('loadConfig', () => {
  it('defaults to the local sim target and local registry', () => {
    const c = loadConfig({});
    expect(c.targets).toEqual([
      expect.objectContaining({
        name: 'local',
        kind: 'kubeconfig',
        kubeconfig: '.local/sim/kubeconfig',
        context: 'elb-sim',
        servicePort: 8080,
      }),
    ]);
    expect(c.image).toEqual({ registry: '127.0.0.1:5001', repository: 'elb-openapi' });
    expect(c.pinnedTag).toBe('3.4');
    expect(c.registryEndpoint).toBe('http://127.0.0.1:5001');
    expect(c.authMode).toBe('platform');
    expect(c.taskHub).toBe('elbcontrol');
  });

  it('reads ELB_DEPENDENCY_RETRY_SECONDS (default 30, 0–600) into the timings, and marks a local run by ELB_LOCAL_DIR', () => {
    expect(loadConfig({}).timings.dependencyRetrySeconds).toBe(30);
    expect(loadConfig({ ELB_DEPENDENCY_RETRY_SECONDS: '5' }).timings.dependencyRetrySeconds).toBe(5);
    expect(() => loadConfig({ ELB_DEPENDENCY_RETRY_SECONDS: '601' })).toThrow(/ELB_DEPENDENCY_RETRY_SECONDS/);
    expect(() => loadConfig({ ELB_DEPENDENCY_RETRY_SECONDS: 'soon' })).toThrow(/ELB_DEPENDENCY_RETRY_SECONDS/);
    expect(loadConfig({}).localRun).toBe(false);
    expect(loadConfig({ ELB_LOCAL_DIR: '/tmp/x' }).localRun).toBe(true);
  });

  it('follows ELB_LOCAL_DIR for the default kubeconfig', () => {
    expect(loadConfig({ ELB_LOCAL_DIR: '/tmp/x/' }).targets[0]).toMatchObject({ kubeconfig: '/tmp/x/sim/kubeconfig' });
  });

  it('uses https for a real registry unless an endpoint is configured', () => {
    const c = loadConfig({ ELB_OPENAPI_IMAGE: 'elbacr01.azurecr.io/elb-openapi' });
    expect(c.registryEndpoint).toBe('https://elbacr01.azurecr.io');
  });

  it('reads targets from the file content when ELB_TARGETS_FILE is set', () => {
    const c = loadConfig(
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
    [{ ELB_POLL_INTERVAL_SECONDS: '-1' }, 'invalid_settings'],
    [{ ELB_WATCH_SECONDS: 'x' }, 'invalid_settings'],
    [{ ELB_OPENAPI_IMAGE: 'no-host' }, 'invalid_image'],
    [{ TERMINAL_EXEC_UPSTREAM: 'ftp://x' }, 'invalid_settings'],
  ])('rejects %j with %s', (env, code) => {
    expect(() => loadConfig(env)).toThrow(expect.objectContaining({ code }));
  });
});

describe('selectTarget', () => {
  const two = loadConfig({
    ELB_TARGETS:
      '[{"name":"a","kind":"kubeconfig","kubeconfig":"k"},{"name":"b","kind":"kubeconfig","kubeconfig":"k"}]',
  }).targets;
  it('lets a request name no target when exactly one exists', () => {
    expect(selectTarget(loadConfig({}).targets, undefined).name).toBe('local');
  });
  it('requires a name among several, and 404s unknown names', () => {
    expect(() => selectTarget(two, null)).toThrow(expect.objectContaining({ code: 'target_required', status: 400 }));
    expect(() => selectTarget(two, 'c')).toThrow(expect.objectContaining({ code: 'unknown_target', status: 404 }));
    expect(() => selectTarget(two, 'B!')).toThrow(expect.objectContaining({ code: 'invalid_target', status: 400 }));
    expect(selectTarget(two, 'b').name).toBe('b');
  });
});
