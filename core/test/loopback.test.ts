// Which addresses count as this machine: the one rule behind the plain-http settings, the exec bind address and the
// no-auth mode. What it refuses matters as much as what it accepts.
import { describe, expect, it } from 'vitest';
import { isLoopbackHostname, isLoopbackHttpUrl } from '../loopback';

describe('isLoopbackHostname (exec bind address, no-auth request hosts)', () => {
  it('accepts 127.0.0.0/8, localhost and ::1, with or without brackets, in any case', () => {
    for (const host of ['127.0.0.1', '127.8.9.200', 'localhost', 'LocalHost', '::1', '[::1]']) {
      expect(isLoopbackHostname(host), host).toBe(true);
    }
  });

  it('refuses every other host, and look-alikes', () => {
    for (const host of [
      '0.0.0.0',
      '10.0.0.1',
      '128.0.0.1',
      '127.0.0.1.evil.example',
      'localhost.evil.example',
      '::',
      '',
    ]) {
      expect(isLoopbackHostname(host), host).toBe(false);
    }
    expect(isLoopbackHostname('127.0000.0.1')).toBe(false);
  });
});

describe('isLoopbackHttpUrl (plain-http settings: cluster API, tables, registry)', () => {
  it('accepts http to a loopback host, with a port and a path', () => {
    for (const url of [
      'http://127.0.0.1',
      'http://127.0.0.2:8001',
      'http://localhost:10002/devstoreaccount1',
      'http://[::1]:5000/',
    ]) {
      expect(isLoopbackHttpUrl(url), url).toBe(true);
    }
  });

  it('refuses https, other hosts, user info and other spellings', () => {
    for (const url of [
      'https://127.0.0.1',
      'http://10.0.0.1:80',
      'http://127.0.0.1.evil.example',
      'http://127.0.0.1@evil.example',
      'http://user@127.0.0.1',
      'http://127.1',
      'HTTP://LOCALHOST',
      'http://127.0.0.1:80?x=1',
      'http://::1',
    ]) {
      expect(isLoopbackHttpUrl(url), url).toBe(false);
    }
  });

  it('with originOnly (the registry endpoint) accepts no path, not even "/"', () => {
    expect(isLoopbackHttpUrl('http://127.0.0.1:5000', { originOnly: true })).toBe(true);
    expect(isLoopbackHttpUrl('http://[::1]', { originOnly: true })).toBe(true);
    expect(isLoopbackHttpUrl('http://127.0.0.1:5000/', { originOnly: true })).toBe(false);
    expect(isLoopbackHttpUrl('http://127.0.0.1:5000/v2', { originOnly: true })).toBe(false);
  });
});
