// Every HTTP route of the app, declared once: its path, methods, the role each method needs, and the schemas of
// what it takes and answers. functions/lib/http.ts registers the routes from this table, so a route's role is
// written only here, and core/api-spec.ts generates the OpenAPI document from it (functions/test/api-document
// .e2e.test.ts checks the two against what the running app registered).
import type * as z from 'zod/mini';
import type { Role } from '../auth';
import { CancelAnswer, DeployAccepted, DeployStatus, RebuildPreview } from './deploy';
import { DeploymentList } from './history';
import { AcrView, Health, ServiceIp } from './monitor';
import { AcrQuery } from './seed';
import { ProxyAnswer, ProxyRequestBody } from './proxy';
import { ReconcileAnswer, ReconcileRequestBody } from './reconcile';
import {
  CancelQuery,
  ClusterStartBody,
  DeployParams,
  DeployRequestBody,
  RebuildRequestBody,
  HistoryQuery,
  ServiceIpQuery,
  TargetDeployParams,
  TargetParams,
} from './requests';
import { ActivityList, TargetActivity, TargetSummary, TargetSummaryList } from './summary';
import { TokenAuditList, TokenReveal, TokenRotateBody } from './token';
import { WaveCancelAnswer, WaveParams, WavesAnswer } from './waves';
import { UpdatePolicy } from './policy';
import { DecisionAccepted, DecisionBody, PolicyAnswer } from './update';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A success answer (with its schema when it is JSON this app shapes); an error answer is just its description. */
export type Answer = { description: string; schema?: z.core.$ZodType } | string;

export interface Operation {
  role: Role;
  summary: string;
  params?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  body?: z.core.$ZodType;
  /** By status; 401, 403 and 500 (every route has them) are added by the document. */
  responses: Readonly<Record<number, Answer>>;
}

export interface RouteSpec {
  /** The Functions route template, relative to `/api`. */
  route: string;
  operations: Partial<Record<Method, Operation>>;
}

const startDeploy: Operation = {
  role: 'deployer',
  summary: 'Start a deploy (single-flight per target)',
  body: DeployRequestBody,
  responses: {
    202: { description: 'Queued', schema: DeployAccepted },
    400:
      'Invalid body (codes: invalid_json, invalid_body, unknown_field, invalid_target, invalid_tag, invalid_digest, invalid_reason, target_mismatch, target_required); ' +
      'old fields: invalid_<field>, missing_parameters, conflicting_target, ambiguous_cluster, registry_mismatch',
    404: 'unknown_target (also for a cluster no target is configured with), with configured_targets',
    409: 'deploy_in_progress, with active_instance_id and statusQueryGetUri',
    413: 'body_too_large (16 KiB)',
    503: 'exec_unavailable or cluster_unavailable (preflight: nothing recorded), with part and hint; storage_unavailable',
  },
};
const startRebuild: Operation = {
  role: 'deployer',
  summary: 'Rebuild & Deploy: an ACR Tasks build of the pinned tag, then a deploy of the digest it pushed',
  body: RebuildRequestBody,
  responses: {
    200: { description: 'dry_run: what would be built and deployed; nothing started', schema: RebuildPreview },
    202: { description: 'Queued', schema: DeployAccepted },
    400: 'Invalid body (invalid_json, invalid_body, unknown_field, invalid_<field>, target_required, registry_mismatch, conflicting_target)',
    404: 'unknown_target, with configured_targets',
    409: 'deploy_in_progress (with active_instance_id), build_not_configured',
    413: 'body_too_large (16 KiB)',
    503: 'exec_unavailable or cluster_unavailable (preflight: nothing recorded), storage_unavailable',
  },
};
const deployStatus: Operation = {
  role: 'reader',
  summary: 'Status of a deploy',
  responses: {
    200: { description: 'Status', schema: DeployStatus },
    400: 'invalid_deploy_id, invalid_target',
    404: 'unknown_deploy, unknown_target',
    503: 'durable_unavailable',
  },
};
const cancelDeploy: Operation = {
  role: 'deployer',
  summary: 'Cancel or terminate a running deploy',
  query: CancelQuery,
  responses: {
    202: { description: 'Requested', schema: CancelAnswer },
    400: 'invalid_deploy_id, invalid_mode, invalid_target',
    404: 'unknown_deploy, unknown_target',
    409: 'deploy_not_running',
  },
};

/** Approve or reject the update waiting on a target (docs/api.md "Update policy and approvals"). */
const decideUpdate = (what: 'Approve' | 'Reject'): Operation => ({
  role: 'deployer',
  summary: `${what} the update waiting for approval on the target (the deployer's name and the comment are recorded)`,
  params: TargetParams,
  body: DecisionBody,
  responses: {
    202: {
      description: 'Decision raised; the answer repeats it as the waiting update took it',
      schema: DecisionAccepted,
    },
    400: 'invalid_target, invalid_json, invalid_body, unknown_field (only comment may be sent), invalid_comment',
    404: 'unknown_target',
    409: 'no_update_waiting (with state when an update waits for something else), already_decided (with decision)',
    413: 'body_too_large (4 KiB)',
    503: 'durable_unavailable, storage_unavailable',
  },
});

const policyAnswer = {
  description: 'The policy in force, the configured one, the latest changes',
  schema: PolicyAnswer,
};

export const ROUTES = {
  deployStart: { route: 'aks/openapi/deploy', operations: { POST: startDeploy } },
  deployStatus: {
    route: 'aks/openapi/deploy/{id}/status',
    operations: { GET: { ...deployStatus, params: DeployParams } },
  },
  deployCancel: {
    route: 'aks/openapi/deploy/{id}/cancel',
    operations: { POST: { ...cancelDeploy, params: DeployParams } },
  },
  rebuildStart: { route: 'aks/openapi/rebuild-deploy', operations: { POST: startRebuild } },
  rebuildStatus: {
    route: 'aks/openapi/rebuild-deploy/{id}/status',
    operations: { GET: { ...deployStatus, summary: 'Status of a Rebuild & Deploy', params: DeployParams } },
  },
  monitorServiceIp: {
    route: 'monitor/aks/service-ip',
    operations: {
      GET: {
        role: 'reader',
        summary: 'LoadBalancer address of the service',
        query: ServiceIpQuery,
        responses: {
          200: { description: 'Address (null while missing or pending)', schema: ServiceIp },
          400: 'service_name_required, unknown_service, invalid_target, target_required, invalid_<field>, missing_parameters, conflicting_target, ambiguous_cluster',
          404: 'unknown_target (also for a cluster no target is configured with), with configured_targets',
          502: 'cluster_unavailable, cluster_forbidden',
        },
      },
    },
  },
  monitorAcr: {
    route: 'monitor/acr',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Pinned tag and what the registry holds',
        query: AcrQuery,
        responses: {
          200: { description: 'Registry view', schema: AcrView },
          400: 'invalid_target, target_required, invalid_<field>, conflicting_target, ambiguous_cluster, registry_mismatch',
          404: 'unknown_target (also for a cluster no target is configured with), with configured_targets',
          503: 'registry_unavailable',
        },
      },
    },
  },
  targetsList: {
    route: 'targets',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Summaries of every target',
        responses: { 200: { description: 'Summaries', schema: TargetSummaryList } },
      },
    },
  },
  targetSummary: {
    route: 'targets/{target}/openapi',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Summary of one target',
        params: TargetParams,
        responses: {
          200: { description: 'Summary', schema: TargetSummary },
          400: 'invalid_target',
          404: 'unknown_target',
        },
      },
    },
  },
  targetActivity: {
    route: 'targets/{target}/openapi/activity',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Cheap change feed (state tables only), safe to poll every second',
        params: TargetParams,
        responses: {
          200: { description: 'Activity', schema: TargetActivity },
          400: 'invalid_target',
          404: 'unknown_target',
        },
      },
    },
  },
  activity: {
    route: 'activity',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Cheap change feed of every target',
        responses: { 200: { description: 'Activity of every target', schema: ActivityList } },
      },
    },
  },
  targetDeployments: {
    route: 'targets/{target}/openapi/deployments',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Deploy history, newest first (bounded per target)',
        params: TargetParams,
        query: HistoryQuery,
        responses: {
          200: { description: 'Records', schema: DeploymentList },
          400: 'invalid_target, invalid_limit',
          404: 'unknown_target',
        },
      },
      POST: { ...startDeploy, params: TargetParams },
    },
  },
  targetDeployment: {
    route: 'targets/{target}/openapi/deployments/{id}',
    operations: { GET: { ...deployStatus, params: TargetDeployParams } },
  },
  targetDeploymentCancel: {
    route: 'targets/{target}/openapi/deployments/{id}/cancel',
    operations: { POST: { ...cancelDeploy, params: TargetDeployParams } },
  },
  targetSpec: {
    route: 'targets/{target}/openapi/spec',
    operations: {
      GET: {
        role: 'reader',
        summary: "The live service's openapi.json, proxied",
        params: TargetParams,
        responses: {
          200: { description: 'OpenAPI document of elb-openapi' },
          400: 'invalid_target',
          404: 'service_not_ready, unknown_target',
          502: 'service_unreachable, cluster_unavailable',
        },
      },
    },
  },
  targetTokenReveal: {
    route: 'targets/{target}/openapi/token/reveal',
    operations: {
      POST: {
        role: 'deployer',
        summary: "Reveal the service's API token (POST only, no-store; each reveal is audited first)",
        params: TargetParams,
        responses: {
          200: { description: 'The token', schema: TokenReveal },
          400: 'invalid_target, invalid_json, invalid_body, unknown_field (the body must be empty or {})',
          404: 'token_not_found, unknown_target',
          502: 'cluster_unavailable, cluster_forbidden',
          503: 'storage_unavailable (nothing revealed without its audit record)',
        },
      },
    },
  },
  targetRebuild: {
    route: 'targets/{target}/openapi/rebuild',
    operations: { POST: { ...startRebuild, params: TargetParams } },
  },
  targetClusterStart: {
    route: 'targets/{target}/cluster/start',
    operations: {
      POST: {
        role: 'deployer',
        summary:
          "Start cluster: start the target's stopped AKS cluster, then deploy its desired image (docs/deploy.md#start-cluster)",
        params: TargetParams,
        body: ClusterStartBody,
        responses: {
          202: { description: 'Queued; follow it like a deploy', schema: DeployAccepted },
          400: 'invalid_target, invalid_json, invalid_body, unknown_field',
          404: 'unknown_target',
          409: 'deploy_in_progress (with active_instance_id), cluster_not_stopped (with power_state, provisioning_state), cluster_not_azure, cluster_busy',
          413: 'body_too_large (16 KiB)',
          502: 'cluster_forbidden, cluster_not_found, cluster_unavailable (Azure Resource Manager)',
          503: 'exec_unavailable (nothing recorded), cluster_unavailable, storage_unavailable',
        },
      },
    },
  },
  targetTokenRotate: {
    route: 'targets/{target}/openapi/token/rotate',
    operations: {
      POST: {
        role: 'deployer',
        summary:
          'Rotate the API token: a new token, a rolling restart, then a check that the new token works and the old one does not (docs/security.md#rotation)',
        params: TargetParams,
        body: TokenRotateBody,
        responses: {
          202: { description: 'Queued; follow it like a deploy', schema: DeployAccepted },
          400: 'invalid_target, invalid_json, unknown_field',
          404: 'unknown_target',
          409: 'deploy_in_progress (a deploy or another rotation holds the target), not_deployed, token_not_found',
          413: 'body_too_large (16 KiB)',
          502: 'cluster_unavailable, cluster_forbidden',
          503: 'exec_unavailable or cluster_unavailable (preflight: nothing recorded); storage_unavailable',
        },
      },
    },
  },
  targetTokenAudit: {
    route: 'targets/{target}/openapi/token/audit',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Who revealed or rotated the API token, and when, newest first (never the token)',
        params: TargetParams,
        responses: {
          200: { description: 'Audit records', schema: TokenAuditList },
          400: 'invalid_target',
          404: 'unknown_target',
          503: 'storage_unavailable',
        },
      },
    },
  },
  targetProxy: {
    route: 'targets/{target}/openapi/proxy',
    operations: {
      POST: {
        // reader for GET/HEAD; the handler asks for deployer when the proxied method may change the service.
        role: 'reader',
        summary: "Try it: one request to the live service, sent with the service's API token (docs/api.md#try-it)",
        params: TargetParams,
        body: ProxyRequestBody,
        responses: {
          200: { description: "The service's answer (any status), headers without secrets", schema: ProxyAnswer },
          400: 'invalid_json, invalid_body, unknown_field, invalid_method, invalid_path, invalid_query, invalid_headers, header_not_allowed, body_not_allowed, invalid_target',
          403: 'forbidden: deployer is needed for methods other than GET and HEAD',
          404: 'path_not_in_spec, service_not_ready, unknown_target',
          405: 'method_not_in_spec',
          413: 'body_too_large (64 KiB)',
          502: 'response_too_large (1 MiB), service_unreachable, cluster_unavailable',
          504: 'upstream_timeout (10 s)',
        },
      },
    },
  },
  waves: {
    route: 'waves',
    operations: {
      GET: {
        role: 'reader',
        summary:
          'The running and the most recent waves (ELB_WAVES), each with its groups and targets (docs/policies.md#waves)',
        responses: {
          200: { description: 'Running waves first, then the newest (at most 10)', schema: WavesAnswer },
          503: 'durable_unavailable',
        },
      },
    },
  },
  waveCancel: {
    route: 'waves/{id}/cancel',
    operations: {
      POST: {
        role: 'deployer',
        summary: 'Cancel a wave: it stops before its next group; updates already running finish',
        params: WaveParams,
        responses: {
          202: { description: 'Requested', schema: WaveCancelAnswer },
          400: 'invalid_wave_id',
          404: 'unknown_wave',
          409: 'wave_not_running',
          503: 'durable_unavailable',
        },
      },
    },
  },
  targetUpdateApprove: { route: 'targets/{target}/update/approve', operations: { POST: decideUpdate('Approve') } },
  targetUpdateReject: { route: 'targets/{target}/update/reject', operations: { POST: decideUpdate('Reject') } },
  targetPolicy: {
    route: 'targets/{target}/policy',
    operations: {
      GET: {
        role: 'reader',
        summary: 'The update policy in force on the target, and whether it comes from configuration or the API',
        params: TargetParams,
        responses: { 200: policyAnswer, 400: 'invalid_target', 404: 'unknown_target', 503: 'storage_unavailable' },
      },
      PUT: {
        role: 'deployer',
        summary: "Set the target's update policy (a whole policy; recorded with who, when, before and after)",
        params: TargetParams,
        body: UpdatePolicy,
        responses: {
          200: policyAnswer,
          400: 'invalid_target, invalid_json, invalid_body, unknown_field, invalid_mode, invalid_track, invalid_approvalTimeoutHours, invalid_window, invalid_drift',
          404: 'unknown_target',
          413: 'body_too_large (16 KiB)',
          503: 'storage_unavailable (nothing changed without its record)',
        },
      },
      DELETE: {
        role: 'deployer',
        summary: 'Return the target to its configured update policy (recorded like a change)',
        params: TargetParams,
        responses: { 200: policyAnswer, 400: 'invalid_target', 404: 'unknown_target', 503: 'storage_unavailable' },
      },
    },
  },
  reconcileNow: {
    route: 'reconcile',
    operations: {
      POST: {
        role: 'deployer',
        summary:
          'Run the reconcile pass now (what the timer runs): per target, a missed newer image offered, drift reported or corrected (docs/policies.md "Reconcile and drift")',
        body: ReconcileRequestBody,
        responses: {
          200: { description: 'What the pass found, per target', schema: ReconcileAnswer },
          400: 'invalid_json, invalid_body, unknown_field, invalid_target',
          404: 'unknown_target, with configured_targets',
          413: 'body_too_large (16 KiB)',
        },
      },
    },
  },
  healthz: {
    route: 'healthz',
    operations: {
      GET: {
        role: 'reader',
        summary: 'Storage, exec server and registry checks',
        responses: {
          200: { description: 'All checks pass', schema: Health },
          503: { description: 'Degraded', schema: Health },
        },
      },
    },
  },
  openApiDocument: {
    route: 'openapi.json',
    operations: {
      GET: { role: 'reader', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
    },
  },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;
