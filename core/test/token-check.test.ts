import { describe, expect, it } from 'vitest';
import { tokenCheckPath, tokenVerdict } from '../token-check';

describe('tokenCheckPath', () => {
  it('picks the first GET under /v1/ without path parameters, in order', () => {
    const spec = {
      paths: {
        '/healthz': { get: {} },
        '/v1/jobs/{job_id}': { get: {} },
        '/v1/jobs': { get: {}, post: {} },
        '/v1/databases': { get: {} },
        '/v1/submit': { post: {} },
      },
    };
    expect(tokenCheckPath(spec)).toBe('/v1/databases');
  });

  it('is null when the spec declares no such route, or is not a spec', () => {
    expect(
      tokenCheckPath({ paths: { '/v1/jobs/{id}': { get: {} }, '/v1/x': { post: {} }, '/v2/y': { get: {} } } }),
    ).toBe(null);
    expect(tokenCheckPath(null)).toBe(null);
    expect(tokenCheckPath({ paths: 'nope' })).toBe(null);
  });
});

describe('tokenVerdict', () => {
  it('401 and 403 refuse; other answers below 500 accept; 5xx, 429 and oddities say nothing', () => {
    expect([401, 403].map(tokenVerdict)).toEqual(['refused', 'refused']);
    expect([200, 204, 302, 400, 404, 422].map(tokenVerdict)).toEqual(Array(6).fill('accepted'));
    expect([429, 500, 502, 503, 101].map(tokenVerdict)).toEqual(Array(5).fill('unclear'));
  });
});
