// The key files and the request-target rules on their own (the hostile suite drives them through a real process).
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { rawRequest, requestText } from '../../test/support/raw-http';
import { createGuardedServer, HttpError, parseTarget } from '../http-guard.js';
import { loadOrCreateKeys, requireKey } from '../keys.js';
import { tempDir } from './harness.js';

function request(headers: Record<string, string> = {}): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('host keys', () => {
  it('creates two different keys once per state dir and reads the same ones back', () => {
    const dir = tempDir('keys');
    const first = loadOrCreateKeys(dir);
    const again = loadOrCreateKeys(dir);
    expect(again.master).toBe(first.master);
    expect(again.system).toBe(first.system);
    expect(first.master).not.toBe(first.system);
    expect(loadOrCreateKeys(tempDir('keys-other')).system).not.toBe(first.system);
  });

  it('narrows a key file others can read to 0600 and says so, without printing the key', () => {
    const dir = tempDir('keys-loose');
    const keys = loadOrCreateKeys(dir);
    const file = path.join(dir, 'keys', 'system.key');
    fs.chmodSync(file, 0o644);
    const lines: string[] = [];
    loadOrCreateKeys(dir, (line) => lines.push(line));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(lines.join('\n')).toContain('readable by others');
    expect(lines.join('\n')).not.toContain(keys.system);
  });

  it('refuses a key file that holds no key (too short, or other characters)', () => {
    for (const content of ['', 'short', 'a'.repeat(40) + ' spaces inside']) {
      const dir = tempDir('keys-bad');
      fs.mkdirSync(path.join(dir, 'keys'), { recursive: true, mode: 0o700 });
      fs.writeFileSync(path.join(dir, 'keys', 'master.key'), content, { mode: 0o600 });
      expect(() => loadOrCreateKeys(dir)).toThrow(expect.objectContaining({ code: 'bad_key_file' }));
    }
  });

  it('opens each level only with the right key; the master key opens all', () => {
    const keys = loadOrCreateKeys(tempDir('keys-levels'));
    const url = (q = ''): URL => new URL(`http://h/x${q}`);
    const passes = (level: 'anonymous' | 'function' | 'system' | 'admin', req: IncomingMessage, u: URL): boolean => {
      try {
        requireKey(keys, level, req, u);
        return true;
      } catch (err) {
        expect(err).toMatchObject({ status: 401, code: 'unauthorized' });
        return false;
      }
    };
    expect(passes('anonymous', request(), url())).toBe(true);
    expect(passes('system', request(), url())).toBe(false);
    expect(passes('system', request({ 'x-functions-key': keys.system }), url())).toBe(true);
    expect(passes('system', request(), url(`?code=${keys.system}`))).toBe(true);
    expect(passes('system', request({ 'x-functions-key': keys.system.slice(0, -1) }), url())).toBe(false);
    expect(passes('admin', request({ 'x-functions-key': keys.system }), url())).toBe(false);
    expect(passes('function', request({ 'x-functions-key': keys.system }), url())).toBe(false);
    for (const level of ['function', 'system', 'admin'] as const)
      expect(passes(level, request(), url(`?code=${keys.master}`))).toBe(true);
  });
});

describe('parseTarget', () => {
  it('takes origin-form targets literally against the given origin', () => {
    expect(parseTarget('//', 'http://127.0.0.1:1').pathname).toBe('//');
    expect(parseTarget('/a/b?c=d', 'http://127.0.0.1:1').href).toBe('http://127.0.0.1:1/a/b?c=d');
    // absolute-form: the path and query only; the named host is not trusted
    expect(parseTarget('http://evil.example/x?y=1', 'http://127.0.0.1:1').href).toBe('http://127.0.0.1:1/x?y=1');
  });

  it('refuses what is not a path or a URL, and undecodable percent-encoding', () => {
    for (const [target, code] of [
      ['http://[::1', 'bad_request_target'],
      ['*', 'bad_request_target'],
      ['', 'bad_request_target'],
      ['example.com:443', 'bad_request_target'],
      ['/x/%E0%A4%A', 'bad_path_encoding'],
      ['/%', 'bad_path_encoding'],
    ] as const) {
      let thrown: unknown;
      try {
        parseTarget(target);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, target).toBeInstanceOf(HttpError);
      expect(thrown, target).toMatchObject({ status: 400, code });
    }
  });
});

describe('createGuardedServer', () => {
  it('answers a handler that throws (synchronously, asynchronously, or a non-Error) with 500 and keeps serving', async () => {
    const logged: string[] = [];
    const server = createGuardedServer(
      (_req, res, url) => {
        if (url.pathname === '/sync') throw new Error('sync boom with secret-ish detail');
        if (url.pathname === '/async') return Promise.reject(new TypeError('async boom'));
        if (url.pathname === '/null') throw null;
        if (url.pathname === '/coded') throw new HttpError('teapot', 'short and stout', 418, { 'x-why': 'test' });
        res.end('ok');
        return undefined;
      },
      { maxBodyBytes: 10, log: (line) => logged.push(line) },
    );
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const p of ['/sync', '/async', '/null']) {
        const a = await rawRequest(port, requestText('GET', p));
        expect([p, a.status, a.json]).toEqual([
          p,
          500,
          { code: 'internal_error', message: 'The server could not handle this request.' },
        ]);
      }
      const coded = await rawRequest(port, requestText('GET', '/coded'));
      expect([coded.status, coded.headers['x-why'], coded.json]).toEqual([
        418,
        'test',
        { code: 'teapot', message: 'short and stout' },
      ]);
      expect((await rawRequest(port, requestText('GET', '/fine'))).body).toBe('ok');
      // The cause is logged on one line; the answer never carries it.
      expect(logged.join('\n')).toContain('sync boom');
      expect(logged).toHaveLength(3);
    } finally {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});
