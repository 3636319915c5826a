// Request validation, Event Grid parsing and authorization: the API's boundary rules.
import { describe, expect, it } from 'vitest';
import { readImagePushed } from '../acr-event';
import {
  assertAuthModeAllowed,
  assertPlatformAuthEnabled,
  assertSameSiteWrite,
  authorize,
  WriteRequestHeaders,
} from '../auth';
import {
  parseCancelMode,
  parseDeployId,
  parseDeployRequest,
  parseServiceName,
  parseTokenRotateRequest,
} from '../requests';

const DIGEST = 'sha256:' + 'd'.repeat(64);

describe('parseDeployRequest', () => {
  it('accepts an empty body and the documented fields', () => {
    const noSeedFields = {
      cluster: null,
      acrName: null,
      acrResourceGroup: null,
      ignoredFields: [],
      overrideWindow: null,
    };
    expect(parseDeployRequest('')).toEqual({ target: null, tag: null, digest: null, reason: null, ...noSeedFields });
    expect(parseDeployRequest(JSON.stringify({ target: 'local', tag: '3.4', reason: 'update' }))).toEqual({
      ...noSeedFields,
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
    const mode = (q: string) => parseCancelMode(new URLSearchParams(q));
    expect(mode('')).toBe('cancel');
    expect(mode('mode=')).toBe('cancel');
    expect(mode('mode=terminate')).toBe('terminate');
    expect(mode('mode=terminate&mode=terminate')).toBe('terminate');
    expect(() => mode('mode=kill')).toThrow(expect.objectContaining({ code: 'invalid_mode' }));
    expect(() => mode('mode=cancel&mode=terminate')).toThrow(expect.objectContaining({ code: 'invalid_mode' }));
  });
});

describe('readImagePushed', () => {
  const expected = { registryHost: '127.0.0.1:5001', repository: 'elb-openapi', registryResourceId: null };
  const event = (
    over: Record<string, unknown> = {},
    target: Record<string, unknown> = {},
    host = '127.0.0.1:5001',
  ): Record<string, unknown> => ({
    id: 'e1',
    topic: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/elbacr01',
    subject: 'elb-openapi:3.4',
    eventType: 'Microsoft.ContainerRegistry.ImagePushed',
    eventTime: '2026-12-07T12:00:00Z',
    dataVersion: '1.0',
    metadataVersion: '1',
    data: { target: { repository: 'elb-openapi', tag: '3.4', digest: DIGEST, ...target }, request: { host } },
    ...over,
  });
  it('accepts a push of our repository from our registry', async () => {
    expect(await readImagePushed(event(), expected)).toEqual({
      ok: true,
      eventId: 'e1',
      push: { repository: 'elb-openapi', tag: '3.4', digest: DIGEST },
    });
  });
  it('ignores other types, repositories, registries, digest-only pushes and bad digests', async () => {
    const ok = async (e: unknown) => (await readImagePushed(e, expected)).ok;
    expect(await ok(event({ eventType: 'Microsoft.ContainerRegistry.ImageDeleted' }))).toBe(false);
    expect(await ok(event({}, { repository: 'other' }))).toBe(false);
    expect(await ok(event({}, {}, 'evil.azurecr.io'))).toBe(false);
    expect(await readImagePushed(event({}, { tag: undefined }), expected)).toEqual({
      ok: false,
      reason: expect.stringMatching(/digest-only/),
    });
    expect(await ok(event({}, { digest: 'sha256:zz' }))).toBe(false);
    expect(await ok(event({ data: null }))).toBe(false);
  });
  it('refuses what is not one event in the Event Grid schema', async () => {
    const reason = async (e: unknown) => {
      const r = await readImagePushed(e, expected);
      return r.ok ? 'accepted' : r.reason;
    };
    expect(await reason(null)).toBe('not an event');
    expect(await reason([event()])).toBe('not an event');
    expect(await reason('{}')).toBe('not an event');
    // A CloudEvents envelope, or an Event Grid one with fields missing or of the wrong type.
    const cloud = { specversion: '1.0', id: 'e1', source: 'x', type: 'Microsoft.ContainerRegistry.ImagePushed' };
    expect(await reason(cloud)).toMatch(/not an Event Grid event/);
    for (const field of ['id', 'subject', 'eventType', 'eventTime', 'dataVersion', 'metadataVersion']) {
      const e = event();
      delete e[field];
      expect(await reason(e)).toMatch(/not an Event Grid event/);
    }
    expect(await reason(event({ id: 5 }))).toMatch(/not an Event Grid event/);
  });
  it('checks the topic against the registry resource id when one is configured', async () => {
    const withId = {
      ...expected,
      registryResourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/ELBACR01',
    };
    expect((await readImagePushed(event({}, {}, 'anything'), withId)).ok).toBe(true);
    const other = '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/other';
    expect((await readImagePushed(event({ topic: other }), withId)).ok).toBe(false);
    const noTopic = event();
    delete noTopic.topic;
    expect((await readImagePushed(noTopic, withId)).ok).toBe(false);
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
    expect(() =>
      assertAuthModeAllowed('platform', { WEBSITE_INSTANCE_ID: 'abc', WEBSITE_AUTH_ENABLED: 'True' }),
    ).not.toThrow();
  });
  it('refuses the platform mode unless the platform authenticates in front of the app', () => {
    for (const env of [
      {},
      { WEBSITE_AUTH_ENABLED: 'False' },
      { WEBSITE_AUTH_ENABLED: '' },
      { WEBSITE_AUTH_ENABLED: '1' },
    ]) {
      expect(() => assertPlatformAuthEnabled('platform', env)).toThrow(
        expect.objectContaining({ code: 'platform_auth_disabled', status: 503 }),
      );
    }
    expect(() => assertPlatformAuthEnabled('platform', { WEBSITE_AUTH_ENABLED: 'True' })).not.toThrow();
    expect(() => assertPlatformAuthEnabled('none', {})).not.toThrow();
  });
});

describe('assertSameSiteWrite', () => {
  const own = 'http://127.0.0.1:7071';
  const dashboard = ['http://127.0.0.1:5173'];
  const write = (over: Partial<WriteRequestHeaders> = {}): WriteRequestHeaders => ({
    method: 'POST',
    contentType: 'application/json',
    origin: null,
    secFetchSite: null,
    ownOrigin: own,
    ...over,
  });
  const code = (mode: 'none' | 'platform', req: WriteRequestHeaders) => {
    try {
      assertSameSiteWrite(mode, req, dashboard);
      return 'allowed';
    } catch (err) {
      return (err as { code: string }).code;
    }
  };
  it('lets reads through whatever they carry', () => {
    expect(code('none', write({ method: 'GET', contentType: 'text/plain', origin: 'http://evil.example' }))).toBe(
      'allowed',
    );
  });
  it('needs JSON for every write, in both modes', () => {
    for (const mode of ['none', 'platform'] as const) {
      for (const contentType of [
        null,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/jsonx',
      ]) {
        expect(code(mode, write({ contentType }))).toBe('unsupported_media_type');
      }
      expect(code(mode, write({ contentType: 'Application/JSON; charset=utf-8' }))).toBe('allowed');
    }
  });
  it('refuses a foreign Origin or a cross-site fetch in the no-auth mode', () => {
    expect(code('none', write({ origin: 'http://evil.example' }))).toBe('cross_origin');
    expect(code('none', write({ origin: 'null' }))).toBe('cross_origin');
    expect(code('none', write({ origin: 'http://127.0.0.1:5174' }))).toBe('cross_origin');
    expect(code('none', write({ secFetchSite: 'cross-site' }))).toBe('cross_origin');
    expect(code('none', write({ origin: own }))).toBe('allowed');
    expect(code('none', write({ origin: 'http://127.0.0.1:5173', secFetchSite: 'same-origin' }))).toBe('allowed');
    // Scripts and curl send no Origin.
    expect(code('none', write())).toBe('allowed');
  });
});

describe('parseTokenRotateRequest', () => {
  it('takes an empty body or {}; anything else is a coded 400', () => {
    expect(() => parseTokenRotateRequest('')).not.toThrow();
    expect(() => parseTokenRotateRequest(' {} ')).not.toThrow();
    const code = (raw: string) => {
      try {
        parseTokenRotateRequest(raw);
        return null;
      } catch (err) {
        return (err as { code: string; status: number }).code;
      }
    };
    expect(code('{"token":"mine"}')).toBe('unknown_field');
    expect(code('{')).toBe('invalid_json');
    expect(code('[]')).toBe('invalid_body');
    expect(code('"x"')).toBe('invalid_body');
    expect(code('x'.repeat(20_000))).toBe('body_too_large');
  });
});

describe('override_window on a deploy body', () => {
  it('carries a reason, trimmed; anything else in it, or no reason, is refused with a code', () => {
    expect(parseDeployRequest(JSON.stringify({ override_window: { reason: '  hotfix for CVE-1 ' } }))).toMatchObject({
      overrideWindow: 'hotfix for CVE-1',
    });
    for (const [body, code] of [
      [{ override_window: {} }, 'invalid_override_window'],
      [{ override_window: { reason: 'x' } }, 'invalid_override_window'],
      [{ override_window: { reason: 'a'.repeat(301) } }, 'invalid_override_window'],
      [{ override_window: { reason: 'line\nbreak' } }, 'invalid_override_window'],
      [{ override_window: { reason: 'ok reason', by: 'mallory' } }, 'unknown_field'],
      [{ override_window: true }, 'invalid_override_window'],
    ] as const) {
      expect(() => parseDeployRequest(JSON.stringify(body)), JSON.stringify(body)).toThrow(
        expect.objectContaining({ code }),
      );
    }
  });
});
