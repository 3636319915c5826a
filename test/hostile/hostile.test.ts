// The hostile suite: the local stack as `npm start` runs it (plus one exec server with the production policy),
// tried the way an attacker would — over a thousand seeded requests at the devhost (raw request-targets included),
// the API, the Event Grid webhook, the Durable HTTP API and the exec servers. It asserts that no part dies (the
// process that served each port at the start still serves it at the end), that no answer is a 5xx, that every
// refusal is JSON with a `code` and leaks no secret, that none of it started a deploy (history, Durable instances
// and the cluster's image), and that every dangerous command is a 403. Controls at the end show that an
// authorised request and a verified event still deploy, so "no deploy" is not vacuous.
//
// Decisions where the issue is silent: no 5xx is accepted at all (no case here makes a handler throw, so even an
// explicit internal_error is a finding); the stack runs with ELB_REGISTRY_RESOURCE_ID set to the sim's registry id,
// so the Event Grid topic check is live locally too; and with an exec work root of its own, so it never disturbs
// another running stack. ELB_HOSTILE_SEED replays another seed.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { DEFAULTS as SIM_DEFAULTS } from '../../sim/sim';
import { isAlive, listenerPids } from '../support/listeners';
import { startFastStack, waitForDeployed } from '../support/local-target';
import { readyUrl, stopProcess, type StartedProcess } from '../support/node-process';
import { rawExchange } from '../support/raw-socket';
import { SeededRandom } from '../support/seeded-random';
import { eventually, hostKeyFile, repoRoot, type Stack } from '../support/stack';
import { apiCases } from './cases/api';
import { durableCases } from './cases/durable';
import { eventGridCases, imagePushed } from './cases/eventgrid';
import { execCases } from './cases/exec';
import { rawCases, slowCases } from './cases/raw';
import { webCases } from './cases/web';
import { credentialFilesUnder, deadKubeconfig, hangingCluster, hangingRequest, startExec } from './exec-processes';
import { bytesFor, EVIL_ORIGIN, type HostileContext } from './context';
import { describeResponse, jsonBody, report, runCases, type Case, type Result } from './ledger';

const SEED = Number(process.env.ELB_HOSTILE_SEED ?? 20261207);
/** A slow sender must be answered 408 and cut off within this (the issue measured 150 s). */
const SLOW_BOUND_MS = 45_000;
const MIN_REQUESTS = 1000;

let stack: Stack;
let production: StartedProcess;
let ctx: HostileContext;
let secrets: string[] = [];
let slowResults: Promise<Result[]>;
const scratch: string[] = [];
const sent: Result[] = [];
/** Port → the pid that served it once the stack was up. */
let servedBy = new Map<number, number>();
let portNames: Record<number, string> = {};

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

async function startProductionExec(workRoot: string, token: string): Promise<StartedProcess> {
  return startExec('exec (production policy)', {
    EXEC_TOKEN: token,
    EXEC_POLICY: join(repoRoot, 'exec', 'policy', 'production.json'),
    EXEC_WORK_ROOT: workRoot,
  });
}

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/** The image the cluster's elb-openapi Deployment runs, or null when there is none. */
async function clusterImage(): Promise<string | null> {
  const { status, body } = await getJson(`${stack.k8sUrl}/apis/apps/v1/namespaces/elb-openapi/deployments/elb-openapi`);
  if (status === 404) return null;
  if (status !== 200) throw new Error(`the sim answered ${status} for the Deployment`);
  const b = body as { spec: { template: { spec: { containers: Array<{ image: string }> } } } };
  return b.spec.template.spec.containers[0]?.image ?? null;
}

/** The history, checked against the contract: the hostile requests must not leave a record it does not allow. */
async function history(): Promise<z.output<typeof contract.DeploymentList>> {
  const { status, body } = await getJson(`${stack.apiUrl}/targets/local/openapi/deployments`);
  if (status !== 200) throw new Error(`history: HTTP ${status} ${JSON.stringify(body)}`);
  return z.parse(contract.DeploymentList, body);
}

/** The context with a generator of its own for one section, so each section's requests depend only on the seed. */
function section(n: number): HostileContext {
  return { ...ctx, rng: new SeededRandom(SEED * 31 + n) };
}

async function run(cases: Case[], concurrency = 4): Promise<string> {
  const results = await runCases(cases, secrets, concurrency);
  sent.push(...results);
  return report(results, secrets);
}

describe('hostile callers against the local stack', () => {
  beforeAll(async () => {
    const stackExecRoot = tempDir('elb-hostile-exec-');
    stack = await startFastStack({
      // The Event Grid topic check applies only when the app knows its registry's resource id; the sim's is this.
      ELB_REGISTRY_RESOURCE_ID: SIM_DEFAULTS.registryResourceId,
      // A work root of its own, so this stack's exec server never touches another running server's requests.
      EXEC_WORK_ROOT: stackExecRoot,
    });
    const prodDir = tempDir('elb-hostile-prod-');
    const productionToken = randomBytes(32).toString('base64url');
    production = await startProductionExec(join(prodDir, 'work'), productionToken);
    const productionPort = Number(new URL(readyUrl(production.output, 'exec')).port);

    // Where docs/devhost.md says the keys live; a missing file fails the whole suite here, by its path.
    const keys = stack.hostKeys();
    const execToken = readFileSync(join(stack.localDir, 'run', 'exec-token'), 'utf8').trim();
    const acr = await getJson(`${stack.apiUrl}/monitor/acr`);
    const a = acr.body as { expected_image_tags: Record<string, string>; digests: Record<string, string> };
    if (acr.status !== 200) throw new Error(`/monitor/acr: ${acr.status} ${JSON.stringify(acr.body)}`);
    const desiredTag = a.expected_image_tags['elb-openapi']!;
    const staleDigest = Object.entries(a.digests).find(([tag]) => tag !== desiredTag)?.[1];
    if (!staleDigest) throw new Error('the sim registry should hold a second tag');

    ctx = {
      rng: new SeededRandom(SEED),
      ports: {
        api: stack.ports.api,
        web: stack.ports.web,
        exec: stack.ports.exec,
        simK8s: stack.ports.simK8s,
        simRegistry: stack.ports.simRegistry,
        execProduction: productionPort,
      },
      webOrigin: stack.webUrl,
      keys: { master: keys.master, system: keys.system },
      execToken,
      execProductionToken: productionToken,
      registry: {
        host: `127.0.0.1:${stack.ports.simRegistry}`,
        topic: SIM_DEFAULTS.registryResourceId,
        repository: 'elb-openapi',
        desiredTag,
        currentDigest: a.digests[desiredTag]!,
        staleDigest,
      },
      deadKubeconfig: deadKubeconfig('https://127.0.0.1:1'),
    };
    secrets = [execToken, productionToken, keys.master, keys.system].filter((s): s is string => !!s);

    portNames = {
      [stack.ports.api]: 'devhost (api)',
      [stack.ports.web]: 'web',
      [stack.ports.exec]: 'exec server (local)',
      [stack.ports.simK8s]: 'sim (Kubernetes API)',
      [stack.ports.simRegistry]: 'sim (registry)',
      [stack.ports.azuriteTable]: 'azurite',
      [productionPort]: 'exec server (production)',
    };
    servedBy = listenerPids(Object.keys(portNames).map(Number));

    // Slow senders run alongside everything else; their outcome is checked near the end.
    // Keyed routes get the key, so the slow body is what they answer to.
    const key: Array<[string, string]> = keys.system ? [['x-functions-key', keys.system]] : [];
    const slow = [
      ...slowCases(
        stack.ports.api,
        'api',
        '/api/aks/openapi/deploy',
        [
          ['Origin', EVIL_ORIGIN],
          ['Content-Type', 'text/plain'],
        ],
        SLOW_BOUND_MS,
      ),
      ...slowCases(
        stack.ports.api,
        'eventgrid',
        '/runtime/webhooks/EventGrid?functionName=acrImagePushed',
        [['aeg-event-type', 'Notification'], ['Content-Type', 'application/json'], ...key],
        SLOW_BOUND_MS,
      ),
      ...slowCases(
        stack.ports.api,
        'durable',
        '/runtime/webhooks/durabletask/orchestrators/noSuchOrchestrator',
        [['Content-Type', 'application/json'], ...key],
        SLOW_BOUND_MS,
      ),
      ...slowCases(
        stack.ports.exec,
        'exec-local',
        '/exec',
        [
          ['X-Exec-Token', execToken],
          ['Content-Type', 'application/json'],
        ],
        SLOW_BOUND_MS,
      ),
      ...slowCases(
        productionPort,
        'exec-production',
        '/exec',
        [
          ['X-Exec-Token', productionToken],
          ['Content-Type', 'application/json'],
        ],
        SLOW_BOUND_MS,
      ),
      ...slowCases(
        stack.ports.simK8s,
        'sim',
        '/api/v1/namespaces',
        [['Content-Type', 'application/json']],
        SLOW_BOUND_MS,
      ).map((c) => ({ ...c, errorShape: 'sim' as const })),
    ];
    slowResults = runCases(slow, secrets, slow.length);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    if (production) await stopProcess(production.child);
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('the devhost keeps a master key and a system key, 0600, in its state dir', () => {
    const keys = stack.hostKeys();
    for (const file of [hostKeyFile(stack.localDir, 'master'), hostKeyFile(stack.localDir, 'system')]) {
      expect((statSync(file).mode & 0o777).toString(8), file).toBe('600');
    }
    expect(keys.master).not.toBe(keys.system);
  });

  it('the API refuses cross-site starts, foreign hosts, unknown routes, wrong methods and bad bodies', async () => {
    expect(await run(apiCases(section(1)))).toBe('');
  }, 120_000);

  it('the Durable HTTP API and admin routes need the key; malformed requests with it are coded 4xx', async () => {
    expect(await run(durableCases(section(2)))).toBe('');
  }, 120_000);

  it('the Event Grid webhook refuses forged, unkeyed and malformed deliveries', async () => {
    expect(await run(eventGridCases(section(3)), 2)).toBe('');
  }, 120_000);

  it('the local exec server: tokens, routes, bodies, the local policy, raw request-targets', async () => {
    const cases = [
      ...execCases(section(4), 'local'),
      ...rawCases(section(5), 'exec-local', ctx.ports.exec, ['/healthz', '/exec', '/exec/stream', '/exec/req-1']),
    ];
    expect(await run(cases)).toBe('');
  }, 120_000);

  it('the production policy denies every listed dangerous command with a 403 naming the rule', async () => {
    const cases = [
      ...execCases(section(6), 'production'),
      ...rawCases(section(7), 'exec-production', ctx.ports.execProduction, ['/healthz', '/exec']),
    ];
    expect(await run(cases)).toBe('');
  }, 120_000);

  it('the sim survives raw request-targets and broken framing', async () => {
    const cases = [
      ...rawCases(section(8), 'sim', ctx.ports.simK8s, [
        '/version',
        '/api/v1/namespaces',
        '/apis/apps/v1/namespaces/elb-openapi/deployments',
        '/_sim/faults',
      ]),
      ...rawCases(section(9), 'sim', ctx.ports.simRegistry, [
        '/v2/',
        '/v2/_catalog',
        '/v2/elb-openapi/tags/list',
        '/v2/elb-openapi/manifests/3.4',
      ]),
    ];
    expect(await run(cases)).toBe('');
  }, 120_000);

  it("the dashboard's dev server hands out nothing outside the dashboard and refuses foreign hosts", async () => {
    expect(await run(webCases(section(11), stack.localDir))).toBe('');
  }, 60_000);

  it('none of it started a deploy: no history record, no Durable instance, the cluster unchanged', async () => {
    // A start is recorded at once; give asynchronous starts (events, queued follow-ups) a moment to show.
    await new Promise((ok) => setTimeout(ok, 3000));
    const problems: string[] = [];
    const records = await history();
    if (records.length > 0)
      problems.push(
        `history holds ${records.length} record(s): ${JSON.stringify(records.map((r) => [r.deploy_id, r.reason, r.requester, r.status]))}`,
      );
    const summary = (await getJson(`${stack.apiUrl}/targets/local/openapi`)).body as {
      deployed: unknown;
      active_deploy: unknown;
    };
    if (summary.deployed !== null)
      problems.push(`the target shows a deployed image: ${JSON.stringify(summary.deployed)}`);
    if (summary.active_deploy !== null) problems.push(`a deploy is active: ${JSON.stringify(summary.active_deploy)}`);
    const image = await clusterImage();
    if (image !== null) problems.push(`the cluster runs ${image} (nothing was installed before)`);
    const keyHeader: Record<string, string> = ctx.keys.system ? { 'x-functions-key': ctx.keys.system } : {};
    const instances = await getJson(
      `${stack.apiUrl.replace(/\/api$/, '')}/runtime/webhooks/durabletask/instances/`,
      keyHeader,
    );
    if (instances.status !== 200)
      problems.push(`listing Durable instances with the system key: HTTP ${instances.status}`);
    else {
      const deploys = (instances.body as Array<{ name?: string; instanceId?: string }>).filter(
        (i) => i.name === 'deployOpenApi',
      );
      if (deploys.length > 0)
        problems.push(`${deploys.length} deployOpenApi instance(s): ${deploys.map((d) => d.instanceId).join(', ')}`);
    }
    expect(problems.join('\n')).toBe('');
  }, 30_000);

  it('the devhost survives raw request-targets, broken framing and mutated requests', async () => {
    const ordinary = [
      '/api/targets',
      '/api/targets/local/openapi',
      '/api/healthz',
      '/runtime/webhooks/durabletask/instances/',
      '/runtime/webhooks/EventGrid?functionName=acrImagePushed',
      '/admin/host/status',
    ];
    expect(await run(rawCases(section(10), 'devhost', ctx.ports.api, ordinary))).toBe('');
  }, 120_000);

  it(
    `slow senders are answered 408 and cut off within ${SLOW_BOUND_MS / 1000} s`,
    async () => {
      const results = await slowResults;
      sent.push(...results);
      expect(report(results, secrets)).toBe('');
    },
    SLOW_BOUND_MS + 30_000,
  );

  it(`at least ${MIN_REQUESTS} requests were sent, and every part is still the process it was at the start`, () => {
    const byPart = new Map<string, number>();
    for (const r of sent) byPart.set(r.c.part, (byPart.get(r.c.part) ?? 0) + 1);
    // One line for the run's record: how much was tried, and the seed that replays it (ELB_HOSTILE_SEED).
    console.log(
      `hostile: ${sent.length} requests (${[...byPart].map(([p, n]) => `${p} ${n}`).join(', ')}), seed ${SEED}`,
    );
    expect(sent.length).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const now = listenerPids(Object.keys(portNames).map(Number));
    const lost: string[] = [];
    for (const [port, pid] of servedBy) {
      const name = portNames[port];
      if (!isAlive(pid)) lost.push(`${name}: pid ${pid} exited`);
      else if (now.get(port) !== pid)
        lost.push(`${name}: port ${port} is now served by ${now.get(port) ?? 'nobody'}, not ${pid}`);
    }
    expect(Object.keys(portNames).length).toBe(servedBy.size);
    expect(lost.join('\n')).toBe('');
  });

  it('controls: the keys open what they guard (so the refusals above are about the key)', async () => {
    const base = stack.apiUrl.replace(/\/api$/, '');
    const status = await getJson(`${base}/admin/host/status`, { 'x-functions-key': ctx.keys.master ?? '' });
    expect(status.status, 'GET /admin/host/status with the master key').toBe(200);
    const list = await getJson(`${base}/runtime/webhooks/durabletask/instances/`, {
      'x-functions-key': ctx.keys.system ?? '',
    });
    expect(list.status, 'GET …/durabletask/instances/ with the system key').toBe(200);
    const handshake = await fetch(
      `${base}/runtime/webhooks/EventGrid?functionName=acrImagePushed&code=${encodeURIComponent(ctx.keys.system ?? '')}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
        body: JSON.stringify([
          { id: 'v', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'c0de' } },
        ]),
      },
    );
    expect(handshake.status, 'the Event Grid validation handshake with the system key').toBe(200);
    expect(await handshake.json()).toEqual({ validationResponse: 'c0de' });
  });

  it('controls: an authorised start deploys, the dashboard origin is not refused, a verified push deploys', async () => {
    // Authorised local start (JSON, no Origin — a CLI or the dashboard's own fetch).
    const start = await fetch(`${stack.apiUrl}/aks/openapi/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(start.status, await start.clone().text()).toBe(202);
    await waitForDeployed(stack, ctx.registry.currentDigest, 60_000);
    expect(await clusterImage()).toContain(ctx.registry.currentDigest);
    expect((await history()).length).toBe(1);

    // The dashboard's own origin, through its dev server's proxy, passes the origin check (an unknown id is a 404).
    const viaDashboard = await rawExchange(
      stack.ports.web,
      bytesFor(stack.ports.web, {
        method: 'POST',
        target: '/api/aks/openapi/deploy/local-20260101t120000-00000000/cancel',
        headers: [
          ['Origin', stack.webUrl],
          ['Content-Type', 'application/json'],
        ],
        body: '{}',
      }),
    );
    expect(
      viaDashboard.response?.status,
      JSON.stringify(viaDashboard.response && jsonBody(viaDashboard.response)),
    ).toBe(404);

    // A real push: the sim delivers a verified event (with the key), and the app deploys the new digest.
    const pushed = await stack.run('push-image', 'elb-openapi:3.4');
    expect(pushed.code, pushed.stderr).toBe(0);
    const push = JSON.parse(pushed.stdout) as { digest: string; event: { delivered: boolean } };
    expect(push.event.delivered, pushed.stdout).toBe(true);
    const digest = push.digest;
    await waitForDeployed(stack, digest, 60_000);
    const records = await history();
    expect(records.length).toBe(2);
    expect(records[0]?.reason).toBe('auto');
    expect(await clusterImage()).toContain(digest);

    // Replayed: the event of the tag's previous digest, perfect in every other way (key, topic, host). The registry
    // no longer says that digest for the tag, so it must not roll the cluster back.
    const replay = await rawExchange(
      stack.ports.api,
      bytesFor(stack.ports.api, {
        method: 'POST',
        target: `/runtime/webhooks/EventGrid?functionName=acrImagePushed&code=${encodeURIComponent(ctx.keys.system ?? '')}`,
        headers: [
          ['Content-Type', 'application/json'],
          ['aeg-event-type', 'Notification'],
        ],
        body: JSON.stringify([imagePushed(section(12), { digest: ctx.registry.currentDigest })]),
      }),
    );
    expect(replay.response?.status, describeResponse(replay)).toBeLessThan(500);
    await new Promise((ok) => setTimeout(ok, 3000));
    expect((await history()).map((r) => [r.reason, r.status])).toEqual(records.map((r) => [r.reason, r.status]));
    expect(await clusterImage()).toContain(digest);
  }, 150_000);

  it('no key, token or part of one in any log, audit line or history record', async () => {
    const places: Array<[string, string]> = [];
    const runDir = join(stack.localDir, 'run');
    for (const f of readdirSync(runDir).filter((n) => n.endsWith('.log')))
      places.push([join(runDir, f), readFileSync(join(runDir, f), 'latin1')]);
    for (const dir of scratch) {
      for (const f of existsSync(join(dir, 'audit.log')) ? ['audit.log'] : [])
        places.push([join(dir, f), readFileSync(join(dir, f), 'latin1')]);
    }
    places.push(['the deployments history', JSON.stringify(await history())]);
    // The first 16 characters are enough to count: a wrong-key attempt sent a truncated key, and half a key is a leak.
    const leaks = places.flatMap(([where, text]) =>
      secrets.filter((sec) => text.includes(sec.slice(0, 16))).map((sec) => `${where} holds ${sec.slice(0, 4)}…`),
    );
    expect(places.length).toBeGreaterThan(4);
    expect(leaks.join('\n')).toBe('');
  });

  it('a kill -9 of the exec server during a request leaves no child and no request directory', async () => {
    const cluster = await hangingCluster();
    const workRoot = join(tempDir('elb-hostile-kill-'), 'work');
    const token = randomBytes(32).toString('base64url');
    const start = () => startExec('exec (kill -9)', { EXEC_TOKEN: token, EXEC_WORK_ROOT: workRoot });
    let server = await start();
    let orphan: number | undefined;
    try {
      const request = await hangingRequest(server, token, workRoot, cluster.port);
      orphan = request.kubectl;
      server.child.kill('SIGKILL');
      await request.answer;
      await stopProcess(server.child);
      server = await start();
      // The orphan must be gone within moments of the restart (a watchdog, or the restarted server's sweep). Left
      // alone, kubectl waits on this cluster for half a minute.
      const left = await eventually(
        async () => (!isAlive(orphan!) && credentialFilesUnder(workRoot).length === 0 ? 'clean' : undefined),
        'the orphan and its request directory to be gone',
        3000,
        100,
      ).catch(
        () =>
          `3 s after kill -9 and a restart: kubectl pid ${orphan} ${isAlive(orphan!) ? 'still runs' : 'is gone'}; ` +
          `left on disk: ${credentialFilesUnder(workRoot).join(', ') || 'nothing'}`,
      );
      expect(left).toBe('clean');
    } finally {
      if (orphan !== undefined && isAlive(orphan)) process.kill(orphan, 'SIGKILL');
      await stopProcess(server.child);
      cluster.close();
    }
  }, 60_000);

  it("a second exec server on the same work root leaves the first one's running request alone", async () => {
    const cluster = await hangingCluster();
    const workRoot = join(tempDir('elb-hostile-two-'), 'work');
    const token = randomBytes(32).toString('base64url');
    const first = await startExec('exec (first)', { EXEC_TOKEN: token, EXEC_WORK_ROOT: workRoot });
    let second: StartedProcess | undefined;
    let kubectl: number | undefined;
    try {
      const request = await hangingRequest(first, token, workRoot, cluster.port);
      kubectl = request.kubectl;
      const before = credentialFilesUnder(workRoot);
      // Refusing to start on a root another live server holds is fine too (a lock); wiping its work is not.
      second = await startExec('exec (second)', { EXEC_TOKEN: token, EXEC_WORK_ROOT: workRoot }).catch(() => undefined);
      await new Promise((ok) => setTimeout(ok, 1000));
      expect(isAlive(kubectl), "the first server's kubectl still runs").toBe(true);
      expect(credentialFilesUnder(workRoot).filter((f) => before.includes(f))).toEqual(before);
      expect(first.child.exitCode).toBeNull();
      first.child.kill('SIGTERM');
      await request.answer;
    } finally {
      if (kubectl !== undefined && isAlive(kubectl)) process.kill(kubectl, 'SIGKILL');
      await stopProcess(first.child);
      if (second) await stopProcess(second.child);
      cluster.close();
    }
  }, 60_000);
});
