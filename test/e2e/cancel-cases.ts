// Cancel at each step boundary of an update, on the real local stack (test/support/parts.ts: devhost, exec server
// with the real kubectl, Azurite, the sim): during resolve, right after the apply, during the rollout wait, and
// while waiting for a LoadBalancer address that never comes. Each case asserts the recorded outcome, what the
// cluster runs (read with kubectl), how soon the cancel took effect, and what the summary and the activity feed
// say. Shared by cancel-zero-delay.test.ts and cancel-slow.test.ts, which differ only in the sim's pretend delays.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract';
import { jsonApi } from '../support/json-api';
import { addSimFault, clearSimFaults, FAST_DEPLOY_ENV, pushImage } from '../support/local-target';
import { startParts, type PartsStack, type SimDelays } from '../support/parts';
import { eventually } from '../support/stack';

type Status = z.output<typeof contract.DeployStatus>;

export interface CancelSuiteOptions {
  sim: SimDelays;
  /** Every Kubernetes API request of the sim waits this long (0: none), making each cluster step slow too. */
  apiLatencyMs: number;
  /** The longest acceptable time from the cancel request to the recorded end (rollback and its check included). */
  cancelToEndMs: number;
}

export function describeCancelEdges(title: string, o: CancelSuiteOptions): void {
  let stack: PartsStack;
  let good = '';

  const { request: api, post } = jsonApi(() => stack.apiUrl);
  const status = async (id: string) =>
    (await api(`/targets/local/openapi/deployments/${id}`, contract.DeployStatus)).body;
  const activity = async () => (await api('/targets/local/openapi/activity', contract.TargetActivity)).body;

  async function start(): Promise<string> {
    const r = await post('/targets/local/openapi/deployments', contract.DeployAccepted, { reason: 'update' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.id;
  }
  const finished = (id: string) =>
    eventually(
      async () => {
        const s = await status(id);
        return s.output && (await activity()).active_deploy === null ? s : undefined;
      },
      `deploy ${id} to end`,
      60_000,
      100,
    );
  /** Polls the deploy until `ready` says its phase is reached, then cancels it; answers when the cancel was sent. */
  async function cancelWhen(id: string, ready: (s: Status) => boolean): Promise<number> {
    await eventually(
      async () => (ready(await status(id)) ? true : undefined),
      `deploy ${id} to reach the phase`,
      60_000,
      25,
    );
    const sentAt = Date.now();
    const r = await post(`/targets/local/openapi/deployments/${id}/cancel`, contract.CancelAnswer);
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return sentAt;
  }
  const entry = (s: Status, name: string) => s.custom_status?.timeline.find((e) => e.name === name)?.status;

  function cluster(): { image: string; ready: number; pods: string[] } {
    const kubectl = (...args: string[]) =>
      JSON.parse(
        execFileSync('kubectl', ['--kubeconfig', stack.kubeconfig, '-n', 'elb-openapi', ...args, '-o', 'json'], {
          encoding: 'utf8',
        }),
      );
    const d = kubectl('get', 'deployment/elb-openapi');
    const pods = kubectl('get', 'pods', '-l', 'app.kubernetes.io/name=elb-openapi') as {
      items: { spec: { containers: { image: string }[] }; metadata: { deletionTimestamp?: string } }[];
    };
    return {
      image: d.spec.template.spec.containers[0].image,
      ready: d.status.readyReplicas ?? 0,
      pods: pods.items.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0]!.image),
    };
  }
  const deployedImage = async () => (await api('/targets/local/openapi', contract.TargetSummary)).body.deployed!.image;
  const pushNewBuild = async () => (await pushImage(stack, '--no-event')).digest;
  const fault = (body: object) => addSimFault(stack, body);
  const clearFaults = () => clearSimFaults(stack);

  /** The checks every case makes once its cancelled deploy has ended. */
  async function expectCancelled(id: string, sentAt: number, restored: boolean): Promise<Status> {
    const before = (await activity()).change_token;
    const end = await finished(id);
    const took = Date.now() - sentAt;
    const out = end.output!;
    expect(out.status).toBe('cancelled');
    expect(out.cancel_requested).toBe(true);
    expect(out.error?.code).toBe('cancelled');
    if (restored) {
      expect(out.rollback).toEqual({ status: 'succeeded', image: good });
      expect(out.cluster_state).toBe(`restored to ${good}`);
    } else {
      expect(out.rollback).toBeNull();
      expect(out.cluster_state).toBe('unchanged: nothing was applied');
    }
    expect(took, `the cancelled deploy took ${took} ms to end`).toBeLessThan(o.cancelToEndMs);
    if (restored) {
      // Honoured within the poll interval (1 s here) plus the API's own latency: the restore began by then.
      const rb = end.output && (end as Status).custom_status?.timeline.find((e) => e.name === 'rolling_back');
      const honouredMs = Date.parse(rb!.startedAt!) - sentAt;
      expect(honouredMs, `the cancel was honoured after ${honouredMs} ms`).toBeLessThan(3000);
    }
    // What the cluster runs, read back with kubectl: the previous image, Ready, and no pod of the cancelled one.
    const now = await eventually(
      async () => {
        const c = cluster();
        return c.pods.every((p) => p === good) ? c : undefined;
      },
      'only pods of the previous image',
      15_000,
    );
    expect(now.image).toBe(good);
    expect(now.ready).toBe(1);
    // The summary and the cheap activity feed say the same.
    const feed = await activity();
    expect(feed.last_deploy).toMatchObject({ deploy_id: id, status: 'cancelled', cancel_requested: true });
    expect(feed.last_deploy!.cluster_state).toBe(out.cluster_state);
    expect(feed.change_token).not.toBe(before === feed.change_token ? '' : before);
    const summary = (await api('/targets/local/openapi', contract.TargetSummary)).body;
    expect(summary.deployed?.image).toBe(good);
    expect(summary.last_deploy).toMatchObject({ deploy_id: id, status: 'cancelled' });
    return end;
  }

  describe(title, () => {
    beforeAll(async () => {
      stack = await startParts({
        sim: o.sim,
        env: {
          ...FAST_DEPLOY_ENV,
          ELB_EXTERNAL_IP_TIMEOUT_SECONDS: '60',
          ELB_DEPENDENCY_RETRY_SECONDS: '5',
        },
      });
      const install = await post('/targets/local/openapi/deployments', contract.DeployAccepted);
      expect(install.status, JSON.stringify(install.body)).toBe(202);
      const out = (await finished(install.body.id)).output!;
      expect(out.status).toBe('succeeded');
      good = cluster().image;
      if (o.apiLatencyMs > 0) await fault({ type: 'api_latency', ms: o.apiLatencyMs });
    }, 120_000);

    afterAll(async () => {
      await stack?.stop();
    });

    it('during resolve: ends cancelled, nothing applied, the cluster unchanged', async () => {
      good = await deployedImage();
      await pushNewBuild();
      // Slow registry reads (the app's, not the cluster's pulls) keep the deploy in its resolve step.
      stack.setRegistryDelay(700);
      try {
        const id = await start();
        const sentAt = await cancelWhen(id, (s) => s.custom_status?.phase === 'resolving_image');
        const end = await expectCancelled(id, sentAt, false);
        expect(entry(end, 'resolving_image')).toBe('done');
        expect(entry(end, 'applying_manifests')).toBe('pending');
      } finally {
        stack.setRegistryDelay(0);
      }
    }, 60_000);

    it('right after the apply: ends cancelled (never succeeded), previous image restored and verified', async () => {
      good = await deployedImage();
      await pushNewBuild();
      // Pods are Ready at the first check (the case that used to end `succeeded`); a little API latency leaves the
      // cancel time to arrive before the deploy has decided its outcome.
      if (o.apiLatencyMs === 0) await fault({ type: 'api_latency', ms: 300 });
      try {
        const id = await start();
        const sentAt = await cancelWhen(id, (s) => entry(s, 'applying_manifests') === 'done');
        if (o.apiLatencyMs === 0) await clearFaults();
        const end = await expectCancelled(id, sentAt, true);
        expect(entry(end, 'rolling_back')).toBe('done');
        expect(entry(end, 'verifying_service')).not.toBe('done');
      } finally {
        if (o.apiLatencyMs === 0) await clearFaults();
      }
    }, 60_000);

    it('during the rollout wait: the check is abandoned, the previous image restored', async () => {
      good = await deployedImage();
      await pushNewBuild();
      // With a zero-delay sim the pods are Ready at once: slow cluster reads keep the deploy inside its rollout check.
      if (o.apiLatencyMs === 0) await fault({ type: 'api_latency', ms: 700 });
      try {
        const id = await start();
        const sentAt = await cancelWhen(id, (s) => s.custom_status?.phase === 'waiting_for_rollout');
        // The cancel is sent; the restore need not crawl too.
        if (o.apiLatencyMs === 0) await clearFaults();
        const end = await expectCancelled(id, sentAt, true);
        expect(entry(end, 'waiting_for_rollout')).toBe('failed');
        expect(end.output!.error!.message).toBe('cancelled on request during the rollout');
      } finally {
        await clearFaults();
        if (o.apiLatencyMs > 0) await fault({ type: 'api_latency', ms: o.apiLatencyMs });
      }
    }, 60_000);

    it('while waiting for an address that never comes: cancelled within seconds, previous image restored', async () => {
      good = await deployedImage();
      await pushNewBuild();
      // A cloud load balancer that has lost the Service's address and cannot hand out another one.
      await fault({ type: 'lb_ip', mode: 'never' });
      try {
        const lost = await fetch(`${stack.k8sUrl}/api/v1/namespaces/elb-openapi/services/elb-openapi/status`, {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ status: { loadBalancer: { ingress: null } } }),
        });
        expect(lost.status).toBe(200);
        const id = await start();
        const sentAt = await cancelWhen(id, (s) => s.custom_status?.phase === 'waiting_for_external_ip');
        const end = await expectCancelled(id, sentAt, true);
        expect(entry(end, 'waiting_for_external_ip')).toBe('failed');
        expect(end.output!.error!.message).toBe('cancelled on request during the wait for a LoadBalancer address');
      } finally {
        await clearFaults();
        if (o.apiLatencyMs > 0) await fault({ type: 'api_latency', ms: o.apiLatencyMs });
      }
    }, 60_000);
  });
}
