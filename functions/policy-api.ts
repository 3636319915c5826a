// A target's update policy through the API (docs/api.md "Update policy and approvals", docs/policies.md): read it,
// set a whole one (kept on the target row as policyOverride; the configured one stays in ELB_TARGETS), or return to
// the configured one. Every change is recorded first — who, when, the policy before and after — in the
// `policychanges` table: a change that cannot be recorded is not made. A change applies to updates offered after it;
// an update already waiting keeps the policy it was offered under.
import type * as z from 'zod/mini';
import { Caller } from '../core/auth';
import type { PolicyAnswer } from '../core/contract/update';
import { DomainError } from '../core/errors';
import type { Target } from '../core/targets';
import { UpdatePolicy } from '../core/contract/policy';
import { parsePolicyRequest } from '../core/update-requests';
import { policyView } from '../core/update-views';
import { adapters } from '../services/composition';
import { httpRoute, json, readBody, targetFromRoute } from './lib/http';

async function answer(target: Target): Promise<z.input<typeof PolicyAnswer>> {
  const { targets, policyChanges } = adapters();
  const [{ state }, changes] = await Promise.all([targets.get(target.name), policyChanges.list(target.name)]);
  return { target: target.name, ...policyView(target, state, new Date()), configured: target.policy, changes };
}

/** Records the change, then makes it; `after` null returns to the configured policy. */
async function change(target: Target, caller: Caller, after: UpdatePolicy | null): Promise<boolean> {
  const { targets, policyChanges } = adapters();
  const { state } = await targets.get(target.name);
  const before = policyView(target, state, new Date());
  if (after === null && before.source === 'configuration' && state.policyOverride === null) return false;
  const stored = after === null ? null : JSON.stringify(after);
  // Only over the policy this change was read against: two changes at once cannot both claim the same "before".
  const changed = await targets.update<boolean>(target.name, (s) =>
    s.policyOverride === state.policyOverride
      ? { next: { ...s, policyOverride: stored }, result: true }
      : { next: null, result: false },
  );
  if (!changed) {
    throw new DomainError(
      'policy_changed_concurrently',
      'the policy was changed by someone else meanwhile: read it again, then repeat your change',
      409,
    );
  }
  try {
    await policyChanges.record({
      target: target.name,
      actor: caller.name,
      at: new Date().toISOString(),
      action: after === null ? 'reset' : 'set',
      before: before.policy as UpdatePolicy,
      before_source: before.source,
      after: after ?? target.policy,
      after_source: after === null ? 'configuration' : 'api',
    });
  } catch (err) {
    // No change without its record: put the policy back (unless someone changed it since), then report the failure.
    await targets
      .update(target.name, (s) =>
        s.policyOverride === stored
          ? { next: { ...s, policyOverride: state.policyOverride }, result: undefined }
          : { next: null, result: undefined },
      )
      .catch(() => undefined);
    throw err;
  }
  return true;
}

httpRoute('targetPolicy', {
  GET: async (req) => json(200, await answer(targetFromRoute(req.params.target))),
  PUT: async (req, caller) => {
    const target = targetFromRoute(req.params.target);
    const policy = parsePolicyRequest(await readBody(req));
    await change(target, caller, policy);
    return json(200, await answer(target));
  },
  DELETE: async (req, caller) => {
    const target = targetFromRoute(req.params.target);
    const body = (await readBody(req, 1024)).trim();
    if (body !== '' && body !== '{}')
      throw new DomainError('invalid_body', 'DELETE takes no body (or {}): it returns to the configured policy', 400);
    await change(target, caller, null);
    return json(200, await answer(target));
  },
});
