// Targets are configured server-side (ELB_TARGETS / ELB_TARGETS_FILE) and never taken from a request body.
import type * as z from 'zod/mini';
import * as contract from './contract/settings';
import { TARGET_NAME } from './contract/primitives';
import { DomainError } from './errors';
import { validate } from './validate';

export type RbacBinding = z.output<typeof contract.RbacBinding>;
export type RoleAssignmentSpec = z.output<typeof contract.RoleAssignmentSpec>;
export type KubeconfigTarget = z.output<typeof contract.KubeconfigTarget>;
export type AksTarget = z.output<typeof contract.AksTarget>;
export type Target = KubeconfigTarget | AksTarget;

export function isValidTargetName(name: string): boolean {
  return TARGET_NAME.test(name);
}

/** Checks one target (`index` names it in messages); defaults filled in, `env` in name order. */
export function parseTarget(raw: unknown, index: number): Target {
  const target = validate(contract.Target, raw, () => 'invalid_targets', { status: 500, prefix: `targets[${index}]` });
  return { ...target, env: Object.fromEntries(Object.entries(target.env).sort(([a], [b]) => a.localeCompare(b))) };
}

export function parseTargets(json: string): Target[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    fail('targets: not valid JSON');
  }
  const targets = validate(contract.TargetList, raw, () => 'invalid_targets', { status: 500, prefix: 'targets' }).map(
    (t, i) => parseTarget(t, i),
  );
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.name)) fail(`targets: name "${t.name}" is used twice`);
    seen.add(t.name);
  }
  return targets;
}

function fail(message: string): never {
  throw new DomainError('invalid_targets', message, 500);
}

/**
 * Picks the target a request means. With exactly one configured target a request may name none (seed behaviour);
 * otherwise the name is required.
 */
export function selectTarget(targets: readonly Target[], name: string | undefined | null): Target {
  if (name === undefined || name === null || name === '') {
    if (targets.length === 1) return targets[0]!;
    throw new DomainError('target_required', `several targets are configured; name one of: ${names(targets)}`, 400);
  }
  if (!TARGET_NAME.test(name)) throw new DomainError('invalid_target', 'target must be a lowercase DNS label', 400);
  const found = targets.find((t) => t.name === name);
  if (!found) {
    const configured = targetNames(targets);
    throw new DomainError(
      'unknown_target',
      `no target named "${name}"; configured targets: ${configured.join(', ')}`,
      404,
      {
        configured_targets: configured,
      },
    );
  }
  return found;
}

export function targetNames(targets: readonly Target[]): string[] {
  return targets.map((t) => t.name);
}

function names(targets: readonly Target[]): string {
  return targetNames(targets).join(', ');
}

/** The ARM resource id of an AKS target's cluster. */
export function clusterResourceId(t: AksTarget): string {
  return `/subscriptions/${t.subscriptionId}/resourceGroups/${t.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${t.clusterName}`;
}
