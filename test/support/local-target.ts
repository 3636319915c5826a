// Helpers the end-to-end tests share for driving the `local` target of a running stack (test/support/stack.ts or
// parts.ts): a start-up environment with short deploy waits, image pushes, the sim's fault switch, and waits on the
// target's summary.
import { expect } from 'vitest';
import * as z from 'zod/mini';
import * as contract from '../../core/contract/summary';
import { eventually, startStack, type Stack } from './stack';

/** Short deploy waits so a whole e2e file stays within a couple of minutes; the phases and their order are unchanged. */
export const FAST_DEPLOY_ENV: Readonly<Record<string, string>> = {
  ELB_WATCH_SECONDS: '5',
  ELB_POLL_INTERVAL_SECONDS: '1',
  ELB_CHECK_POLL_MS: '200',
};

/**
 * The whole stack with FAST_DEPLOY_ENV. `extra` adds or overrides settings (each file picks its own external-IP
 * timeout, auth mode, …).
 */
export function startFastStack(extra: Record<string, string> = {}): Promise<Stack> {
  return startStack({ env: { ...FAST_DEPLOY_ENV, ...extra } });
}

/** What `local-run.sh push-image` prints: the sim's answer to the push. */
export interface PushAnswer {
  digest: string;
  broken: string | null;
  event: { delivered: boolean; reason?: string };
}

/** `local-run.sh push-image elb-openapi:3.4 …args`, as a developer would type it; fails the test unless it exits 0. */
export async function pushImage(stack: Pick<Stack, 'run'>, ...args: string[]): Promise<PushAnswer> {
  const r = await stack.run('push-image', 'elb-openapi:3.4', ...args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as PushAnswer;
}

/** Arms one sim fault (see the sim's `/_sim/faults` contract); throws when the sim refuses it. */
export async function addSimFault(stack: Pick<Stack, 'k8sUrl'>, fault: object): Promise<void> {
  const res = await fetch(`${stack.k8sUrl}/_sim/faults`, { method: 'POST', body: JSON.stringify(fault) });
  if (res.status !== 201) throw new Error(`the sim refused fault ${JSON.stringify(fault)}: HTTP ${res.status}`);
}

export async function clearSimFaults(stack: Pick<Stack, 'k8sUrl'>): Promise<void> {
  await fetch(`${stack.k8sUrl}/_sim/faults`, { method: 'DELETE' });
}

type TargetSummary = z.output<typeof contract.TargetSummary>;

/** The local target's summary, checked against the contract's schema; throws unless it answers 2xx. */
export async function localSummary(stack: Pick<Stack, 'apiUrl'>): Promise<TargetSummary> {
  const res = await fetch(`${stack.apiUrl}/targets/local/openapi`);
  if (!res.ok) throw new Error(`/targets/local/openapi: HTTP ${res.status} ${await res.text()}`);
  return z.parse(contract.TargetSummary, await res.json());
}

/** Waits until no deploy holds the local target, and returns its summary then. */
export function waitForIdle(stack: Pick<Stack, 'apiUrl'>, timeoutMs = 90_000): Promise<TargetSummary> {
  return eventually(
    async () => {
      const s = await localSummary(stack);
      return s.active_deploy === null ? s : undefined;
    },
    'the target to be idle',
    timeoutMs,
  );
}

/** Waits until the local target runs `digest` with no deploy in flight, and returns its summary then. */
export function waitForDeployed(
  stack: Pick<Stack, 'apiUrl'>,
  digest: string,
  timeoutMs = 90_000,
): Promise<TargetSummary> {
  return eventually(
    async () => {
      const s = await localSummary(stack);
      return s.deployed?.digest === digest && s.active_deploy === null ? s : undefined;
    },
    `${digest} to be deployed`,
    timeoutMs,
  );
}
