// The older system's request fields (docs/api.md "Seed-compatible calls"): which configured target a cluster's
// Azure names select, how the registry names are checked, and every error code, with its clients' exact shapes.
import { describe, expect, it } from 'vitest';
import { parseDeployRequest, parseQuery } from '../requests';
import { AcrQuery } from '../contract/seed';
import { ServiceIpQuery } from '../contract/requests';
import { checkRegistry, clusterRef, configuredRegistry, selectSeedTarget } from '../seed-compat';
import { parseImageRepository } from '../image';
import { parseTargets, type Target } from '../targets';

const SUB = '11111111-2222-3333-4444-555555555555';
const OTHER_SUB = '99999999-2222-3333-4444-555555555555';

const targets: Target[] = parseTargets(
  JSON.stringify([
    { name: 'prod', kind: 'aks', subscriptionId: SUB, resourceGroup: 'rg-elb', clusterName: 'aks-elb' },
    {
      name: 'local',
      kind: 'kubeconfig',
      kubeconfig: '/k',
      seedCluster: { subscriptionId: SUB, resourceGroup: 'rg-dev', clusterName: 'aks-dev' },
    },
    { name: 'plain', kind: 'kubeconfig', kubeconfig: '/k2' },
  ]),
);

const cluster = (clusterName: string, resourceGroup: string | null, subscriptionId: string | null = null) => ({
  clusterName,
  resourceGroup,
  subscriptionId,
});
const err = (code: string, status: number, more: object = {}) =>
  expect.objectContaining({ code, status, ...more }) as unknown;

describe('selectSeedTarget', () => {
  it('selects the aks target with the named cluster, with or without the subscription, ignoring case', () => {
    expect(selectSeedTarget(targets, null, cluster('aks-elb', 'rg-elb')).name).toBe('prod');
    expect(selectSeedTarget(targets, null, cluster('aks-elb', 'rg-elb', SUB)).name).toBe('prod');
    expect(selectSeedTarget(targets, null, cluster('AKS-ELB', 'RG-ELB', SUB.toUpperCase())).name).toBe('prod');
  });

  it('selects a kubeconfig target by the cluster it declares (seedCluster)', () => {
    expect(selectSeedTarget(targets, null, cluster('aks-dev', 'rg-dev', SUB)).name).toBe('local');
  });

  it('answers 404 unknown_target listing the configured names for a cluster no target is', () => {
    for (const c of [
      cluster('aks-other', 'rg-elb'),
      cluster('aks-elb', 'rg-other'),
      cluster('aks-elb', 'rg-elb', OTHER_SUB),
      // The subscription must match too: a target is never chosen by part of its names and a wrong rest.
      cluster('aks-dev', 'rg-elb'),
    ]) {
      expect(() => selectSeedTarget(targets, null, c)).toThrow(
        err('unknown_target', 404, {
          details: { configured_targets: ['prod', 'local', 'plain'] },
          message: expect.stringContaining('configured targets: prod, local, plain') as unknown,
        }),
      );
    }
  });

  it('accepts a target together with the cluster fields only when they name the same target', () => {
    expect(selectSeedTarget(targets, 'prod', cluster('aks-elb', 'rg-elb', SUB)).name).toBe('prod');
    expect(() => selectSeedTarget(targets, 'local', cluster('aks-elb', 'rg-elb'))).toThrow(
      err('conflicting_target', 400, { details: { target: 'local' } }),
    );
    expect(() => selectSeedTarget(targets, 'plain', cluster('aks-nowhere', 'rg-elb'))).toThrow(
      err('conflicting_target', 400),
    );
    expect(() => selectSeedTarget(targets, 'nope', cluster('aks-elb', 'rg-elb'))).toThrow(err('unknown_target', 404));
    expect(() => selectSeedTarget(targets, 'Prod', cluster('aks-elb', 'rg-elb'))).toThrow(err('invalid_target', 400));
  });

  it('never looks a name up as an object key (prototype names are just unknown clusters)', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty']) {
      expect(() => selectSeedTarget(targets, null, cluster(name, 'rg-elb'))).toThrow(err('unknown_target', 404));
    }
    expect(() =>
      parseQuery(
        ServiceIpQuery,
        new URLSearchParams('service_name=elb-openapi&cluster_name=__proto__&resource_group=r'),
      ),
    ).toThrow(err('invalid_cluster_name', 400));
    expect(parseQuery(AcrQuery, new URLSearchParams('__proto__=x&constructor=y'))).toEqual({});
  });

  it('keeps the target rules when no cluster is named', () => {
    expect(selectSeedTarget(targets, 'plain', null).name).toBe('plain');
    expect(() => selectSeedTarget(targets, null, null)).toThrow(err('target_required', 400));
    expect(() => selectSeedTarget(targets, 'nope', null)).toThrow(
      err('unknown_target', 404, { details: { configured_targets: ['prod', 'local', 'plain'] } }),
    );
    expect(selectSeedTarget([targets[0]!], null, null).name).toBe('prod');
  });

  it('refuses to guess between two targets on one cluster (other namespaces)', () => {
    const twins = parseTargets(
      JSON.stringify([
        { name: 'blue', kind: 'aks', subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'aks' },
        { name: 'green', kind: 'aks', subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'aks', namespace: 'g' },
      ]),
    );
    expect(() => selectSeedTarget(twins, null, cluster('aks', 'rg', SUB))).toThrow(
      err('ambiguous_cluster', 400, { details: { matching_targets: ['blue', 'green'] } }),
    );
    expect(selectSeedTarget(twins, 'green', cluster('aks', 'rg', SUB)).name).toBe('green');
  });
});

describe('clusterRef', () => {
  it('needs cluster_name and resource_group together, like the older system', () => {
    expect(clusterRef({})).toBeNull();
    expect(clusterRef({ cluster_name: 'a', resource_group: 'r' })).toEqual(cluster('a', 'r'));
    expect(clusterRef({ cluster_name: 'a', resource_group: 'r', subscription_id: SUB })).toEqual(
      cluster('a', 'r', SUB),
    );
    for (const fields of [{ cluster_name: 'a' }, { resource_group: 'r' }, { subscription_id: SUB }]) {
      expect(() => clusterRef(fields)).toThrow(err('missing_parameters', 400));
    }
  });
});

describe('the deploy body of the older clients', () => {
  const oldBody = { subscription_id: SUB, resource_group: 'rg-elb', cluster_name: 'aks-elb', acr_name: 'elbacr01' };

  it('is accepted and read as a cluster and a registry name', () => {
    expect(parseDeployRequest(JSON.stringify(oldBody))).toEqual({
      target: null,
      tag: null,
      digest: null,
      reason: null,
      cluster: cluster('aks-elb', 'rg-elb', SUB),
      acrName: 'elbacr01',
      acrResourceGroup: null,
      overrideWindow: null,
      ignoredFields: [],
    });
  });

  it('names the accepted fields that do nothing here', () => {
    const full = {
      ...oldBody,
      acr_resource_group: 'rg-acr',
      storage_account: 'elbstorage01',
      storage_resource_group: 'rg-st',
      confirm_recreate: false,
    };
    expect(parseDeployRequest(JSON.stringify(full))).toMatchObject({
      acrResourceGroup: 'rg-acr',
      ignoredFields: ['storage_account', 'storage_resource_group', 'confirm_recreate'],
    });
    // A form that sends every field: '' is "not given" for the old fields as for the new.
    expect(parseDeployRequest(JSON.stringify({ ...oldBody, storage_account: '', subscription_id: '' }))).toMatchObject({
      cluster: cluster('aks-elb', 'rg-elb'),
      ignoredFields: [],
    });
  });

  it.each([
    [{ ...oldBody, cluster_name: 'aks elb' }, 'invalid_cluster_name'],
    [{ ...oldBody, resource_group: 'rg/../x' }, 'invalid_resource_group'],
    [{ ...oldBody, subscription_id: 'not-a-guid' }, 'invalid_subscription_id'],
    [{ ...oldBody, acr_name: 'elb-acr' }, 'invalid_acr_name'],
    [{ ...oldBody, storage_account: 'Bad_Name' }, 'invalid_storage_account'],
    [{ ...oldBody, confirm_recreate: 'yes' }, 'invalid_confirm_recreate'],
    [{ ...oldBody, cluster_name: 5 }, 'invalid_cluster_name'],
    [{ ...oldBody, rebuild: true }, 'unknown_field'],
    [{ cluster_name: 'aks-elb' }, 'missing_parameters'],
    [{ resource_group: 'rg-elb', acr_name: 'elbacr01' }, 'missing_parameters'],
  ])('refuses %j with %s', (body, code) => {
    expect(() => parseDeployRequest(JSON.stringify(body))).toThrow(err(code, 400));
  });
});

describe('parseQuery (service-ip and monitor/acr)', () => {
  const q = (s: string) => new URLSearchParams(s);

  it('reads the old service-ip query and leaves other parameters alone', () => {
    expect(
      parseQuery(
        ServiceIpQuery,
        q(`subscription_id=${SUB}&resource_group=rg-elb&cluster_name=aks-elb&service_name=elb-openapi&_=123`),
      ),
    ).toEqual({ subscription_id: SUB, resource_group: 'rg-elb', cluster_name: 'aks-elb', service_name: 'elb-openapi' });
  });

  it('reads the old monitor/acr query; empty values are absent', () => {
    expect(
      parseQuery(AcrQuery, q(`subscription_id=${SUB}&resource_group=rg-acr&registry_name=elbacr01&target=`)),
    ).toEqual({ subscription_id: SUB, resource_group: 'rg-acr', registry_name: 'elbacr01' });
  });

  it.each([
    ['cluster_name=a&cluster_name=b&resource_group=r', 'invalid_cluster_name'],
    ['registry_name=elb', 'invalid_registry_name'],
    ['subscription_id=x', 'invalid_subscription_id'],
    ['target=Prod', 'invalid_target'],
  ])('refuses %s with %s', (query, code) => {
    expect(() => parseQuery(AcrQuery, q(query))).toThrow(err(code, 400));
  });

  it('takes a parameter repeated with the same value once', () => {
    expect(parseQuery(AcrQuery, q('registry_name=elbacr01&registry_name=elbacr01'))).toEqual({
      registry_name: 'elbacr01',
    });
  });
});

describe('the configured registry', () => {
  const image = parseImageRepository('elbacr01.azurecr.io/elb-openapi');
  const resourceId = `/subscriptions/${SUB}/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/ElbAcr01`;

  it('is named by its resource id, else by an azurecr.io host, else not at all (the local registry)', () => {
    expect(configuredRegistry({ image, registryResourceId: resourceId })).toEqual({
      name: 'ElbAcr01',
      resourceGroup: 'rg-acr',
      subscriptionId: SUB,
    });
    expect(configuredRegistry({ image, registryResourceId: null })).toEqual({
      name: 'elbacr01',
      resourceGroup: null,
      subscriptionId: null,
    });
    const local = parseImageRepository('127.0.0.1:5001/elb-openapi');
    expect(configuredRegistry({ image: local, registryResourceId: null }).name).toBeNull();
  });

  it('accepts its own names (any case) and answers registry_mismatch for another', () => {
    const byId = configuredRegistry({ image, registryResourceId: resourceId });
    expect(
      checkRegistry(byId, {
        acr_name: { value: 'elbacr01', against: 'name' },
        acr_resource_group: { value: 'RG-ACR', against: 'resourceGroup' },
        subscription_id: { value: SUB, against: 'subscriptionId' },
        absent: { value: undefined, against: 'name' },
      }),
    ).toEqual([]);
    expect(() => checkRegistry(byId, { acr_name: { value: 'otheracr', against: 'name' } })).toThrow(
      err('registry_mismatch', 400, {
        details: { field: 'acr_name' },
        message: 'acr_name otheracr does not match the configured registry (registry ElbAcr01)',
      }),
    );
    expect(() => checkRegistry(byId, { resource_group: { value: 'rg-x', against: 'resourceGroup' } })).toThrow(
      err('registry_mismatch', 400, { details: { field: 'resource_group' } }),
    );
  });

  it('returns what it could not check, and refuses any name for a registry without one', () => {
    const byHost = configuredRegistry({ image, registryResourceId: null });
    expect(
      checkRegistry(byHost, {
        registry_name: { value: 'elbacr01', against: 'name' },
        resource_group: { value: 'rg-acr', against: 'resourceGroup' },
        subscription_id: { value: SUB, against: 'subscriptionId' },
      }),
    ).toEqual(['resource_group', 'subscription_id']);
    const local = configuredRegistry({ image: parseImageRepository('127.0.0.1:5001/x'), registryResourceId: null });
    expect(() => checkRegistry(local, { acr_name: { value: 'elbacr01', against: 'name' } })).toThrow(
      err('registry_mismatch', 400, {
        message: expect.stringContaining('a registry without an Azure name') as unknown,
      }),
    );
  });
});

describe('seedCluster in the settings', () => {
  it('is optional, and checked like the aks target fields', () => {
    expect(targets[2]).not.toHaveProperty('seedCluster');
    expect(() =>
      parseTargets(
        JSON.stringify([
          { name: 'x', kind: 'kubeconfig', kubeconfig: '/k', seedCluster: { resourceGroup: 'rg', clusterName: 'c' } },
        ]),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'invalid_targets',
        message: expect.stringContaining('targets[0].seedCluster.subscriptionId') as unknown,
      }),
    );
    expect(() =>
      parseTargets(
        JSON.stringify([
          {
            name: 'x',
            kind: 'kubeconfig',
            kubeconfig: '/k',
            seedCluster: { subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'bad name' },
          },
        ]),
      ),
    ).toThrow(expect.objectContaining({ code: 'invalid_targets' }));
  });
});
