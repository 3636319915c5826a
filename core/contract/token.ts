// The service's API token: the one answer that carries it (a reveal, POST only, never cached), the rotation request,
// and the audit trail of reveals and rotations, which carries who and when but never the token. Why and who may: docs/security.md#the-service-api-token.
import * as z from 'zod/mini';

/** The answer of `POST …/token/reveal`. */
export const TokenReveal = z.object({
  target: z.string(),
  token: z.string(),
  /** The audit record written before the token was returned. */
  audit_id: z.string(),
  revealed_at: z.string(),
});
export type TokenReveal = z.infer<typeof TokenReveal>;

/** The body of `POST …/token/rotate`: nothing to choose (the token is random); empty or `{}`. */
export const TokenRotateBody = z.strictObject({});

export const TOKEN_AUDIT_ACTIONS = ['token_reveal', 'token_rotate'] as const;

/** One audit record: an action on a target's token, by whom, when. */
export const TokenAuditRecord = z.object({
  audit_id: z.string(),
  target: z.string(),
  action: z.enum(TOKEN_AUDIT_ACTIONS),
  actor: z.string(),
  at: z.string(),
});
export type TokenAuditRecord = z.infer<typeof TokenAuditRecord>;
export const TokenAuditList = z.array(TokenAuditRecord);
