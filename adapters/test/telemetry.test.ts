// Telemetry of the deploy activities. The real OpenTelemetry SDK records the spans and logs; only the Azure Monitor
// exporter is replaced, by the SDK's in-memory exporters (Application Insights cannot exist here). The activities
// are the real ones from the table, run through the handler the registration uses, against the zero-delay sim.
import { execFile, execFileSync } from 'node:child_process';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableClient } from 'durable-functions';
import { trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployOutput } from '../../core/deploy-model';
import { activityHandler, ActivityName, DEPLOY_ACTIVITIES } from '../../orchestrations/activities';
import { readyUrl, startZeroDelaySim, StartedProcess, stopProcess } from '../../test/support/node-process';
import { createTelemetry, entraAuthentication, telemetryFromEnv } from '../telemetry';

// Secrets a careless span could pick up: from the environment, and from an activity's input.
const EXEC_TOKEN = 'exec-token-' + 'x'.repeat(40);
const CONNECTION_STRING =
  'InstrumentationKey=00000000-0000-0000-0000-0000000000aa;IngestionEndpoint=http://127.0.0.1:9';
// Planted, plainly fake values: the test checks that none of them reaches a span or a log.
const ACCOUNT_KEY = 'AccountKey=fake-storage-key-for-this-test-only';
const API_TOKEN = 'api-token-' + 'y'.repeat(40);
const SECRETS = [EXEC_TOKEN, CONNECTION_STRING, ACCOUNT_KEY, API_TOKEN, 'InstrumentationKey', 'AccountKey'];

const execFileAsync = promisify(execFile);
const spans = new InMemorySpanExporter();
const logRecords = new InMemoryLogRecordExporter();
let started = 0;
/** Stands in for useAzureMonitor: registers the SDK's providers, with in-memory exporters instead of Azure's. */
const startInMemory = async () => {
  started++;
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
  logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor(logRecords)] }));
  return async () => {};
};

let sim: StartedProcess;
let stateDir: string;
// The finish step below stops at its unknown target, before it would use the durable client.
const env = { durableClient: () => ({}) as DurableClient };

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'elb-telemetry-'));
  sim = await startZeroDelaySim({ entry: ['--import', 'tsx', 'sim/cli.ts'], stateDir });
  readyUrl(sim.output, 'sim-k8s');
  Object.assign(process.env, {
    ELB_TARGETS: JSON.stringify([
      {
        name: 'local',
        kind: 'kubeconfig',
        kubeconfig: join(stateDir, 'kubeconfig'),
        context: 'elb-sim',
        namespace: 'elb-openapi',
      },
    ]),
    // Never reached by these activities; present so a leak into a span would show.
    ELB_TABLES_ENDPOINT: `http://127.0.0.1:9/devstoreaccount1?${ACCOUNT_KEY}`,
    EXEC_TOKEN,
    APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
    ELB_CHECK_POLL_MS: '50',
    ELB_AUTH_MODE: 'none',
  });
});

afterAll(async () => {
  if (sim) await stopProcess(sim.child);
  rmSync(stateDir, { recursive: true, force: true });
});

const deploy = { id: 'deploy-1234', target: 'local', reason: 'update' };

describe('activity telemetry', () => {
  const telemetry = createTelemetry(startInMemory);
  const run = (name: ActivityName, message: unknown) => activityHandler(name, telemetry)(message, env);

  it('puts the deploy id, target and reason on each activity span and log, with how it ended', async () => {
    spans.reset();
    logRecords.reset();
    const inspected = await run('deployInspectCluster', { target: 'local', retrySeconds: 0, deploy });
    const rollout = await run('deployCheckRollout', {
      target: 'elsewhere',
      image: 'r/elb-openapi@sha256:' + 'a'.repeat(64),
      watchSeconds: 1,
      deploy: { ...deploy, target: 'elsewhere' },
    });
    expect(inspected).toMatchObject({ ok: true });
    expect(rollout).toMatchObject({ ok: false });
    const code = (rollout as { error: { code: string } }).error.code;

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => [s.name, s.attributes])).toEqual([
      [
        'activity deployInspectCluster',
        {
          'elb.activity': 'deployInspectCluster',
          'elb.deploy.id': 'deploy-1234',
          'elb.deploy.target': 'local',
          'elb.deploy.reason': 'update',
          'elb.outcome': 'ok',
        },
      ],
      [
        'activity deployCheckRollout',
        {
          'elb.activity': 'deployCheckRollout',
          'elb.deploy.id': 'deploy-1234',
          'elb.deploy.target': 'elsewhere',
          'elb.deploy.reason': 'update',
          'elb.outcome': code,
        },
      ],
    ]);
    expect(finished.map((s) => s.status.code)).toEqual([0, 2]); // UNSET, ERROR
    const records = logRecords.getFinishedLogRecords();
    expect(records.map((r) => [r.body, r.severityText, r.attributes['elb.deploy.id']])).toEqual([
      ['activity deployInspectCluster: ok', 'INFO', 'deploy-1234'],
      [`activity deployCheckRollout: ${code}`, 'WARN', 'deploy-1234'],
    ]);
    // The log record sits in its span's trace, so Application Insights joins them by operation id.
    expect(records.map((r) => r.spanContext?.traceId)).toEqual(finished.map((s) => s.spanContext().traceId));
  });

  it('marks a fault by its class only, and no secret reaches a span or a log', async () => {
    spans.reset();
    logRecords.reset();
    const output = {
      target: 'nowhere',
      reason: 'auto_update',
      openapi_deploy: { apply_output: `secret/elb-openapi-api-token configured ${API_TOKEN}` },
    } as unknown as DeployOutput;
    // An older orchestrator's call: no `deploy` beside the input; the finish input still names the deploy.
    await expect(run('deployFinish', { deployId: 'deploy-5678', output })).rejects.toThrow();

    const [span] = spans.getFinishedSpans();
    expect(span!.attributes).toEqual({
      'elb.activity': 'deployFinish',
      'elb.deploy.id': 'deploy-5678',
      'elb.deploy.target': 'nowhere',
      'elb.deploy.reason': 'auto_update',
      'elb.outcome': 'fault',
      'elb.fault': expect.stringMatching(/^\w+$/),
    });
    expect(span!.events).toEqual([]); // no recorded exception: its message could carry anything

    const recorded = JSON.stringify([
      spans.getFinishedSpans().map((s) => [s.name, s.attributes, s.events, s.status]),
      logRecords.getFinishedLogRecords().map((r) => [r.body, r.attributes]),
    ]);
    for (const secret of SECRETS) expect(recorded).not.toContain(secret);
  });

  it('starts the SDK once, however many activities run', () => {
    expect(started).toBe(1);
  });
});

describe('what Application Insights receives', () => {
  // The real distro and its Azure Monitor exporter, in a fresh process, sending to a local stand-in for the ingestion
  // endpoint (Application Insights cannot exist here): what arrives is what the queries in docs/telemetry.md read.
  it('a dependency named after the activity with the deploy in its custom dimensions, and a trace beside it', async () => {
    // The exporter speaks only HTTPS: a certificate for 127.0.0.1 that the child process is told to trust.
    const key = join(stateDir, 'ingest.key');
    const cert = join(stateDir, 'ingest.crt');
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ],
      { stdio: 'ignore' },
    );
    const received: unknown[] = [];
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString();
        if (req.url?.includes('/track')) received.push(...(JSON.parse(text) as unknown[]));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      const script = `
        const { activityHandler } = require('./orchestrations/activities/index.ts');
        const { telemetryFromEnv } = require('./adapters/telemetry.ts');
        const telemetry = telemetryFromEnv();
        const deploy = { id: 'deploy-42', target: 'nope', reason: 'install' };
        activityHandler('deployInspectCluster', telemetry)({ target: 'nope', deploy }, {})
          .then(() => telemetry.shutdown())
          .then(() => process.exit(0));`;
      const local = `https://127.0.0.1:${port}/`;
      await execFileAsync(process.execPath, ['--import', 'tsx', '-e', script], {
        timeout: 100_000,
        env: {
          ...process.env,
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-0000-0000-0000000000aa;IngestionEndpoint=${local};LiveEndpoint=${local}`,
          APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
          APPLICATIONINSIGHTS_SDKSTATS_DISABLED: 'true',
          NODE_EXTRA_CA_CERTS: cert,
        },
      });
    } finally {
      server.close();
    }
    type Envelope = { name: string; data: { baseType: string; baseData: Record<string, unknown> } };
    const envelopes = received as Envelope[];
    const ours = (baseType: string) =>
      envelopes.filter(
        (e) =>
          e.data.baseType === baseType &&
          (e.data.baseData.properties as Record<string, string> | undefined)?.['elb.deploy.id'] === 'deploy-42',
      );
    const [dependency] = ours('RemoteDependencyData');
    expect(dependency?.data.baseData).toMatchObject({
      name: 'activity deployInspectCluster',
      type: 'Dependency',
      properties: {
        'elb.activity': 'deployInspectCluster',
        'elb.deploy.id': 'deploy-42',
        'elb.deploy.target': 'nope',
        'elb.deploy.reason': 'install',
        'elb.outcome': expect.any(String),
      },
    });
    const [message] = ours('MessageData');
    expect(message?.data.baseData).toMatchObject({
      message: expect.stringMatching(/^activity deployInspectCluster: /),
    });
    expect(JSON.stringify(received)).not.toContain('AccountKey');
  }, 240_000);
});

describe('telemetry settings', () => {
  it('authenticates with the managed identity that APPLICATIONINSIGHTS_AUTHENTICATION_STRING names', () => {
    expect(entraAuthentication('Authorization=AAD;ClientId=11111111-2222-3333-4444-555555555555')).toEqual({
      clientId: '11111111-2222-3333-4444-555555555555',
    });
    expect(entraAuthentication('authorization=aad')).toEqual({ clientId: null });
    expect(entraAuthentication(undefined)).toBeNull();
    expect(entraAuthentication('')).toBeNull();
    expect(entraAuthentication('Authorization=Key')).toBeNull();
    expect(entraAuthentication('garbage')).toBeNull();
  });
});

describe('telemetry off', () => {
  it('is off without APPLICATIONINSIGHTS_CONNECTION_STRING (or with a blank one)', () => {
    expect(telemetryFromEnv({})).toBeNull();
    expect(telemetryFromEnv({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toBeNull();
  });

  it('runs an activity as the table declares it when off', async () => {
    const handler = activityHandler('deployInspectCluster', null);
    const direct = await DEPLOY_ACTIVITIES.deployInspectCluster.run({ target: 'nope' });
    await expect(handler({ target: 'nope' }, env)).resolves.toEqual(direct);
  });

  /**
   * In a fresh process with `extra` in its env: the modules loaded once the deploy functions are registered, then
   * once one activity ran through the handler the registration uses, and which tracer provider is registered.
   */
  function modulesLoaded(extra: Record<string, string>): { registered: string[]; ran: string[]; tracing: string } {
    const script = `
      require('./functions/deploy-orchestration.ts');
      const { activityHandler } = require('./orchestrations/activities/index.ts');
      const { telemetryFromEnv } = require('./adapters/telemetry.ts');
      const registered = Object.keys(require.cache);
      activityHandler('deployInspectCluster', telemetryFromEnv())({ target: 'nope' }, {}).then(() => {
        const ran = Object.keys(require.cache);
        const tracing = require('@opentelemetry/api').trace.getTracerProvider().getDelegate().constructor.name;
        require('node:fs').writeFileSync(process.env.MODULES_OUT, JSON.stringify({ registered, ran, tracing }));
        process.exit(0);
      });`;
    const out = join(stateDir, 'modules.json');
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...extra, MODULES_OUT: out };
    if (!extra.APPLICATIONINSIGHTS_CONNECTION_STRING) delete childEnv.APPLICATIONINSIGHTS_CONNECTION_STRING;
    execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: childEnv,
      timeout: 100_000,
      stdio: 'ignore',
    });
    return JSON.parse(readFileSync(out, 'utf8')) as { registered: string[]; ran: string[]; tracing: string };
  }
  // durable-functions itself loads the OpenTelemetry API (a no-op without an SDK); anything beyond it is ours.
  const telemetryModules = (files: string[]) =>
    files.filter(
      (f) =>
        /node_modules[/\\](@opentelemetry|@azure[/\\]monitor-opentelemetry)/.test(f) &&
        !/node_modules[/\\]@opentelemetry[/\\]api[/\\]/.test(f),
    );
  const distro = (files: string[]) => files.some((f) => /@azure[/\\]monitor-opentelemetry[/\\]/.test(f));

  it('loads no telemetry module when off; when on, loads the Azure Monitor distro at the first activity only', () => {
    const off = modulesLoaded({});
    expect(off.registered.some((f) => f.includes('deploy-orchestration'))).toBe(true);
    expect(telemetryModules(off.ran)).toEqual([]);
    expect(off.tracing).toBe('NoopTracerProvider');

    // As Azure has it (bicep/): Entra ID authentication. The connection string points at a closed local port and
    // the process ends before any export: nothing leaves the machine.
    const on = modulesLoaded({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION_STRING,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=11111111-2222-3333-4444-555555555555',
      APPLICATIONINSIGHTS_STATSBEAT_DISABLED: 'true',
    });
    expect(telemetryModules(on.registered)).toEqual([]);
    expect(distro(on.ran)).toBe(true);
    expect(on.tracing).not.toBe('NoopTracerProvider'); // the distro registered its SDK
    // Two fresh processes, one loading the distro's ~2,000 modules: generous for a busy 2-core machine.
  }, 240_000);
});
