// The approval and policy routes' bodies (core/update-requests.ts): only a comment in a decision — who and what come
// from the sign-in and the route, so a body naming them is refused — and a whole, valid policy.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../contract/policy';
import { parseDecisionRequest, parsePolicyRequest } from '../update-requests';

describe('parseDecisionRequest', () => {
  it('takes no body, {}, or a one-line comment of at most 500 characters (trimmed; empty is none)', () => {
    expect(parseDecisionRequest('')).toEqual({ comment: null });
    expect(parseDecisionRequest('{}')).toEqual({ comment: null });
    expect(parseDecisionRequest('{"comment":null}')).toEqual({ comment: null });
    expect(parseDecisionRequest('{"comment":"  "}')).toEqual({ comment: null });
    expect(parseDecisionRequest('{"comment":" checked the changelog "}')).toEqual({ comment: 'checked the changelog' });
    expect(parseDecisionRequest(JSON.stringify({ comment: 'é'.repeat(500) }))).toEqual({ comment: 'é'.repeat(500) });
  });

  it.each([
    ['{', 'invalid_json'],
    ['[]', 'invalid_body'],
    ['"approve"', 'invalid_body'],
    [JSON.stringify({ comment: 'x'.repeat(501) }), 'invalid_comment'],
    [JSON.stringify({ comment: 'two\nlines' }), 'invalid_comment'],
    [JSON.stringify({ comment: 'bell\u0007' }), 'invalid_comment'],
    [JSON.stringify({ comment: 42 }), 'invalid_comment'],
    // Forged decision fields: who decides and what are not the body's to say.
    [JSON.stringify({ by: 'ceo@example.org' }), 'unknown_field'],
    [JSON.stringify({ decision: 'approve', comment: 'ok' }), 'unknown_field'],
    [JSON.stringify({ at: '2020-01-01T00:00:00Z' }), 'unknown_field'],
  ])('refuses %s with %s', (body, code) => {
    expect(() => parseDecisionRequest(body)).toThrow(expect.objectContaining({ code, status: 400 }));
  });
});

describe('parsePolicyRequest', () => {
  it('takes a whole policy; fields left out take their defaults', () => {
    expect(parsePolicyRequest('{}')).toEqual(DEFAULT_POLICY);
    const policy = {
      mode: 'approve',
      track: { range: '~3.4' },
      approvalTimeoutHours: 6,
      window: { days: ['sat'], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' },
      drift: 'correct',
    };
    expect(parsePolicyRequest(JSON.stringify(policy))).toEqual(policy);
  });

  it.each([
    ['', 'invalid_body'],
    ['{"mode":"yolo"}', 'invalid_mode'],
    ['{"track":{"range":"not a range"}}', 'invalid_track'],
    ['{"approvalTimeoutHours":0}', 'invalid_approvalTimeoutHours'],
    ['{"window":{"days":["sat"],"start":"02:00","end":"05:00","timeZone":"Mars/Olympus"}}', 'invalid_window'],
    ['{"window":{"days":[],"start":"02:00","end":"05:00","timeZone":"UTC"}}', 'invalid_window'],
    ['{"mode":"auto","owner":"me"}', 'unknown_field'],
  ])('refuses %s with %s', (body, code) => {
    expect(() => parsePolicyRequest(body)).toThrow(expect.objectContaining({ code, status: 400 }));
  });
});
