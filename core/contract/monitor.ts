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

/** Old fields a request gave that had no effect here (docs/api.md "Seed-compatible calls"); absent when none. */
export const IgnoredFields = z.optional(z.array(z.string()));

/** One ACR Tasks run in the older system's shape, plus when it was created. */
export const BuildDetail = z.object({
  image: z.nullable(z.string()),
  status: z.string(),
  run_id: z.string(),
  created_at: z.nullable(z.string()),
});

export const AcrView = z.object({
  /** The registry's Azure name (the older system's `name`); null when it has none, such as the local registry. */
  name: z.optional(z.nullable(z.string())),
  login_server: z.string(),
  repository: z.string(),
  image: z.string(),
  /** null when several targets are configured and the query names none (the older system's query). */
  target: z.nullable(z.string()),
  expected_image_tags: z.record(z.string(), z.string()),
  actual_tags: z.record(z.string(), z.array(z.string())),
  digests: z.record(z.string(), z.string()),
  /** From Azure Resource Manager (docs/api.md#get-apimonitoracr); null without ELB_REGISTRY_RESOURCE_ID. */
  sku: z.nullable(z.string()),
  location: z.nullable(z.string()),
  resource_id: z.nullable(z.string()),
  /** `repository:tag` of the builds running now (Rebuild & Deploy), as the older system listed them. */
  building_images: z.array(z.string()),
  /** The registry's latest ACR Tasks runs, newest first; `image` is null until the run has pushed. */
  build_details: z.array(BuildDetail),
  /** `arm` when the facts and builds above come from Azure Resource Manager; `not_configured` without a registry id. */
  management_plane: z.enum(['arm', 'not_configured']),
  ignored_fields: IgnoredFields,
});

const Check = z.object({ status: z.enum(['ok', 'failed']), detail: z.string() });
export const Health = z.object({
  status: z.enum(['ok', 'degraded']),
  checks: z.object({ storage: Check, exec: Check, registry: Check }),
});
