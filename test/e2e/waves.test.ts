// Waves across clusters on the whole local stack (docs/policies.md "Waves"): two kubeconfig targets on the sim, in
// their own namespaces — `canary` (group 1, soak 3 s) then `prod` (group 2, soak 2 s) — and real pushes from the
// sim's registry with real Event Grid deliveries. A good push updates canary, soaks, checks its health, then updates
// prod; a redelivered event starts nothing more. A crash-looping push halts at canary: its deploy rolls it back, prod
// is never touched (kubectl says so), the wave says why, and the webhook sink gets exactly one wave_halted. With prod
// in approve mode the wave waits for its approval (and says so), and the approval finishes it.
// Runs the compiled app (npm run build first), like `npm start`.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as contract from '../../core/contract';
import { WavesAnswer, type WaveView } from '../../core/contract/waves';
import { deliverEvents, imagePushedEvent } from '../support/event-grid';
import { jsonApi } from '../support/json-api';
import { FAST_DEPLOY_ENV, pushImage } from '../support/local-target';
import { eventually, startStack, type Stack } from '../support/stack';

let stack: Stack;
const { request: api, post } = jsonApi(() => stack.apiUrl);

const GROUPS = [
  { name: 'canary', targets: ['canary'], soakSeconds: 3 },
  { name: 'prod', targets: ['prod'], soakSeconds: 2 },
];

const waves = async () => (await api('/waves', WavesAnswer)).body.waves;
const history = async (target: string) =>
  (await api(`/targets/${target}/openapi/deployments`, contract.DeploymentList)).body;

/** The image the target's Deployment asks for, as kubectl reads it from the sim. */
function clusterImage(namespace: string): string {
  return execFileSync(
    '/usr/bin/kubectl',
    [
      '--kubeconfig',
      `${stack.localDir}/sim/kubeconfig`,
      '--context',
      'elb-sim',
      '-n',
      namespace,
      'get',
      'deployment',
      'elb-openapi',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  ).trim();
}

/** The wave for `digest`, once it has ended (null until then). */
async function endedWave(digest: string): Promise<WaveView | undefined> {
  const w = (await waves()).find((v) => v.image.digest === digest);
  return w && w.finished_at !== null ? w : undefined;
}

async function sink(): Promise<{ name: string; body: { kind?: string; target?: string; digest?: string } }[]> {
  const res = await fetch(`http://127.0.0.1:${stack.ports.simHooks}/_sim/notifications`);
  return ((await res.json()) as { notifications: never[] }).notifications;
}

beforeAll(async () => {
  stack = await startStack({
    env: (localDir) => {
      const onSim = {
        kind: 'kubeconfig',
        kubeconfig: `${localDir}/sim/kubeconfig`,
        context: 'elb-sim',
        servicePort: 8080,
      };
      return {
        ...FAST_DEPLOY_ENV,
        ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '30',
        ELB_VERIFY_TIMEOUT_SECONDS: '10',
        ELB_TARGETS: JSON.stringify([
          { ...onSim, name: 'canary', namespace: 'elb-canary' },
          { ...onSim, name: 'prod', namespace: 'elb-prod' },
        ]),
        ELB_WAVES: JSON.stringify(GROUPS),
      };
    },
  });
  // Both targets installed by hand first: a wave updates what runs. (A preflight that times out on a busy machine
  // answers 503 with nothing recorded: asked again.)
  const { raw } = jsonApi(() => stack.apiUrl);
  for (const target of ['canary', 'prod']) {
    await eventually(
      async () => {
        const r = await raw(`/targets/${target}/openapi/deployments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        if (r.status === 202) return true;
        expect(r.status, JSON.stringify(r.body)).toBe(503);
        return undefined;
      },
      `the install of ${target} to start`,
      30_000,
      1000,
    );
  }
  for (const target of ['canary', 'prod']) {
    await eventually(
      async () => ((await history(target))[0]?.status === 'succeeded' ? true : undefined),
      `the install of ${target}`,
      60_000,
    );
  }
}, 150_000);

afterAll(async () => {
  await stack?.stop();
});

describe('waves across clusters (local stack, two sim targets)', () => {
  it('a push updates canary, soaks and checks it, then prod; a redelivered event starts nothing more', async () => {
    const pushed = await pushImage(stack);
    expect(pushed.event.delivered).toBe(true);
    // The same event delivered again, as Event Grid may: the wave is named from the digest.
    const again = imagePushedEvent({ digest: pushed.digest, registryHost: `127.0.0.1:${stack.ports.simRegistry}` });
    const redelivered = await deliverEvents(`http://127.0.0.1:${stack.ports.api}`, stack.hostKeys().system, [again]);
    expect(redelivered).toBeGreaterThanOrEqual(200);
    expect(redelivered).toBeLessThan(300);

    const wave = await eventually(() => endedWave(pushed.digest), 'the wave to end', 60_000, 500);
    expect(wave, JSON.stringify(wave)).toMatchObject({ state: 'succeeded', halted_because: null, trigger: 'push' });
    expect(wave.groups.map((g) => [g.name, g.state, g.targets.map((t) => t.state)])).toEqual([
      ['canary', 'succeeded', ['succeeded']],
      ['prod', 'succeeded', ['succeeded']],
    ]);
    expect((await waves()).filter((w) => w.image.digest === pushed.digest)).toHaveLength(1);

    // Each target's deploy is in its own history, tagged with the wave; prod's was asked for only after canary's
    // soak ended.
    const [canary] = await history('canary');
    const [prod] = await history('prod');
    expect(canary).toMatchObject({
      status: 'succeeded',
      digest: pushed.digest,
      deploy_id: wave.groups[0]!.targets[0]!.deploy_id,
    });
    expect(prod).toMatchObject({
      status: 'succeeded',
      digest: pushed.digest,
      deploy_id: wave.groups[1]!.targets[0]!.deploy_id,
    });
    for (const r of [canary, prod]) expect(r!.requester).toBe(`wave ${wave.wave_id}`);
    expect(Date.parse(prod!.requested_at)).toBeGreaterThanOrEqual(Date.parse(wave.groups[0]!.soak_ends_at!));
    expect(Date.parse(wave.groups[0]!.soak_ends_at!) - Date.parse(canary!.finished_at!)).toBeGreaterThanOrEqual(2_900);
    for (const ns of ['elb-canary', 'elb-prod']) expect(clusterImage(ns)).toContain(pushed.digest);
    // One deploy per target for this digest, whatever the redelivery did.
    for (const t of ['canary', 'prod'])
      expect((await history(t)).filter((r) => r.digest === pushed.digest)).toHaveLength(1);
  }, 90_000);

  it('a crash-looping push halts at canary with a rollback; prod is untouched; one wave_halted is sent', async () => {
    // Nothing of the first wave still running (it ended, or the first test failed half-way).
    await eventually(
      async () => ((await waves()).every((w) => w.finished_at !== null) ? true : undefined),
      'no wave running',
      60_000,
      500,
    );
    const prodBefore = clusterImage('elb-prod');
    const canaryBefore = clusterImage('elb-canary');
    const prodRecords = (await history('prod')).length;
    const pushed = await pushImage(stack, '--broken', 'crash-loop');
    expect(pushed.event.delivered).toBe(true);

    const wave = await eventually(() => endedWave(pushed.digest), 'the wave to halt', 60_000, 500);
    expect(wave.state, JSON.stringify(wave)).toBe('halted');
    expect(wave.groups.map((g) => [g.name, g.state, g.targets.map((t) => t.state)])).toEqual([
      ['canary', 'halted', ['rolled_back']],
      ['prod', 'skipped', ['skipped']],
    ]);
    expect(wave.halted_because).toMatch(/^group canary: canary rolled_back \(crash_loop/);

    // canary: the deploy of the broken digest rolled itself back; the cluster runs what it ran before.
    const [canary] = await history('canary');
    expect(canary).toMatchObject({ status: 'rolled_back', digest: pushed.digest, rollback_status: 'succeeded' });
    expect(clusterImage('elb-canary')).toBe(canaryBefore);
    // prod: no deploy, same image.
    expect(await history('prod')).toHaveLength(prodRecords);
    expect(clusterImage('elb-prod')).toBe(prodBefore);

    // The wave is over: a cancel is refused, with a code.
    const cancel = await post(`/waves/${wave.wave_id}/cancel`, contract.ErrorBody);
    expect(cancel).toMatchObject({ status: 409, body: { code: 'wave_not_running' } });

    const halted = await eventually(
      async () => {
        const found = (await sink()).filter((n) => n.name === 'sink-json' && n.body.kind === 'wave_halted');
        return found.length > 0 ? found : undefined;
      },
      'wave_halted at the sink',
      15_000,
    );
    expect(halted).toHaveLength(1);
    expect(halted[0]!.body).toMatchObject({ kind: 'wave_halted', target: 'canary', digest: pushed.digest });
  }, 90_000);

  it("prod in approve mode: canary updates, the wave waits for prod's approval and says so; approve finishes it", async () => {
    await eventually(
      async () => ((await waves()).every((w) => w.finished_at !== null) ? true : undefined),
      'no wave running',
      60_000,
      500,
    );
    const json = (method: string, body: unknown): RequestInit => ({
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { raw } = jsonApi(() => stack.apiUrl);
    expect((await raw('/targets/prod/policy', json('PUT', { mode: 'approve' }))).status).toBe(200);
    try {
      const pushed = await pushImage(stack);
      // canary is updated and soaked; prod's update waits for a deployer, and the wave says which.
      const waiting = await eventually(
        async () => {
          const w = (await waves()).find((v) => v.image.digest === pushed.digest);
          return w?.groups[1]?.targets[0]?.detail === 'waiting for approval' ? w : undefined;
        },
        "prod's approval to be awaited",
        60_000,
        500,
      );
      expect(waiting.groups[0]).toMatchObject({ state: 'succeeded' });
      expect(waiting.finished_at).toBeNull();
      const asked = await eventually(
        async () => {
          const found = (await sink()).filter(
            (n) => n.name === 'sink-json' && n.body.kind === 'approval_waiting' && n.body.digest === pushed.digest,
          );
          return found.length > 0 ? found : undefined;
        },
        'approval_waiting at the sink',
        15_000,
      );
      expect(asked.map((n) => n.body.target)).toEqual(['prod']);
      expect(clusterImage('elb-prod')).not.toContain(pushed.digest);

      const approved = await raw('/targets/prod/update/approve', json('POST', { comment: 'canary is fine' }));
      expect(approved.status, JSON.stringify(approved.body)).toBe(202);
      const wave = await eventually(() => endedWave(pushed.digest), 'the wave to end', 60_000, 500);
      expect(wave).toMatchObject({ state: 'succeeded', halted_because: null });
      const [prod] = await history('prod');
      expect(prod).toMatchObject({ status: 'succeeded', digest: pushed.digest });
      expect(prod!.approval).toMatchObject({ decision: 'approve', comment: 'canary is fine' });
      expect(clusterImage('elb-prod')).toContain(pushed.digest);
    } finally {
      await raw('/targets/prod/policy', { method: 'DELETE' });
    }
  }, 120_000);

  it('refuses a malformed or unknown wave id with a coded error', async () => {
    expect(await post('/waves/not-a-wave/cancel', contract.ErrorBody)).toMatchObject({
      status: 400,
      body: { code: 'invalid_wave_id' },
    });
    expect(await post(`/waves/wave-${'0'.repeat(20)}/cancel`, contract.ErrorBody)).toMatchObject({
      status: 404,
      body: { code: 'unknown_wave' },
    });
  });
});
