// The approval gate and the policy API (docs/policies.md "Approvals", "Maintenance windows", docs/api.md
// "Update policy and approvals"): a deployer's decision, the body that asks for it, the update waiting on a target
// as the summary shows it, a manual deploy's window override, and the policy route's answer.
import * as z from 'zod/mini';
import { UpdatePolicy } from './policy';
import { omittable } from './primitives';

/** The longest approval comment or override reason: a sentence or two for the history, not a document. */
export const MAX_COMMENT_LENGTH = 500;

/** One line of printable text (no control characters, so a record or a log line cannot be broken up by it). */
const oneLine = (max: number) =>
  z
    .string()
    .check(
      z.maxLength(max, `must be at most ${max} characters`),
      z.regex(/^[^\p{Cc}\u2028\u2029]*$/u, 'must be one line of printable text'),
    );

/** A deployer's decision on a waiting update, as the orchestration and the history record keep it. */
export const UpdateDecision = z.object({
  decision: z.enum(['approve', 'reject']),
  /** The deployer's principal name (from the platform's sign-in, never from the request body). */
  by: z.string().check(z.minLength(1), z.maxLength(200)),
  at: z.string(),
  comment: z.nullable(oneLine(MAX_COMMENT_LENGTH)),
});

/** `POST …/update/approve` and `…/reject`: only an optional comment — who and what come from the route and sign-in. */
export const DecisionBody = z.strictObject({
  comment: z.optional(z.nullable(oneLine(MAX_COMMENT_LENGTH))),
});

/** What a deploy outside the target's maintenance window carries: the reason is kept in its history record. */
export const WindowOverrideBody = z.strictObject({
  reason: oneLine(300).check(z.refine((r) => r.trim().length >= 3, 'must say why (at least 3 characters)')),
});
/** The override as the history record keeps it: the reason and who gave it. */
export const WindowOverride = z.object({ reason: z.string(), by: z.string() });

/** A maintenance window at the moment of the answer (core/maintenance-window.ts). */
export const WindowView = z.object({
  open: z.boolean(),
  /** "Sat 02:00–05:00 Europe/Stockholm" */
  text: z.string(),
  /** When it next closes (open) or opens (closed), ISO 8601 UTC. */
  next: z.string(),
});

export const PENDING_UPDATE_STATES = ['waiting_for_approval', 'waiting_for_window', 'deploying'] as const;

/** The update a target is waiting on (or deploying), from its updateTarget orchestration's status. */
export const PendingUpdate = z.object({
  update_id: z.string(),
  tag: z.string(),
  digest: z.string(),
  state: z.enum(PENDING_UPDATE_STATES),
  offered_at: z.string(),
  /** When an unanswered approval ends `expired`; null when it waits for no approval. */
  expires_at: z.nullable(z.string()),
  /** The window it waits for ("Sat 02:00–05:00 Europe/Stockholm"), or null. */
  window: z.nullable(z.string()),
  /** When that window opens next; null unless it waits for the window. */
  window_opens_at: z.nullable(z.string()),
  /** The deploy it started, once it deploys. */
  deploy_id: z.nullable(z.string()),
  /** The approval it got, once approved. */
  decision: z.nullable(UpdateDecision),
});

/** The policy in force on a target, for the summary and the policy route. */
export const PolicyView = z.object({
  policy: UpdatePolicy,
  /** `configuration`: ELB_TARGETS; `api`: set with `PUT …/policy` (kept until `DELETE …/policy`). */
  source: z.enum(['configuration', 'api']),
  /** The window as it stands now; null without a window. */
  window: omittable(WindowView),
});

/** One recorded change of a target's policy (the `policychanges` table). */
export const PolicyChange = z.object({
  target: z.string(),
  actor: z.string(),
  at: z.string(),
  action: z.enum(['set', 'reset']),
  /** The policy in force before and after, and where each came from. */
  before: UpdatePolicy,
  before_source: z.enum(['configuration', 'api']),
  after: UpdatePolicy,
  after_source: z.enum(['configuration', 'api']),
});

/** `GET`, `PUT`, `DELETE …/policy`: the policy in force, the configured one, and the latest changes (newest first). */
export const PolicyAnswer = z.object({
  target: z.string(),
  ...PolicyView.shape,
  configured: UpdatePolicy,
  changes: z.array(PolicyChange),
});

/** `POST …/update/approve|reject` answered: the decision as the waiting update took it. */
export const DecisionAccepted = z.object({
  target: z.string(),
  update_id: z.string(),
  tag: z.string(),
  digest: z.string(),
  decision: UpdateDecision,
});
