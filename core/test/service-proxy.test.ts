// The Try it rules without I/O: which paths and methods reach the live service, the role per method, what is
// sent, and what of the answer comes back (no cookies, credentials or token).
import { describe, expect, it } from 'vitest';
import {
  checkPath,
  matchTemplate,
  parseProxyRequest,
  requireMethodRole,
  specOperations,
  upstreamRequest,
  visibleBody,
  visibleHeaders,
} from '../service-proxy';
import { openApiDocument } from '../../sim/standin/spec';

const SPEC = openApiDocument('3.4.0', 'elb-openapi:3.4');
const OPS = specOperations(SPEC);
const TOKEN = 'tok_0123456789abcdef0123456789abcdef';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('specOperations', () => {
  it('lists each path template with its methods, upper-case', () => {
    expect(OPS.get('/v1/jobs')).toEqual(new Set(['GET', 'POST']));
    expect(OPS.get('/v1/jobs/{job_id}')).toEqual(new Set(['GET', 'DELETE']));
    expect(OPS.has('/openapi.json')).toBe(false);
  });
  it('is empty for something that is not a spec', () => {
    expect(specOperations(null).size).toBe(0);
    expect(specOperations({ paths: 'x' }).size).toBe(0);
    expect(specOperations({ paths: { 'no-slash': { get: {} }, '/x': { summary: 'no methods' } } }).size).toBe(0);
  });
});

describe('checkPath and matchTemplate', () => {
  it('fills templates, a literal segment winning over a parameter', () => {
    expect(matchTemplate(OPS.keys(), '/v1/jobs')).toBe('/v1/jobs');
    expect(matchTemplate(OPS.keys(), '/v1/jobs/42')).toBe('/v1/jobs/{job_id}');
    expect(matchTemplate(OPS.keys(), '/v1/jobs/a%20b')).toBe('/v1/jobs/{job_id}');
    expect(matchTemplate(OPS.keys(), '/v1/jobs/42/results')).toBe('/v1/jobs/{job_id}/results');
    expect(matchTemplate(['/a/{x}', '/a/b'], '/a/b')).toBe('/a/b');
    expect(matchTemplate(OPS.keys(), '/v1/admin')).toBeNull();
    expect(matchTemplate(OPS.keys(), '/v1/jobs/42/results/extra')).toBeNull();
  });

  it.each([
    'v1/jobs',
    '//169.254.169.254/latest/meta-data',
    'http://169.254.169.254/latest/meta-data',
    'https://evil.example/v1/jobs',
    '/v1/../admin',
    '/v1/jobs/..',
    '/v1/./jobs',
    '/v1/%2e%2e/admin',
    '/v1/%2E%2E/admin',
    '/v1/jobs/%2f..%2fadmin',
    '/v1/jobs/%5c..%5cadmin',
    '/v1/jobs/a\\..\\admin',
    '/v1/jobs?x=1',
    '/v1/jobs#frag',
    '/v1/jobs/',
    '/v1//jobs',
    '/v1/jobs/a b',
    '/v1/jobs/a\r\nX-Evil: 1',
    '/v1/jobs/\u00e9',
    '/v1/jobs/%zz',
  ])('refuses %j as invalid_path before the spec is consulted', (path) => {
    expect(codeOf(() => checkPath(path))).toBe('invalid_path');
    expect(codeOf(() => matchTemplate(OPS.keys(), path))).toBe('invalid_path');
  });
});

describe('parseProxyRequest', () => {
  it('takes a method, a path, a query, headers and a JSON body', () => {
    const r = parseProxyRequest(
      JSON.stringify({ method: 'POST', path: '/v1/jobs', query: { a: '1' }, headers: { Accept: 'x' }, body: [1] }),
    );
    expect(r).toEqual({ method: 'POST', path: '/v1/jobs', query: { a: '1' }, headers: { Accept: 'x' }, body: [1] });
  });
  it.each([
    ['not json', 'invalid_json'],
    ['[]', 'invalid_body'],
    [JSON.stringify({ method: 'TRACE', path: '/v1/jobs' }), 'invalid_method'],
    [JSON.stringify({ method: 'get', path: '/v1/jobs' }), 'invalid_method'],
    [JSON.stringify({ method: 'GET' }), 'invalid_path'],
    [JSON.stringify({ method: 'GET', path: '/v1/jobs', url: 'http://x' }), 'unknown_field'],
    [JSON.stringify({ method: 'GET', path: '/v1/jobs', headers: { accept: 'a\r\nx-evil: 1' } }), 'invalid_headers'],
    [JSON.stringify({ method: 'GET', path: '/v1/jobs', query: { a: 'b\nc' } }), 'invalid_query'],
    [JSON.stringify({ method: 'GET', path: '/v1/jobs', query: { 'a b': 'c' } }), 'invalid_query'],
  ])('%s → %s', (raw, code) => {
    expect(codeOf(() => parseProxyRequest(raw))).toBe(code);
  });
});

describe('requireMethodRole', () => {
  it('lets a reader GET and HEAD, and asks deployer for everything else', () => {
    expect(codeOf(() => requireMethodRole('GET', ['reader']))).toBeUndefined();
    expect(codeOf(() => requireMethodRole('HEAD', ['reader']))).toBeUndefined();
    for (const m of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      expect(codeOf(() => requireMethodRole(m, ['reader']))).toBe('forbidden');
      expect(codeOf(() => requireMethodRole(m, ['reader', 'deployer']))).toBeUndefined();
    }
    expect(codeOf(() => requireMethodRole('GET', []))).toBe('forbidden');
  });
});

describe('upstreamRequest', () => {
  const req = (o: object) => parseProxyRequest(JSON.stringify(o));
  it('allows only paths and methods the spec declares', () => {
    expect(codeOf(() => upstreamRequest(req({ method: 'GET', path: '/admin' }), OPS))).toBe('path_not_in_spec');
    expect(codeOf(() => upstreamRequest(req({ method: 'PUT', path: '/v1/jobs' }), OPS))).toBe('method_not_in_spec');
    expect(codeOf(() => upstreamRequest(req({ method: 'GET', path: '/openapi.json' }), OPS))).toBe('path_not_in_spec');
  });
  it('builds the target with an encoded query, allowed headers, and a JSON body', () => {
    const u = upstreamRequest(
      req({
        method: 'POST',
        path: '/v1/jobs',
        query: { q: 'a&b=c', n: '1' },
        headers: { Accept: 'application/json' },
        body: { program: 'blastn' },
      }),
      OPS,
    );
    expect(u).toEqual({
      method: 'POST',
      target: '/v1/jobs?q=a%26b%3Dc&n=1',
      template: '/v1/jobs',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: '{"program":"blastn"}',
    });
  });
  it('refuses credentials and hop-by-hop headers, a body on GET, and an oversized body', () => {
    for (const h of ['Authorization', 'Cookie', 'Host', 'X-ELB-API-Token', 'Transfer-Encoding', 'X-Forwarded-For'])
      expect(codeOf(() => upstreamRequest(req({ method: 'GET', path: '/v1/jobs', headers: { [h]: 'x' } }), OPS))).toBe(
        'header_not_allowed',
      );
    expect(codeOf(() => upstreamRequest(req({ method: 'GET', path: '/v1/jobs', body: {} }), OPS))).toBe(
      'body_not_allowed',
    );
    const big = { queries: 'x'.repeat(64 * 1024) };
    expect(codeOf(() => upstreamRequest(req({ method: 'POST', path: '/v1/jobs', body: big }), OPS))).toBe(
      'body_too_large',
    );
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v']));
    expect(codeOf(() => upstreamRequest(req({ method: 'GET', path: '/v1/jobs', query: many }), OPS))).toBe(
      'invalid_query',
    );
  });
});

describe('visibleHeaders and visibleBody', () => {
  it('drops cookies, credentials, the token header, hop-by-hop headers and any header echoing the token', () => {
    const shown = visibleHeaders(
      [
        ['Content-Type', 'application/json'],
        ['Set-Cookie', 'session=1'],
        ['Authorization', 'Bearer x'],
        ['X-ELB-API-Token', TOKEN],
        ['X-Echo', `you sent ${TOKEN}`],
        ['Transfer-Encoding', 'chunked'],
        ['X-Served-By', 'pod-1'],
      ],
      TOKEN,
    );
    expect(shown).toEqual({ 'content-type': 'application/json', 'x-served-by': 'pod-1' });
  });
  it('parses JSON, keeps text, and never shows the token in either', () => {
    expect(visibleBody('{"a":1}', 'application/json; charset=utf-8', TOKEN)).toEqual({
      body_kind: 'json',
      body: { a: 1 },
    });
    expect(visibleBody(`{"t":"${TOKEN}"}`, 'application/problem+json', TOKEN)).toEqual({
      body_kind: 'json',
      body: { t: '[redacted]' },
    });
    expect(visibleBody(`token=${TOKEN}`, 'text/plain', TOKEN)).toEqual({ body_kind: 'text', body: 'token=[redacted]' });
    expect(visibleBody('{broken', 'application/json', TOKEN)).toEqual({ body_kind: 'text', body: '{broken' });
    expect(visibleBody('', 'application/json', TOKEN)).toEqual({ body_kind: 'empty', body: null });
  });
});
