// The registry with the real @azure/container-registry client (anonymous, over http), the OCI read routes, and
// push → Event Grid ImagePushed delivery to a webhook, through the API and the CLI.
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerRegistryClient, KnownContainerRegistryAudience } from '@azure/container-registry';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DEFAULTS } from '../sim';
import { runTsCli } from '../../test/support/ts-cli';
import { eventually, getJson, startTestSim, type AnyJson, type TestSim } from './support';

const SIM_CLI = join(__dirname, '..', 'cli.ts');

let sim: TestSim;
let hook: Server;
const received: { headers: IncomingHttpHeaders; body: AnyJson }[] = [];
let hookStatus = 200;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(text) });
      res.writeHead(hookStatus).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const port = (hook.address() as AddressInfo).port;
  sim = await startTestSim({
    webhook: `http://127.0.0.1:${port}/runtime/webhooks/EventGrid?functionName=acrImagePushed&code=topsecret`,
    registryHost: 'elbacr01.azurecr.io',
  });
});
afterAll(async () => {
  await sim?.stop();
  hook?.close();
});

/** `POST /_sim/push`, the sim's push API; answers the status and the parsed JSON. */
function simPush(body: Record<string, unknown>) {
  return getJson(`${sim.registryUrl}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/**
 * The SDK only speaks https to a registry. These two public pipeline hooks let it reach the sim's plain-http
 * endpoint: the URL looks like https to the SDK's auth policy, and is sent as http.
 */
function httpClient(endpoint: string): ContainerRegistryClient {
  const asHttps: PipelinePolicy = {
    name: 'simAsHttps',
    sendRequest: (req, next) => ((req.url = req.url.replace(/^http:/, 'https:')), next(req)),
  };
  const asHttp: PipelinePolicy = {
    name: 'simAsHttp',
    sendRequest: (req, next) => {
      req.url = req.url.replace(/^https:/, 'http:');
      req.allowInsecureConnection = true;
      return next(req);
    },
  };
  return new ContainerRegistryClient(endpoint, {
    audience: KnownContainerRegistryAudience.AzureResourceManagerPublicCloud,
    additionalPolicies: [
      { policy: asHttps, position: 'perCall' },
      { policy: asHttp, position: 'perRetry' },
    ],
  });
}

describe('registry', () => {
  it('answers @azure/container-registry anonymously: repositories, tags with digests and times, manifest properties', async () => {
    const client = httpClient(sim.registryUrl);
    const repos: string[] = [];
    for await (const r of client.listRepositoryNames()) repos.push(r);
    expect(repos).toEqual(['elb-openapi']);
    const tags: { name: string; digest: string; createdOn: Date }[] = [];
    for await (const t of client.getArtifact('elb-openapi', '3.4').listTagProperties()) tags.push(t);
    expect(tags.map((t) => t.name).sort()).toEqual(['3.3', '3.4']);
    expect(tags.every((t) => /^sha256:[0-9a-f]{64}$/.test(t.digest) && t.createdOn instanceof Date)).toBe(true);
    const tag = await client.getArtifact('elb-openapi', '3.4').getTagProperties('3.4');
    expect(tag.registryLoginServer).toBe('elbacr01.azurecr.io');
    const byTag = await client.getArtifact('elb-openapi', '3.4').getManifestProperties();
    expect(byTag.digest).toBe(tag.digest);
    expect(byTag.tags).toEqual(['3.4']);
    const byDigest = await client.getArtifact('elb-openapi', tag.digest).getManifestProperties();
    expect(byDigest).toMatchObject({ digest: tag.digest, architecture: 'amd64', operatingSystem: 'linux' });
    const manifests: string[] = [];
    for await (const m of client.getRepository('elb-openapi').listManifestProperties()) manifests.push(m.digest);
    expect(manifests).toContain(tag.digest);
    await expect(client.getArtifact('elb-openapi', 'nope').getTagProperties('nope')).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  it('pages tag lists with n/last and a Link header', async () => {
    const first = await fetch(`${sim.registryUrl}/acr/v1/elb-openapi/_tags?n=1`);
    const body = (await first.json()) as AnyJson;
    expect(body.tags).toHaveLength(1);
    expect(first.headers.get('link')).toMatch(/^<\/acr\/v1\/elb-openapi\/_tags\?.*last=3\.3.*>; rel="next"$/);
  });

  it('serves OCI tags/list and manifest HEAD/GET whose digest is the sha256 of the manifest', async () => {
    const list = await getJson(`${sim.registryUrl}/v2/elb-openapi/tags/list`);
    expect(list.body).toEqual({ name: 'elb-openapi', tags: ['3.3', '3.4'] });
    const head = await fetch(`${sim.registryUrl}/v2/elb-openapi/manifests/3.4`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    const digest = head.headers.get('docker-content-digest')!;
    expect(head.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
    const got = await fetch(`${sim.registryUrl}/v2/elb-openapi/manifests/${digest}`);
    const bytes = Buffer.from(await got.arrayBuffer());
    expect(`sha256:${createHash('sha256').update(bytes).digest('hex')}`).toBe(digest);
    const config = JSON.parse(bytes.toString()).config.digest;
    expect((await fetch(`${sim.registryUrl}/v2/elb-openapi/blobs/${config}`)).status).toBe(200);
    expect((await fetch(`${sim.registryUrl}/v2/elb-openapi/manifests/9.9`, { method: 'HEAD' })).status).toBe(404);
  });

  it('push makes a new digest for the tag and delivers an Event Grid ImagePushed event', async () => {
    const before = sim.registry.resolve('elb-openapi', '3.4')!.digest;
    received.length = 0;
    const push = await simPush({ repository: 'elb-openapi', tag: '3.4' });
    expect(push.status).toBe(201);
    expect(push.body.digest).not.toBe(before);
    expect(push.body.image).toBe(`elbacr01.azurecr.io/elb-openapi@${push.body.digest}`);
    expect(push.body.event).toMatchObject({ delivered: true, attempts: 1, status: 200 });
    expect(push.body.event.webhook).not.toContain('topsecret');
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    expect(headers['aeg-event-type']).toBe('Notification');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['aeg-delivery-count']).toBe('0');
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]).toMatchObject({
      topic: DEFAULTS.registryResourceId,
      subject: 'elb-openapi:3.4',
      eventType: 'Microsoft.ContainerRegistry.ImagePushed',
      dataVersion: '1.0',
      metadataVersion: '1',
      data: {
        action: 'push',
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: push.body.digest,
          repository: 'elb-openapi',
          tag: '3.4',
        },
        request: { host: 'elbacr01.azurecr.io', method: 'PUT' },
      },
    });
    expect(body[0].id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(body[0].eventTime))).toBe(false);
    expect(body[0].data.target.size).toBe(body[0].data.target.length);
    // The registry now resolves the tag to the new digest; the old digest stays pullable by digest.
    const client = httpClient(sim.registryUrl);
    expect((await client.getArtifact('elb-openapi', '3.4').getTagProperties('3.4')).digest).toBe(push.body.digest);
    expect((await client.getArtifact('elb-openapi', before).getManifestProperties()).digest).toBe(before);
  });

  it('retries a failing webhook as Event Grid does, and reports an undelivered event', async () => {
    received.length = 0;
    hookStatus = 503;
    try {
      const push = await simPush({ repository: 'elb-openapi', tag: '3.5' });
      expect(push.body.event).toMatchObject({ delivered: false, attempts: 3, status: 503 });
      expect(received.map((r) => r.headers['aeg-delivery-count'])).toEqual(['0', '1', '2']);
      expect(new Set(received.map((r) => r.body[0].id)).size).toBe(1);
    } finally {
      hookStatus = 200;
    }
  });

  it('pushes without an event when asked (deliver_event false, --no-event): the tag moves, the webhook hears nothing', async () => {
    received.length = 0;
    const push = await simPush({ repository: 'elb-openapi', tag: '3.4', deliver_event: false });
    expect(push.status).toBe(201);
    expect(push.body.event).toEqual({ delivered: false, reason: 'not_requested' });
    expect(sim.registry.resolve('elb-openapi', '3.4')!.digest).toBe(push.body.digest);
    const cli = await runTsCli(SIM_CLI, ['push', 'elb-openapi:3.4', '--no-event', '--registry-url', sim.registryUrl]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).event).toEqual({ delivered: false, reason: 'not_requested' });
    // A later ordinary push is delivered, so silence above was the option, not a broken webhook.
    const loud = await simPush({ repository: 'elb-openapi', tag: '3.4' });
    expect(loud.body.event.delivered).toBe(true);
    expect(received).toHaveLength(1);
    const bad = await simPush({ repository: 'elb-openapi', tag: '3.4', deliver_event: 'no' });
    expect(bad.body.code).toBe('invalid_deliver_event');
  });

  it('validates push input and pushes through the CLI', async () => {
    const bad = await simPush({ repository: 'Bad Name', tag: '1' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'invalid_repository' });
    received.length = 0;
    const out = await runTsCli(SIM_CLI, ['push', 'elb-openapi:3.6', '--registry-url', sim.registryUrl]);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ repository: 'elb-openapi', tag: '3.6', event: { delivered: true } });
    await eventually(() => received.length === 1 || undefined, 'the CLI push event');
  });
});
