// The summary's service view from a cluster read (functions/lib/views.ts serviceView): exposure, address range
// and scheme as docs/api.md "Service exposure" describes them, and all null when the cluster could not be read.
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../core/errors';
import { INTERNAL_LB_ANNOTATION } from '../../core/service-exposure';
import { emptyTargetState } from '../../core/target-state';
import { parseTarget } from '../../core/targets';
import { serviceView, type LiveService } from '../lib/views';

const aks = parseTarget(
  {
    name: 'prod',
    kind: 'aks',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    resourceGroup: 'rg',
    clusterName: 'aks',
    namespace: 'elb',
  },
  0,
);
const aks443 = parseTarget(
  {
    name: 'prod',
    kind: 'aks',
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    resourceGroup: 'rg',
    clusterName: 'aks',
    namespace: 'elb',
    servicePort: 443,
  },
  0,
);
const state = { ...emptyTargetState('prod'), apiVersion: '3.4.0' };
const live = (fields: Partial<LiveService>): LiveService => ({
  exists: true,
  externalIp: null,
  liveImage: 'reg/elb-openapi@sha256:' + 'a'.repeat(64),
  annotations: {},
  scheme: 'http',
  ...fields,
});

describe('serviceView', () => {
  it('an internal LB with a private address', () => {
    const view = serviceView(
      aks,
      state,
      live({ externalIp: '10.240.0.7', annotations: { [INTERNAL_LB_ANNOTATION]: 'true' } }),
    );
    expect(view).toMatchObject({
      external_ip: '10.240.0.7',
      base_url: 'http://10.240.0.7',
      swagger_url: 'http://10.240.0.7/docs',
      exposure: 'internal',
      address_range: 'private',
      scheme: 'http',
    });
  });

  it('a public LB whose port declares https: base and Swagger URLs use https', () => {
    const view = serviceView(aks443, state, live({ externalIp: '20.50.60.70', scheme: 'https' }));
    expect(view).toMatchObject({
      base_url: 'https://20.50.60.70',
      swagger_url: 'https://20.50.60.70/docs',
      exposure: 'public',
      address_range: 'public',
      scheme: 'https',
    });
  });

  it('an internal LB still waiting for its address is already internal', () => {
    const view = serviceView(aks, state, live({ annotations: { [INTERNAL_LB_ANNOTATION]: 'true' } }));
    expect(view).toMatchObject({ external_ip: null, base_url: null, exposure: 'internal', address_range: null });
  });

  it('no Service: nothing to say about exposure or scheme', () => {
    const view = serviceView(aks, state, live({ exists: false, liveImage: null }));
    expect(view).toMatchObject({ installed: false, exposure: null, address_range: null, scheme: null });
  });

  it('the cluster could not be read: all three null, never guessed', () => {
    const view = serviceView(aks, state, new DomainError('cluster_unavailable', 'down', 502));
    expect(view).toMatchObject({
      exposure: null,
      address_range: null,
      scheme: null,
      error_code: 'cluster_unavailable',
    });
  });
});
