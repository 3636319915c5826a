// The seed-compatible monitor answers, the health check and the error body every route shares.
import * as z from 'zod/mini';

/** Every failure: `{code, message}` plus optional details (e.g. `active_instance_id`, `part`, `hint`). */
export const ErrorBody = z.looseObject({ code: z.string(), message: z.string() });

export const ServiceIp = z.object({
  service_name: z.literal('elb-openapi'),
  target: z.string(),
  external_ip: z.nullable(z.string()),
  available: z.boolean(),
  status: z.enum(['ready', 'missing_or_pending']),
});

export const AcrView = z.object({
  login_server: z.string(),
  repository: z.string(),
  image: z.string(),
  target: z.string(),
  expected_image_tags: z.record(z.string(), z.string()),
  actual_tags: z.record(z.string(), z.array(z.string())),
  digests: z.record(z.string(), z.string()),
});

const Check = z.object({ status: z.enum(['ok', 'failed']), detail: z.string() });
export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ storage: Check, exec: Check, registry: Check }),
});
