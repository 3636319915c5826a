// Pure modules: kubeconfig check, redaction, settings, request validation, routing, parser-error answers.
import { describe, expect, it } from 'vitest';

import { clientErrorAnswer } from '../http-guard';
import { checkKubeconfig } from '../kubeconfig-check';
import { redactSecrets } from '../redact';
import { BadRequest, parseExecRequest } from '../request';
import { routeOf } from '../routes';
import { loadSettings, SettingsError } from '../settings';

const WORK = '/tmp/elb-exec-0/req-1';

const kubeconfig = (user: string, cluster = 'server: https://x') => `apiVersion: v1
clusters:
- name: c
  cluster:
    ${cluster}
users:
- name: u
  user:
    ${user}
`;

describe('checkKubeconfig', () => {
  it('accepts plain tokens and inline certificates', () => {
    expect(checkKubeconfig(kubeconfig('token: abc'), WORK, [WORK], [])).toBeUndefined();
    expect(checkKubeconfig(kubeconfig('client-key-data: AAAA'), WORK, [WORK], [])).toBeUndefined();
    expect(checkKubeconfig(kubeconfig('tokenFile: token'), WORK, [WORK], [])).toBeUndefined();
  });

  it('accepts an allowed credential plugin and refuses any other', () => {
    const kubelogin = kubeconfig('exec:\n      command: kubelogin\n      args: [get-token]');
    expect(checkKubeconfig(kubelogin, WORK, [WORK], ['kubelogin'])).toBeUndefined();
    expect(checkKubeconfig(kubelogin, WORK, [WORK], [])?.rule).toBe('kubeconfig.exec_commands');
    const sh = kubeconfig('exec:\n      command: /bin/sh');
    expect(checkKubeconfig(sh, WORK, [WORK], ['kubelogin'])?.rule).toBe('kubeconfig.exec_commands');
  });

  it('matches field names without regard to case, as Go decoding may', () => {
    const sneaky = kubeconfig('Exec:\n      Command: sh');
    expect(checkKubeconfig(sneaky, WORK, [WORK], ['kubelogin'])?.rule).toBe('kubeconfig.exec_commands');
    expect(checkKubeconfig(kubeconfig('TOKENFILE: /etc/shadow'), WORK, [WORK], [])?.rule).toBe('path_roots');
  });

  it('refuses files outside the allowed roots, resolved from the kubeconfig directory', () => {
    expect(checkKubeconfig(kubeconfig('tokenFile: ../../etc/shadow'), WORK, [WORK], [])?.rule).toBe('path_roots');
    expect(checkKubeconfig(kubeconfig('client-key: /root/key'), WORK, [WORK], [])?.rule).toBe('path_roots');
    const ca = kubeconfig('token: a', 'certificate-authority: /etc/ssl/ca.pem');
    expect(checkKubeconfig(ca, WORK, [WORK], [])?.rule).toBe('path_roots');
    expect(checkKubeconfig(ca, WORK, [WORK, '/etc/ssl'], [])).toBeUndefined();
  });

  it('refuses auth providers and text it cannot parse', () => {
    expect(checkKubeconfig(kubeconfig('auth-provider: {name: oidc}'), WORK, [WORK], [])?.rule).toBe(
      'kubeconfig.auth_provider',
    );
    expect(checkKubeconfig('users: [: :', WORK, [WORK], [])?.rule).toBe('kubeconfig.format');
    expect(checkKubeconfig('- a\n- b\n', WORK, [WORK], [])?.rule).toBe('kubeconfig.format');
  });
});

describe('redactSecrets', () => {
  it.each([
    ['a SAS signature', 'https://a.blob.core.windows.net/c/b?sv=2022-11-02&sig=abc%2Fdef%3D&se=x', 'abc%2Fdef'],
    ['a storage connection string', 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=Zm9vYmFy==;', 'Zm9vYmFy'],
    ['a bearer token', 'Authorization: Bearer abc.def.ghi', 'abc.def.ghi'],
    ['a JWT', 'token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl', 'eyJhbGciOiJSUzI1NiJ9'],
    ['an az access token', '{"accessToken": "opaque-access-token", "tokenType": "Bearer"}', 'opaque-access-token'],
    ['a kubeconfig key', 'client-key-data: LS0tLS1CRUdJTg==', 'LS0tLS1CRUdJTg'],
    ['a service bus key', 'Endpoint=sb://x/;SharedAccessKeyName=r;SharedAccessKey=c2VjcmV0=', 'c2VjcmV0'],
    ['a password', 'Server=db;User Id=u;Password=hunter2;', 'hunter2'],
    ['a client secret', '{"client_secret":"s3cr3t"}', 's3cr3t'],
  ])('removes %s', (_name, text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps JSON output parseable and leaves ordinary fields alone', () => {
    const json = JSON.stringify({
      metadata: { name: 'elb-openapi', uid: '0b7d3c1e-1111-2222-3333-444455556666' },
      spec: { volumes: [{ secret: { secretName: 'elb-openapi-token' } }] },
      data: { token: 'c2VjcmV0LXRva2Vu' },
      image: 'elbacr01.azurecr.io/elb-openapi@sha256:abcd',
    });
    const out = redactSecrets(json);
    const parsed = JSON.parse(out) as Record<string, Record<string, unknown>>;
    expect(parsed.data?.token).toBe('[REDACTED]');
    expect(parsed.metadata?.name).toBe('elb-openapi');
    expect(out).toContain('elb-openapi-token');
    expect(out).toContain('sha256:abcd');
  });
});

describe('loadSettings', () => {
  const token = 'a'.repeat(32);

  it('has safe defaults', () => {
    expect(loadSettings({ EXEC_TOKEN: token })).toMatchObject({
      host: '127.0.0.1',
      port: 7682,
      maxConcurrency: 4,
      maxBodyBytes: 8 * 1024 * 1024,
      defaultTimeoutSeconds: 60,
      maxTimeoutSeconds: 1800,
      policyFile: undefined,
    });
  });

  it.each([
    [{}, 'token_too_short'],
    [{ EXEC_TOKEN: 'a'.repeat(31) }, 'token_too_short'],
    [{ EXEC_TOKEN: `${'a'.repeat(32)} b` }, 'token_invalid'],
    [{ EXEC_TOKEN: token, EXEC_HOST: '0.0.0.0' }, 'non_loopback_refused'],
    [{ EXEC_TOKEN: token, EXEC_PORT: 'eighty' }, 'invalid_setting'],
    [{ EXEC_TOKEN: token, EXEC_MAX_CONCURRENCY: '0' }, 'invalid_setting'],
    [{ EXEC_TOKEN: token, EXEC_ALLOW_NON_LOOPBACK: 'yes' }, 'invalid_setting'],
  ])('refuses %j', (env, code) => {
    try {
      loadSettings(env);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SettingsError);
      expect((err as SettingsError).code).toBe(code);
      expect((err as Error).message).not.toContain('a'.repeat(31));
    }
  });

  it('binds elsewhere only with the explicit opt-in', () => {
    expect(loadSettings({ EXEC_TOKEN: token, EXEC_HOST: '0.0.0.0', EXEC_ALLOW_NON_LOOPBACK: '1' }).host).toBe(
      '0.0.0.0',
    );
    expect(loadSettings({ EXEC_TOKEN: token, EXEC_HOST: '127.0.0.2' }).host).toBe('127.0.0.2');
    expect(loadSettings({ EXEC_TOKEN: token, EXEC_HOST: '[::1]' }).host).toBe('[::1]');
    expect(() => loadSettings({ EXEC_TOKEN: token, EXEC_HOST: '10.0.0.1' })).toThrow(SettingsError);
  });
});

describe('parseExecRequest', () => {
  const limits = {
    maxStdinBytes: 16,
    defaultTimeoutSeconds: 60,
    maxTimeoutSeconds: 1800,
    maxSteps: 2,
    maxFiles: 1,
    maxArgs: 4,
    maxArgBytes: 8,
  };

  it('normalises one command and steps with inherited timeouts', () => {
    expect(parseExecRequest({ argv: ['a'], stdin: 'x' }, limits).steps[0]).toMatchObject({
      argv: ['a'],
      timeoutSeconds: 60,
    });
    const multi = parseExecRequest(
      { timeout_seconds: 5, steps: [{ argv: ['a'] }, { argv: ['b'], timeout_seconds: 9 }] },
      limits,
    );
    expect(multi.steps.map((s) => s.timeoutSeconds)).toEqual([5, 9]);
    expect(multi.multiStep).toBe(true);
  });

  it.each([
    [{ argv: ['a'], stdin: 'x'.repeat(17) }, 'stdin_too_large'],
    [{ steps: [{ argv: ['a'] }, { argv: ['a'] }, { argv: ['a'] }] }, 'invalid_steps'],
    [{ steps: [] }, 'invalid_steps'],
    [{ steps: [{ argv: ['a'], cwd: '/' }] }, 'unknown_field'],
    [{ argv: ['a'], files: { a: '1', b: '2' } }, 'invalid_files'],
    [{ argv: ['a'], files: { a: 1 } }, 'invalid_files'],
    [{ argv: ['a', 'b', 'c', 'd', 'e'] }, 'invalid_argv'],
    [{ argv: ['a', '123456789'] }, 'invalid_argv'],
    [{ argv: ['.hidden'] }, 'invalid_argv'],
    [{ argv: ['a'], timeout_seconds: 0 }, 'timeout_out_of_range'],
    [{ argv: ['a'], timeout_seconds: '5' }, 'invalid_timeout'],
    [null, 'invalid_body'],
  ])('refuses %j', (body, code) => {
    expect(() => parseExecRequest(body, limits)).toThrow(BadRequest);
    try {
      parseExecRequest(body, limits);
    } catch (err) {
      expect((err as BadRequest).code).toBe(code);
    }
  });
});

describe('routeOf', () => {
  it.each([
    ['/healthz', 'GET', { kind: 'healthz' }],
    ['/healthz?x=1', 'HEAD', { kind: 'healthz' }],
    ['/exec', 'POST', { kind: 'exec', streaming: false }],
    ['/exec/stream', 'POST', { kind: 'exec', streaming: true }],
    ['/exec/req-1', 'DELETE', { kind: 'cancel', id: 'req-1' }],
    ['/exec/a%20b', 'DELETE', { kind: 'cancel', id: 'a b' }],
    ['/exec/%E0%A4%A', 'DELETE', { kind: 'cancel', id: '%E0%A4%A' }],
    ['/exec', 'GET', { kind: 'method_not_allowed', allow: 'POST' }],
    ['/healthz', 'POST', { kind: 'method_not_allowed', allow: 'GET, HEAD' }],
    ['/exec/x', 'POST', { kind: 'method_not_allowed', allow: 'DELETE' }],
    ['//', 'GET', { kind: 'not_found' }],
    ['*', 'OPTIONS', { kind: 'not_found' }],
    ['http://[::1', 'GET', { kind: 'not_found' }],
    ['http://x/exec', 'POST', { kind: 'not_found' }],
    ['/exec/a/b', 'DELETE', { kind: 'not_found' }],
    [undefined, undefined, { kind: 'not_found' }],
  ])('%s %s', (target, method, route) => {
    expect(routeOf(target, method)).toEqual(route);
  });
});

describe('clientErrorAnswer', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  it('maps Node parser and timer errors to JSON answers, and a gone peer to none', () => {
    expect(clientErrorAnswer(err('HPE_INVALID_METHOD'))).toMatchObject({
      status: 400,
      body: { code: 'malformed_request' },
    });
    expect(clientErrorAnswer(err('HPE_HEADER_OVERFLOW'))).toMatchObject({
      status: 431,
      body: { code: 'headers_too_large' },
    });
    expect(clientErrorAnswer(err('ERR_HTTP_REQUEST_TIMEOUT'))).toMatchObject({
      status: 408,
      body: { code: 'request_timeout' },
    });
    expect(clientErrorAnswer(err('ECONNRESET'))).toBeUndefined();
  });
});
