import { describe, expect, it } from 'vitest';
import { addressRange, INTERNAL_LB_ANNOTATION, serviceExposure, serviceScheme } from '../service-exposure';

describe('addressRange', () => {
  it.each([
    ['127.0.0.2', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['localhost', 'loopback'],
    ['LOCALHOST', 'loopback'],
    ['dash.localhost', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
  ])('%s is loopback', (address, range) => expect(addressRange(address)).toBe(range));

  it.each([
    '10.0.0.4',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.10',
    '100.64.0.1',
    '100.127.255.255',
    '169.254.10.1',
    '0.0.0.0',
    'fd12:3456::1',
    'fc00::1',
    'fe80::1',
    '::ffff:10.1.2.3',
  ])('%s is private', (address) => expect(addressRange(address)).toBe('private'));

  it.each(['20.50.60.70', '172.15.255.255', '172.32.0.1', '192.169.0.1', '100.63.255.255', '100.128.0.1', '8.8.8.8'])(
    '%s is public (the edges of the private blocks included)',
    (address) => expect(addressRange(address)).toBe('public'),
  );

  it('an IPv6 global address is public', () => expect(addressRange('2603:1030:20e:3::23c')).toBe('public'));

  it.each(['elb.example.com', 'myapp.westeurope.cloudapp.azure.com', '10.0.0.256', '1.2.3'])(
    '%s is a name: where it resolves is not known',
    (address) => expect(addressRange(address)).toBe('name'),
  );
});

describe('serviceExposure', () => {
  const internal = { [INTERNAL_LB_ANNOTATION]: 'true' };

  it('a loopback address is the local sim, whatever the annotations say', () => {
    expect(serviceExposure({ annotations: {}, address: '127.0.0.2' })).toBe('loopback');
    expect(serviceExposure({ annotations: internal, address: '127.0.0.2' })).toBe('loopback');
  });

  it('the internal-LB annotation makes it internal, with or without an address yet', () => {
    expect(serviceExposure({ annotations: internal, address: '10.240.0.7' })).toBe('internal');
    expect(serviceExposure({ annotations: internal, address: null })).toBe('internal');
    expect(serviceExposure({ annotations: { [INTERNAL_LB_ANNOTATION]: ' True ' }, address: null })).toBe('internal');
  });

  it('the annotation set to anything but true does not', () => {
    expect(serviceExposure({ annotations: { [INTERNAL_LB_ANNOTATION]: 'false' }, address: '20.1.2.3' })).toBe('public');
    expect(serviceExposure({ annotations: { [INTERNAL_LB_ANNOTATION]: 'yes' }, address: null })).toBeNull();
  });

  it('without the annotation, a private address is internal and a public one or a name is public', () => {
    expect(serviceExposure({ annotations: {}, address: '192.168.4.4' })).toBe('internal');
    expect(serviceExposure({ annotations: {}, address: '20.1.2.3' })).toBe('public');
    expect(serviceExposure({ annotations: {}, address: 'elb.example.com' })).toBe('public');
  });

  it('no annotation and no address yet: unknown, not guessed', () => {
    expect(serviceExposure({ annotations: {}, address: null })).toBeNull();
  });
});

describe('serviceScheme', () => {
  it('https only when the port declares it', () => {
    expect(serviceScheme({ name: 'https' })).toBe('https');
    expect(serviceScheme({ name: 'web', appProtocol: 'HTTPS' })).toBe('https');
    expect(serviceScheme({ name: 'https-api' })).toBe('https');
    expect(serviceScheme({ name: 'http' })).toBe('http');
    expect(serviceScheme({ name: 'https', appProtocol: 'http' })).toBe('http');
    expect(serviceScheme({})).toBe('http');
    expect(serviceScheme(null)).toBe('http');
  });
});
