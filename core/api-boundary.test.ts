// Request validation, Event Grid parsing and authorization: the API's boundary rules.
import { describe, expect, it } from 'vitest';
import { parseImagePushed } from './acr-event';
import { assertAuthModeAllowed, authorize } from './auth';
import { parseCancelMode, parseDeployId, parseDeployRequest, parseServiceName } from './requests';

const DIGEST = 'sha256:' + 'd'.repeat(64);

describe('parseDeployRequest', () => {
  it('accepts an empty body and the documented fields', () => {
    expect(parseDeployRequest('')).toEqual({ target: null, tag: null, digest: null, reason: null });
    expect(parseDeployRequest(JSON.stringify({ target: 'local', tag: '3.4', reason: 'update' }))).toEqual({
      target: 'local',
      tag: '3.4',
      digest: null,
      reason: 'update',
    });
    expect(parseDeployRequest(JSON.stringify({ digest: DIGEST, reason: 'rollback' }), 'prod')).toMatchObject({
      target: 'prod',
      digest: DIGEST,
    });
  });
  it.each([
    ['{', 'invalid_json'],
    ['[]', 'invalid_body'],
    ['{"force":true}', 'unknown_field'],
    ['{"tag":"bad tag"}', 'invalid_tag'],
    ['{"tag":3.4}', 'invalid_tag'],
    ['{"digest":"sha256:xyz"}', 'invalid_digest'],
    ['{"reason":"auto"}', 'invalid_reason'],
    ['{"target":"Prod"}', 'invalid_target'],
  ])('rejects %s with %s', (body, code) => {
    expect(() => parseDeployRequest(body)).toThrow(expect.objectContaining({ code, status: 400 }));
  });
  it('refuses a body naming another target than the URL', () => {
    expect(() => parseDeployRequest('{"target":"a"}', 'b')).toThrow(
      expect.objectContaining({ code: 'target_mismatch' }),
    );
  });
  it('validates ids, service names and cancel modes', () => {
    expect(parseDeployId('local-20260101t000000-ab12cd34')).toBe('local-20260101t000000-ab12cd34');
    expect(() => parseDeployId('../x')).toThrow(expect.objectContaining({ code: 'invalid_deploy_id' }));
    expect(() => parseServiceName(null)).toThrow(expect.objectContaining({ code: 'service_name_required' }));
    expect(() => parseServiceName('redis')).toThrow(expect.objectContaining({ code: 'unknown_service' }));
    expect(parseCancelMode(null)).toBe('cancel');
    expect(parseCancelMode('terminate')).toBe('terminate');
    expect(() => parseCancelMode('kill')).toThrow(expect.objectContaining({ code: 'invalid_mode' }));
  });
});

describe('parseImagePushed', () => {
  const expected = { registryHost: '127.0.0.1:5001', repository: 'elb-openapi', registryResourceId: null };
  const event = (
    over: Record<string, unknown> = {},
    target: Record<string, unknown> = {},
    host = '127.0.0.1:5001',
  ) => ({
    id: 'e1',
    topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/elbacr01',
    eventType: 'Microsoft.ContainerRegistry.ImagePushed',
    data: { target: { repository: 'elb-openapi', tag: '3.4', digest: DIGEST, ...target }, request: { host } },
    ...over,
  });
  it('accepts a push of our repository from our registry', () => {
    expect(parseImagePushed(event(), expected)).toEqual({
      ok: true,
      eventId: 'e1',
      push: { repository: 'elb-openapi', tag: '3.4', digest: DIGEST },
    });
  });
  it('ignores other types, repositories, registries, digest-only pushes and bad digests', () => {
    expect(parseImagePushed(event({ eventType: 'Microsoft.ContainerRegistry.ImageDeleted' }), expected).ok).toBe(false);
    expect(parseImagePushed(event({}, { repository: 'other' }), expected).ok).toBe(false);
    expect(parseImagePushed(event({}, {}, 'evil.azurecr.io'), expected).ok).toBe(false);
    expect(parseImagePushed(event({}, { tag: undefined }), expected)).toEqual({
      ok: false,
      reason: expect.stringMatching(/digest-only/),
    });
    expect(parseImagePushed(event({}, { digest: 'sha256:zz' }), expected).ok).toBe(false);
    expect(parseImagePushed(event({ data: null }), expected).ok).toBe(false);
  });
  it('checks the topic against the registry resource id when one is configured', () => {
    const withId = {
      ...expected,
      registryResourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/ELBACR01',
    };
    expect(parseImagePushed(event({}, {}, 'anything'), withId).ok).toBe(true);
    expect(
      parseImagePushed(
        event({ topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/other' }),
        withId,
      ).ok,
    ).toBe(false);
  });
});

describe('authorize', () => {
  const principal = (roles: string[]) =>
    Buffer.from(
      JSON.stringify({ userDetails: 'ana@example.com', userRoles: ['anonymous', 'authenticated', ...roles] }),
    ).toString('base64');
  it('none mode serves loopback callers only', () => {
    expect(authorize('none', 'deployer', 'http://127.0.0.1:7071/api/x', null).name).toBe('local');
    expect(authorize('none', 'deployer', 'http://localhost:7071/api/x', null).name).toBe('local');
    expect(() => authorize('none', 'reader', 'http://10.0.0.4:7071/api/x', null)).toThrow(
      expect.objectContaining({ code: 'auth_required', status: 403 }),
    );
    // The host a request was addressed to counts too (a host that builds the URL from its own address).
    expect(authorize('none', 'reader', 'http://127.0.0.1:7071/api/x', null, ['127.0.0.1:7071', null]).name).toBe(
      'local',
    );
    expect(authorize('none', 'reader', 'http://127.0.0.1:7071/api/x', null, ['localhost:7071']).name).toBe('local');
    for (const host of ['elb.example.com', 'elb.example.com:7071', '10.0.0.4', '127.0.0.1@evil.example']) {
      expect(() => authorize('none', 'reader', 'http://127.0.0.1:7071/api/x', null, [host])).toThrow(
        expect.objectContaining({ code: 'auth_required', status: 403 }),
      );
    }
    expect(() =>
      authorize('none', 'reader', 'http://127.0.0.1:7071/api/x', null, ['127.0.0.1:7071', 'proxy.example.com']),
    ).toThrow(expect.objectContaining({ code: 'auth_required' }));
  });
  it('platform mode needs a principal and the role', () => {
    expect(() => authorize('platform', 'reader', 'https://x/api', null)).toThrow(
      expect.objectContaining({ status: 401 }),
    );
    expect(() => authorize('platform', 'deployer', 'https://x/api', principal(['reader']))).toThrow(
      expect.objectContaining({ code: 'forbidden', status: 403 }),
    );
    expect(authorize('platform', 'reader', 'https://x/api', principal(['deployer']))).toEqual({
      name: 'ana@example.com',
      roles: ['deployer', 'reader'],
    });
    expect(() => authorize('platform', 'reader', 'https://x/api', 'not base64 json')).toThrow(
      expect.objectContaining({ status: 401 }),
    );
  });
  it('refuses the no-auth mode in Azure', () => {
    expect(() => assertAuthModeAllowed('none', { WEBSITE_INSTANCE_ID: 'abc' })).toThrow(/local runs only/);
    expect(() => assertAuthModeAllowed('none', {})).not.toThrow();
    expect(() => assertAuthModeAllowed('platform', { WEBSITE_INSTANCE_ID: 'abc' })).not.toThrow();
  });
});
