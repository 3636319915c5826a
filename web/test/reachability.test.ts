import { describe, expect, it } from 'vitest';
import { serviceState as service } from './fixtures.js';
import type { ServiceState } from '../src/api/types.js';
import { exposureLabel, swaggerAccess, versionPill } from '../src/core/reachability.js';

const at = (ip: string, exposure: ServiceState['exposure'], scheme: 'http' | 'https' = 'http') =>
  service({
    external_ip: ip,
    base_url: `${scheme}://${ip}`,
    swagger_url: `${scheme}://${ip}/docs`,
    exposure,
    scheme,
  });

describe('swaggerAccess: is the service reachable from the browser (docs/dashboard.md)', () => {
  it('a public address: the link, from any page', () => {
    for (const page of ['elb.example.com', '127.0.0.1', '10.1.2.3']) {
      expect(swaggerAccess(at('20.50.60.70', 'public', 'https'), page)).toEqual({
        kind: 'link',
        url: 'https://20.50.60.70/docs',
      });
    }
    expect(swaggerAccess(at('20.50.60.70', 'public'), 'elb.example.com').kind).toBe('link');
  });

  it('the local sim (loopback): the link only on a page served from loopback', () => {
    expect(swaggerAccess(at('127.0.0.2', 'loopback'), '127.0.0.1').kind).toBe('link');
    expect(swaggerAccess(at('127.0.0.2', 'loopback'), 'localhost').kind).toBe('link');
    expect(swaggerAccess(at('127.0.0.2', 'loopback'), 'elb.example.com')).toEqual({ kind: 'loopback_elsewhere' });
  });

  it('an internal LB: the link only on a page served from a private address', () => {
    expect(swaggerAccess(at('10.240.0.7', 'internal'), '10.240.1.4').kind).toBe('link');
    expect(swaggerAccess(at('10.240.0.7', 'internal'), 'elb.azurestaticapps.net')).toEqual({ kind: 'private' });
    // A page on loopback is an operator's machine: whether it is on the VNet is not known, so no link is promised.
    expect(swaggerAccess(at('10.240.0.7', 'internal'), '127.0.0.1')).toEqual({ kind: 'private' });
  });

  it('an exposure the server did not know is never linked on a guess', () => {
    expect(swaggerAccess(at('10.240.0.7', null), 'elb.example.com')).toEqual({ kind: 'private' });
  });

  it('no address: nothing to link', () => {
    expect(swaggerAccess(service({}), '127.0.0.1')).toEqual({ kind: 'no_address' });
    expect(swaggerAccess(service({ installed: false }), '127.0.0.1')).toEqual({ kind: 'no_address' });
  });
});

describe('the hero words', () => {
  it('the version pill: live API version and image tag', () => {
    expect(versionPill('3.4.0', '3.4')).toBe('v3.4.0 · image 3.4');
    expect(versionPill(null, '3.4')).toBe('image 3.4');
    expect(versionPill('3.4.0', null)).toBe('v3.4.0');
    expect(versionPill('beta-2', '3.4')).toBe('beta-2 · image 3.4');
    expect(versionPill(null, null)).toBeNull();
  });

  it('the exposure chip', () => {
    expect(exposureLabel('internal')).toBe('Internal LB');
    expect(exposureLabel('public')).toBe('Public LB');
    expect(exposureLabel('loopback')).toBe('Local (loopback)');
    expect(exposureLabel(null)).toBeNull();
  });
});
