// Microsoft.ContainerRegistry on the sim's ARM endpoint through the REAL @azure/arm-containerregistry client and
// the REAL @azure/identity DefaultAzureCredential (App Service managed identity protocol), in a child process
// started with NODE_EXTRA_CA_CERTS as the app will be: registry facts, ACR Tasks builds that succeed (digest pushed,
// event delivered), fail, time out and are cancelled, runs.list; and what a client without a good token gets.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestSim, type AnyJson, type TestSim } from './support';
import {
  armRequest,
  BUILD_REQUEST,
  identityToken,
  startSdkDriver,
  startSink,
  type SdkDriver,
  type Sink,
} from './arm-support';

let sim: TestSim;
let sdk: SdkDriver;
let sink: Sink;
const BUILD_MS = 600;

beforeAll(async () => {
  sink = await startSink();
  sim = await startTestSim({ webhook: sink.url, buildDelayMs: BUILD_MS, tokenTtlMs: 3_600_000 });
  sdk = await startSdkDriver(sim);
});

afterAll(async () => {
  sdk?.stop();
  await sim?.stop();
  await sink?.close();
});

beforeEach(() => {
  sim.faults.clear();
});

const tagDigest = (repo: string, tag: string): string | undefined => sim.registry.resolve(repo, tag)?.digest;

async function runUntilDone(runId: string, timeoutMs = 20_000): Promise<AnyJson> {
  return eventually(
    async () => {
      const r = await sdk.ok('runs.get', { runId });
      return ['Queued', 'Started', 'Running'].includes(r.status) ? undefined : r;
    },
    `run ${runId} to finish`,
    timeoutMs,
  );
}

describe('registries.get', () => {
  it('answers the registry facts: name, login server, SKU, location, resource id', async () => {
    const reg = await sdk.ok('registries.get');
    expect(reg.id).toBe(sim.arm.registryResourceId);
    expect(reg.name).toBe('elbsim');
    expect(reg.loginServer).toBe(sim.registryHostPort);
    expect(reg.sku).toEqual({ name: 'Standard', tier: 'Standard' });
    expect(reg.location).toBe('eastus');
    expect(reg.provisioningState).toBe('Succeeded');
  });
});

describe('ACR Tasks builds (scheduleRun → runs)', () => {
  it('a build is queued, runs, succeeds, pushes a new digest for the tag and sends the push event', async () => {
    const before = tagDigest('elb-openapi', '3.4');
    const eventsBefore = sink.events.length;
    const started = Date.now();
    const queued = await sdk.ok('scheduleRun', { request: BUILD_REQUEST });
    expect(queued.runId).toMatch(/^ca\d+$/);
    expect(['Queued', 'Running']).toContain(queued.status);
    expect(queued.outputImages ?? []).toEqual([]);
    const done = await runUntilDone(queued.runId);
    expect(done.status).toBe('Succeeded');
    expect(Date.now() - started).toBeGreaterThanOrEqual(BUILD_MS - 50);
    expect(done.outputImages).toHaveLength(1);
    const out = done.outputImages[0];
    expect(out).toMatchObject({ registry: sim.registryHostPort, repository: 'elb-openapi', tag: '3.4' });
    // The digest the run reports is what the registry now serves for the tag, and it is new.
    expect(out.digest).toBe(tagDigest('elb-openapi', '3.4'));
    expect(out.digest).not.toBe(before);
    const manifest = sim.registry.resolve('elb-openapi', out.digest);
    expect(createHash('sha256').update(manifest!.content).digest('hex')).toBe(out.digest.slice(7));
    // The push event, as ACR sends it, reached the webhook.
    const event = await eventually(
      () => sink.events.slice(eventsBefore).find((e) => e.data?.target?.digest === out.digest),
      'the push event',
    );
    expect(event.eventType).toBe('Microsoft.ContainerRegistry.ImagePushed');
    expect(event.topic).toBe(sim.arm.registryResourceId);
    expect(event.data.target).toMatchObject({ repository: 'elb-openapi', tag: '3.4' });
    expect(done.startTime).toBeDefined();
    expect(done.finishTime).toBeDefined();
    // Never a log link: a log SAS URL would be a secret.
    expect(JSON.stringify(done)).not.toMatch(/logLink|sig=|sas/i);
  });

  it('a build_fail fault fails the next build with its message; nothing is pushed, and the fault is used up', async () => {
    const before = tagDigest('elb-openapi', '3.4');
    sim.faults.add({ type: 'build_fail', message: 'step 4/9: RUN pip install failed' });
    const queued = await sdk.ok('scheduleRun', { request: BUILD_REQUEST });
    const done = await runUntilDone(queued.runId);
    expect(done.status).toBe('Failed');
    expect(done.runErrorMessage).toBe('step 4/9: RUN pip install failed');
    expect(done.outputImages).toEqual([]);
    expect(tagDigest('elb-openapi', '3.4')).toBe(before);
    expect(sim.faults.of('build_fail')).toEqual([]);
    // The build after it succeeds again.
    const next = await runUntilDone((await sdk.ok('scheduleRun', { request: BUILD_REQUEST })).runId);
    expect(next.status).toBe('Succeeded');
  });

  it('a long build is cancelled mid-run with runs.beginCancel: Canceled, nothing pushed', async () => {
    const before = tagDigest('elb-openapi', '3.4');
    const eventsBefore = sink.events.length;
    sim.faults.add({ type: 'build_slow', delay_ms: 60_000 });
    const queued = await sdk.ok('scheduleRun', { request: BUILD_REQUEST });
    await eventually(async () => (await sdk.ok('runs.get', { runId: queued.runId })).status === 'Running', 'Running');
    expect(await sdk.ok('runs.cancel', { runId: queued.runId })).toEqual({ canceled: true });
    const r = await sdk.ok('runs.get', { runId: queued.runId });
    expect(r.status).toBe('Canceled');
    expect(r.finishTime).toBeDefined();
    expect(r.outputImages).toEqual([]);
    await new Promise((res) => setTimeout(res, 300));
    expect(tagDigest('elb-openapi', '3.4')).toBe(before);
    expect(sink.events.length).toBe(eventsBefore);
    // Cancelling a finished run changes nothing.
    await sdk.ok('runs.cancel', { runId: queued.runId });
    expect((await sdk.ok('runs.get', { runId: queued.runId })).status).toBe('Canceled');
  });

  it('a build longer than its timeout ends as Timeout', async () => {
    sim.faults.add({ type: 'build_slow', delay_ms: 30_000 });
    const queued = await sdk.ok('scheduleRun', { request: { ...BUILD_REQUEST, timeout: 1 } });
    const done = await runUntilDone(queued.runId);
    expect(done.status).toBe('Timeout');
    expect(done.runErrorMessage).toMatch(/timeout of 1 s/);
  });

  it('concurrent builds get their own run ids and their own digests; the tag ends on the last push', async () => {
    const token = await identityToken(sim, 'https://management.azure.com');
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        armRequest(sim, 'POST', `${sim.arm.registryResourceId}/scheduleRun?api-version=2019-06-01-preview`, {
          token,
          body: JSON.stringify(BUILD_REQUEST),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    const ids = answers.map((a) => a.body.name as string);
    expect(new Set(ids).size).toBe(6);
    const done = await Promise.all(ids.map((id) => runUntilDone(id)));
    expect(done.map((r) => r.status)).toEqual(Array(6).fill('Succeeded'));
    const digests = done.map((r) => r.outputImages[0].digest as string);
    expect(new Set(digests).size).toBe(6);
    // Equal delays finish in the order they were queued, so the newest run pushed last.
    const newest = [...done].sort((a, b) => Number(b.runId.slice(2)) - Number(a.runId.slice(2)))[0];
    expect(tagDigest('elb-openapi', '3.4')).toBe(newest.outputImages[0].digest);
  });

  it('runs.list: newest first, $top and $filter as the SDK sends them', async () => {
    const all = await sdk.ok('runs.list');
    expect(all.length).toBeGreaterThanOrEqual(5);
    const ids = all.map((r: AnyJson) => Number(r.runId.slice(2)));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(await sdk.ok('runs.list', { top: 2 })).toHaveLength(2);
    const failed = await sdk.ok('runs.list', { filter: "status eq 'Failed'" });
    expect(failed.length).toBe(1);
    expect(failed[0].runErrorMessage).toBe('step 4/9: RUN pip install failed');
    const one = await sdk.ok('runs.list', { filter: `runId eq '${all[0].runId}'` });
    expect(one.map((r: AnyJson) => r.runId)).toEqual([all[0].runId]);
    const bad = await sdk.call('runs.list', { filter: "taskName eq 'x' or 1 eq 1" });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatchObject({ status: 400, code: 'InvalidFilter' });
  });

  it('bad build requests are refused with ARM coded errors and queue nothing', async () => {
    const count = (await sdk.ok('runs.list')).length;
    for (const [request, code] of [
      [{ ...BUILD_REQUEST, imageNames: ['Elb Openapi'] }, 'InvalidRequestContent'],
      [{ ...BUILD_REQUEST, imageNames: [] }, 'InvalidRequestContent'],
      [{ ...BUILD_REQUEST, dockerFilePath: '../../etc/passwd\n' }, 'InvalidRequestContent'],
      [{ ...BUILD_REQUEST, platform: { os: 'Plan9' } }, 'InvalidRequestContent'],
      [{ ...BUILD_REQUEST, sourceLocation: 'http://insecure.example/repo.git' }, 'InvalidRequestContent'],
      [
        { type: 'EncodedTaskRunRequest', encodedTaskContent: 'eA==', platform: { os: 'Linux' } },
        'UnsupportedRunRequestType',
      ],
    ] as const) {
      const r = await sdk.call('scheduleRun', { request });
      expect(r.ok, JSON.stringify(request)).toBe(false);
      expect(r.error).toMatchObject({ status: 400, code });
    }
    expect((await sdk.ok('runs.list')).length).toBe(count);
  });

  it('an arm_errors fault makes Resource Manager answer 503 until cleared; tokens are still issued', async () => {
    const fault = sim.faults.add({ type: 'arm_errors' });
    try {
      const r = await sdk.call('registries.get');
      expect(r.ok).toBe(false);
      expect(r.error).toMatchObject({ status: 503, code: 'ServiceUnavailable' });
      // Lasting, unlike the build faults: a second read fails too.
      expect((await sdk.call('runs.list')).error).toMatchObject({ status: 503 });
    } finally {
      sim.faults.remove(fault.id);
    }
    expect((await sdk.ok('registries.get')).name).toBe('elbsim');
  });

  it('an unknown run is 404 ResourceNotFound', async () => {
    const r = await sdk.call('runs.get', { runId: 'ca999999' });
    expect(r.error).toMatchObject({ status: 404, code: 'ResourceNotFound' });
  });
});

describe('hostile clients', () => {
  const reg = (): string => sim.arm.registryResourceId;
  const schedule = (token?: string, body = JSON.stringify(BUILD_REQUEST)) =>
    armRequest(sim, 'POST', `${reg()}/scheduleRun?api-version=2019-06-01-preview`, {
      body,
      ...(token ? { token } : {}),
    });

  it('no bearer, a forged one, or one for another audience: 401 in ARM shape, and nothing is built', async () => {
    const count = sim.plane.builds.list(null, null).length;
    const none = await schedule();
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('AuthenticationFailed');
    expect(String(none.headers['www-authenticate'])).toMatch(/^Bearer /);
    const forged = await schedule('Zm9yZ2VkLXRva2VuLWZvcmdlZC10b2tlbg');
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('InvalidAuthenticationToken');
    const aksToken = await identityToken(sim, '6dae42f8-4368-4678-94ff-3960e28e3630');
    const wrong = await schedule(aksToken);
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('InvalidAuthenticationTokenAudience');
    expect(sim.plane.builds.list(null, null).length).toBe(count);
    // A GET is refused the same way.
    expect((await armRequest(sim, 'GET', `${reg()}?api-version=2019-05-01`)).status).toBe(401);
  });

  it('the token endpoint wants the identity header and a known resource', async () => {
    const path = `/msi/token?api-version=2019-08-01&resource=${encodeURIComponent('https://management.azure.com')}`;
    expect((await armRequest(sim, 'GET', path)).status).toBe(401);
    expect((await armRequest(sim, 'GET', path, { headers: { 'x-identity-header': 'guess' } })).status).toBe(401);
    const other = await armRequest(
      sim,
      'GET',
      '/msi/token?api-version=2019-08-01&resource=https%3A%2F%2Fvault.azure.net',
      {
        headers: { 'x-identity-header': sim.arm.identityHeader },
      },
    );
    expect(other.status).toBe(400);
    expect(other.body.error).toBe('invalid_resource');
  });

  it('malformed JSON, an oversized body and a missing api-version are coded errors; the sim keeps serving', async () => {
    const token = await identityToken(sim, 'https://management.azure.com');
    const bad = await schedule(token, '{"type":"DockerBuildRequest",');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('InvalidRequestContent');
    const big = await schedule(token, JSON.stringify({ ...BUILD_REQUEST, pad: 'x'.repeat(200 * 1024) }));
    expect(big.status).toBe(413);
    expect(big.body.error?.code ?? big.body.code).toBe('body_too_large');
    const noVersion = await armRequest(sim, 'GET', reg(), { token });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.code).toBe('MissingApiVersionParameter');
    const unknown = await armRequest(sim, 'GET', `${reg().replace('elbsim', 'other')}?api-version=2019-05-01`, {
      token,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ResourceNotFound');
    const logs = await armRequest(sim, 'POST', `${reg()}/runs/ca1/listLogSasUrl?api-version=2019-06-01-preview`, {
      token,
    });
    expect(logs.status).toBe(400);
    expect(logs.body.error.code).toBe('OperationNotSupported');
    // Still serving, through the SDK.
    expect((await sdk.ok('registries.get')).name).toBe('elbsim');
  });

  it('plain HTTP, garbage and an untrusting TLS client on the HTTPS port end only their own connection', async () => {
    const port = Number(new URL(sim.arm.url).port);
    const plain = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
    });
    expect(plain).not.toContain('HTTP/1.1 200');
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => s.end(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0, 1, 2, 3])));
      s.resume();
      s.on('close', () => resolve());
      s.on('error', () => undefined);
    });
    const refused = await new Promise<string>((resolve) => {
      const s = tlsConnect({ port, host: '127.0.0.1' }, () => resolve('connected'));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expect(refused).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    expect((await sdk.ok('registries.get')).name).toBe('elbsim');
  });

  it('an expired token is refused with ExpiredAuthenticationToken', async () => {
    const short = await startTestSim({ tokenTtlMs: 300 });
    try {
      const token = await identityToken(short, 'https://management.azure.com');
      const get = (): ReturnType<typeof armRequest> =>
        armRequest(short, 'GET', `${short.arm.registryResourceId}?api-version=2019-05-01`, { token });
      expect((await get()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      const late = await get();
      expect(late.status).toBe(401);
      expect(late.body.error.code).toBe('ExpiredAuthenticationToken');
    } finally {
      await short.stop();
    }
  });
});

describe('time and restarts', () => {
  it('a zero-delay build succeeds at once; a build in flight when the sim stops ends as Error after the restart', async () => {
    const first = await startTestSim({ buildDelayMs: 0 });
    const stateDir = first.stateDir;
    try {
      const schedule = async (s: TestSim): Promise<string> => {
        const r = await armRequest(
          s,
          'POST',
          `${s.arm.registryResourceId}/scheduleRun?api-version=2019-06-01-preview`,
          {
            token: await identityToken(s, 'https://management.azure.com'),
            body: JSON.stringify(BUILD_REQUEST),
          },
        );
        expect(r.status).toBe(200);
        return r.body.name as string;
      };
      const quick = await schedule(first);
      const done = await eventually(
        () => {
          const r = first.plane.builds.get(quick);
          return r?.status === 'Succeeded' ? r : undefined;
        },
        'the zero-delay build',
        5_000,
      );
      expect(done.outputImages[0]!.digest).toBe(first.registry.resolve('elb-openapi', '3.4')!.digest);
      first.faults.add({ type: 'build_slow', delay_ms: 60_000 });
      const slow = await schedule(first);
      await first.close();
      const second = await startTestSim({ stateDir });
      try {
        const run = second.plane.builds.get(slow)!;
        expect(run.status).toBe('Error');
        expect(run.runErrorMessage).toBe('the sim stopped during the run');
        expect(second.plane.builds.get(quick)!.status).toBe('Succeeded');
        // Run ids go on from where they were.
        expect(await schedule(second)).toBe(`ca${Number(slow.slice(2)) + 1}`);
      } finally {
        await second.stop();
      }
    } finally {
      await first.close().catch(() => undefined);
    }
  });
});
