// The token rotation at its edges, on the real local stack started part by part (test/support/parts.ts; platform
// sign-in, as in Azure; pods take 1.5 s to become Ready): the exec server down before a rotation; two rotations at
// once; a cancel through the real cancel route right after the start, during the rollout and during the check; a
// terminate half-way followed by a deploy or a rotation; the exec server killed during the rollout or the apply. After
// each, the service ends with exactly one token in its Secret — the one reveal returns, which the service accepts —
// and every other token seen is refused. Then no token seen is in any answer, any part's log or the devhost's
// orchestration history on disk. Runs the compiled app (dist/): `npm run build` first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSimFault, clearSimFaults, pushImage } from '../../test/support/local-target';
import { startParts, type PartsStack } from '../../test/support/parts';
import { eventually } from '../../test/support/stack';
import {
  auditCount,
  call,
  cancelAt,
  DEPLOYER,
  ended,
  expectNoTokenAnywhere,
  historyLength,
  idle,
  installOn,
  oneWorkingToken,
  type Answer,
  type Output,
  phaseOf,
  READER,
  reveal,
  rotate,
  ROTATE,
  ROTATION_ENV,
  seen,
  v1,
} from '../../test/support/token-rotation';

let stack: PartsStack;

beforeAll(async () => {
  stack = await startParts({ env: ROTATION_ENV, sim: { readyDelayMs: 1500, lbDelayMs: 0 } });
  await installOn(stack);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe('token rotation at the edges', () => {
  it('exec server down before a rotation: 503 exec_unavailable, nothing recorded, the token unchanged', async () => {
    const before = await reveal();
    const [rotations, records] = [await auditCount(), await historyLength()];
    await stack.kill('terminal-exec');
    try {
      const r = await call('POST', ROTATE);
      expect(r, r.text).toMatchObject({ status: 503, body: { code: 'exec_unavailable' } });
      expect(await auditCount()).toBe(rotations);
      expect(await historyLength()).toBe(records);
    } finally {
      await stack.start('terminal-exec');
    }
    expect(await oneWorkingToken()).toBe(before);
  });

  it('two rotations fired at once: exactly one 202 and one 409 naming it', async () => {
    await idle();
    const answers = await Promise.all([call('POST', ROTATE), call('POST', ROTATE)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses, answers.map((a) => a.text).join('\n')).toEqual([202, 409]);
    const started = answers.find((a) => a.status === 202)!;
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body).toMatchObject({
      code: 'deploy_in_progress',
      active_instance_id: started.body.instance_id,
    });
    expect((await ended(started.body.instance_id as string)).status).toBe('succeeded');
    await oneWorkingToken();
  }, 60_000);

  for (const [when, phase] of [
    ['right after the start', null],
    ['during the rollout', 'waiting_for_rollout'],
    ['during the check', 'verifying_token'],
  ] as const) {
    it(`cancelled ${when}: ends cancelled, the old token kept and working, the Secret holds only it`, async () => {
      await idle();
      const before = await reveal();
      const id = await rotate();
      let cancel: Answer;
      try {
        if (phase === 'verifying_token') {
          // Holds the check (each of its reads of the cluster 1.5 s late) so that the cancel lands inside it.
          await eventually(async () => ((await phaseOf(id)) === 'waiting_for_rollout' ? true : undefined), 'rollout');
          await addSimFault(stack, { type: 'api_latency', ms: 1500 });
        }
        cancel =
          phase === null
            ? await call('POST', `/targets/local/openapi/deployments/${id}/cancel`)
            : await cancelAt(id, phase);
      } finally {
        await clearSimFaults(stack);
      }
      expect(cancel.status, cancel.text).toBe(202);
      const out = await ended(id);
      expect(out, JSON.stringify(out)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      if (phase !== null) {
        expect(out.timeline.find((e) => e.name === phase)?.status).toBe('failed');
        expect(out.rollback).toMatchObject({ status: 'succeeded' });
        expect(out.timeline.find((e) => e.name === 'restoring_token')?.status).toBe('done');
      }
      expect(await oneWorkingToken()).toBe(before);
    }, 60_000);
  }

  for (const then of ['deploy', 'rotation'] as const) {
    it(`terminated half-way, then a ${then}: one token in the Secret, the one reveal returns, every pod accepts it`, async () => {
      await idle();
      const id = await rotate();
      const r = await cancelAt(id, 'waiting_for_rollout', 'terminate');
      expect(r.status, r.text).toBe(202);
      // The cluster is left as it is (the Secret may hold both tokens); the history says terminated.
      await idle();
      const record = (await call('GET', `/targets/local/openapi/deployments/${id}`, READER)).body as {
        runtime_status: string;
      };
      expect(record.runtime_status).toBe('Terminated');
      await reveal();
      const next =
        then === 'deploy' ? await call('POST', '/aks/openapi/deploy', DEPLOYER, {}) : await call('POST', ROTATE);
      expect(next.status, next.text).toBe(202);
      expect((await ended(next.body.instance_id as string)).status).toBe('succeeded');
      await oneWorkingToken();
    }, 60_000);
  }

  it('exec server killed during the rollout and kept down: the swap is checked; the leftover old token is said, and the next rotation clears it', async () => {
    await idle();
    const before = await reveal();
    const id = await rotate();
    let out: Output;
    try {
      await eventually(async () => ((await phaseOf(id)) === 'waiting_for_rollout' ? true : undefined), 'rollout');
      await stack.kill('terminal-exec');
      out = await ended(id);
      // What is shown meanwhile: the summary names the exec server as down.
      const summary = (await call('GET', '/targets/local/openapi', READER)).body as {
        dependencies: { part: string; code: string }[];
      };
      expect(summary.dependencies).toEqual(
        expect.arrayContaining([expect.objectContaining({ part: 'exec', code: 'exec_unavailable' })]),
      );
    } finally {
      await stack.start('terminal-exec');
    }
    expect(out, JSON.stringify(out)).toMatchObject({ status: 'succeeded' });
    expect(out.cluster_state).toMatch(/the Secret still holds the other token \(exec_unavailable\)/);
    const after = await reveal();
    expect(after).not.toBe(before);
    expect(await v1(after)).toEqual([200]);
    expect(await v1(before)).toEqual([401]);
    expect((await ended(await rotate())).status).toBe('succeeded');
    await oneWorkingToken();
  }, 90_000);

  it('exec server killed during the apply and kept down: recorded failed with the restore failed, and the next rotation ends consistent', async () => {
    await idle();
    const id = await rotate();
    let out: Output;
    try {
      // Every cluster request 2 s late from the apply on; the exec server dies inside its kubectl apply.
      await eventually(async () => ((await phaseOf(id)) === 'applying_token' ? true : undefined), 'apply', 30_000, 50);
      await addSimFault(stack, { type: 'api_latency', ms: 2000 });
      await new Promise((ok) => setTimeout(ok, 2500));
      await stack.kill('terminal-exec');
      await clearSimFaults(stack);
      out = await ended(id);
    } finally {
      await clearSimFaults(stack);
      await stack.start('terminal-exec');
    }
    expect(out, JSON.stringify(out)).toMatchObject({
      status: 'failed',
      error: { code: 'exec_unavailable' },
      rollback: { status: 'failed' },
    });
    expect(out.cluster_state).toMatch(/the token Secret may hold either token: rotate again/);
    await reveal();
    expect((await ended(await rotate())).status).toBe('succeeded');
    await oneWorkingToken();
  }, 90_000);

  it('a push arriving during a rotation is deployed after it, with the rotated token kept', async () => {
    await idle();
    const id = await rotate();
    const pushed = await pushImage(stack);
    expect((await ended(id)).status).toBe('succeeded');
    await eventually(
      async () => {
        const s = (await call('GET', '/targets/local/openapi', READER)).body as {
          active_deploy: unknown;
          deployed: { digest: string } | null;
        };
        return s.deployed?.digest === pushed.digest && s.active_deploy === null ? true : undefined;
      },
      'the pushed digest deployed',
      60_000,
    );
    await oneWorkingToken();
  }, 90_000);

  it('no token seen is in any GET answer, any part’s log, or the devhost’s orchestration history', async () => {
    expect(seen.size).toBeGreaterThanOrEqual(4);
    await expectNoTokenAnywhere(stack);
  });
});
