// This API described as OpenAPI 3.1, served at /api/openapi.json. Kept next to the request rules it documents.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const err = (description: string) => ({ description, content: jsonContent(ref('Error')) });
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,119}$' },
};
const targetParam = { name: 'target', in: 'path', required: true, schema: { type: 'string' } };
const targetQuery = {
  name: 'target',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'Needed when several targets are configured.',
};
const modeQuery = {
  name: 'mode',
  in: 'query',
  required: false,
  schema: { type: 'string', enum: ['cancel', 'terminate'], default: 'cancel' },
  description:
    '`cancel` is honoured after every step and at once inside waits (and restores the previous image when something was applied); `terminate` stops at once and leaves the cluster as it is.',
};
const common = { '401': err('Not signed in'), '403': err('Missing role'), '500': err('Unexpected error') };

const startDeploy = {
  summary: 'Start a deploy (single-flight per target)',
  'x-required-role': 'deployer',
  requestBody: { required: false, content: jsonContent(ref('DeployRequest')) },
  responses: {
    '202': { description: 'Queued', content: jsonContent(ref('DeployAccepted')) },
    '400': err(
      'Invalid body (codes: invalid_json, unknown_field, invalid_tag, invalid_digest, invalid_reason, target_required, …)',
    ),
    '404': err('unknown_target'),
    '409': { description: 'deploy_in_progress, with active_instance_id', content: jsonContent(ref('Error')) },
    '503': err(
      'exec_unavailable or cluster_unavailable (preflight: nothing recorded), with part and hint; storage_unavailable',
    ),
    ...common,
  },
};
const activity = {
  summary: 'Cheap change feed (state tables only), safe to poll every second',
  'x-required-role': 'reader',
};
const status = {
  summary: 'Status of a deploy',
  'x-required-role': 'reader',
  responses: {
    '200': { description: 'Status', content: jsonContent(ref('DeployStatus')) },
    '404': err('unknown_deploy'),
    ...common,
  },
};
const cancel = {
  summary: 'Cancel or terminate a running deploy',
  'x-required-role': 'deployer',
  parameters: [modeQuery],
  responses: {
    '202': {
      description: 'Requested',
      content: jsonContent({
        type: 'object',
        properties: {
          instance_id: { type: 'string' },
          cancel_requested: { type: 'boolean' },
          mode: { type: 'string' },
          terminated: { type: 'boolean' },
        },
      }),
    },
    '404': err('unknown_deploy'),
    '409': err('deploy_not_running'),
    ...common,
  },
};

export const API_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'elb-control',
    version: '1.0.0',
    description: 'Installs, updates and watches the ElasticBLAST elb-openapi service. Errors are `{code, message}`.',
  },
  servers: [{ url: '/api' }],
  paths: {
    '/aks/openapi/deploy': { post: startDeploy },
    '/aks/openapi/deploy/{id}/status': { parameters: [idParam], get: status },
    '/aks/openapi/deploy/{id}/cancel': { parameters: [idParam], post: cancel },
    '/monitor/aks/service-ip': {
      get: {
        summary: 'LoadBalancer address of the service',
        'x-required-role': 'reader',
        parameters: [
          { name: 'service_name', in: 'query', required: true, schema: { const: 'elb-openapi' } },
          targetQuery,
        ],
        responses: {
          '200': { description: 'Address (null while missing or pending)', content: jsonContent(ref('ServiceIp')) },
          '400': err('service_name_required, unknown_service, target_required'),
          '502': err('cluster_unavailable, cluster_forbidden'),
          ...common,
        },
      },
    },
    '/monitor/acr': {
      get: {
        summary: 'Pinned tag and what the registry holds',
        'x-required-role': 'reader',
        parameters: [targetQuery],
        responses: {
          '200': { description: 'Registry view', content: jsonContent(ref('AcrView')) },
          '503': err('registry_unavailable'),
          ...common,
        },
      },
    },
    '/targets': {
      get: {
        summary: 'Summaries of every target',
        'x-required-role': 'reader',
        responses: {
          '200': { description: 'Summaries', content: jsonContent({ type: 'array', items: ref('TargetSummary') }) },
          ...common,
        },
      },
    },
    '/targets/{target}/openapi': {
      parameters: [targetParam],
      get: {
        summary: 'Summary of one target',
        'x-required-role': 'reader',
        responses: {
          '200': { description: 'Summary', content: jsonContent(ref('TargetSummary')) },
          '404': err('unknown_target'),
          ...common,
        },
      },
    },
    '/targets/{target}/openapi/activity': {
      parameters: [targetParam],
      get: {
        ...activity,
        responses: {
          '200': { description: 'Activity', content: jsonContent(ref('Activity')) },
          '404': err('unknown_target'),
          ...common,
        },
      },
    },
    '/activity': {
      get: {
        ...activity,
        responses: {
          '200': {
            description: 'Activity of every target',
            content: jsonContent({
              type: 'object',
              properties: { targets: { type: 'array', items: ref('Activity') } },
            }),
          },
          ...common,
        },
      },
    },
    '/targets/{target}/openapi/deployments': {
      parameters: [targetParam],
      get: {
        summary: 'Deploy history, newest first (bounded per target)',
        'x-required-role': 'reader',
        parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } }],
        responses: {
          '200': { description: 'Records', content: jsonContent({ type: 'array', items: ref('DeploymentRecord') }) },
          '404': err('unknown_target'),
          ...common,
        },
      },
      post: startDeploy,
    },
    '/targets/{target}/openapi/deployments/{id}': { parameters: [targetParam, idParam], get: status },
    '/targets/{target}/openapi/deployments/{id}/cancel': { parameters: [targetParam, idParam], post: cancel },
    '/targets/{target}/openapi/spec': {
      parameters: [targetParam],
      get: {
        summary: "The live service's openapi.json, proxied",
        'x-required-role': 'reader',
        responses: {
          '200': { description: 'OpenAPI document of elb-openapi' },
          '404': err('service_not_ready, unknown_target'),
          '502': err('service_unreachable'),
          ...common,
        },
      },
    },
    '/healthz': {
      get: {
        summary: 'Storage, exec server and registry checks',
        'x-required-role': 'reader',
        responses: {
          '200': { description: 'All checks pass', content: jsonContent(ref('Health')) },
          '503': { description: 'Degraded', content: jsonContent(ref('Health')) },
        },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
  components: {
    schemas: {
      Error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' } },
        additionalProperties: true,
      },
      DeployRequest: {
        type: 'object',
        additionalProperties: false,
        properties: {
          target: { type: 'string', description: 'Optional when exactly one target is configured.' },
          tag: { type: 'string', description: "Tag to deploy; default: the target's desired tag (the pin)." },
          digest: { type: 'string', pattern: '^sha256:[a-f0-9]{64}$' },
          reason: { type: 'string', enum: ['install', 'update', 'rollback'] },
        },
      },
      DeployAccepted: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          instance_id: { type: 'string' },
          target: { type: 'string' },
          reason: { type: 'string' },
          status: { const: 'queued' },
          statusQueryGetUri: { type: 'string' },
        },
      },
      TimelineEntry: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          status: { enum: ['pending', 'running', 'done', 'skipped', 'failed'] },
          startedAt: { type: ['string', 'null'] },
          endedAt: { type: ['string', 'null'] },
          detail: { type: 'string' },
        },
      },
      DeployStatus: {
        type: 'object',
        properties: {
          instance_id: { type: 'string' },
          runtime_status: { type: 'string' },
          custom_status: {
            type: 'object',
            properties: {
              phase: { type: 'string' },
              target: { type: 'string' },
              image: { type: ['string', 'null'] },
              reason: { type: 'string' },
              cancel_requested: { type: 'boolean' },
              timeline: { type: 'array', items: ref('TimelineEntry') },
            },
          },
          output: { oneOf: [ref('DeployOutput'), { type: 'null' }] },
          created_time: { type: 'string' },
          last_updated_time: { type: 'string' },
          stuck: { type: 'boolean' },
          stuck_reason: { type: 'string' },
        },
      },
      DeployOutput: {
        type: 'object',
        properties: {
          status: { enum: ['succeeded', 'failed', 'rolled_back', 'cancelled'] },
          openapi_deploy: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              image: { type: ['string', 'null'] },
              digest: { type: ['string', 'null'] },
              external_ip: { type: ['string', 'null'] },
              apply_output: { type: 'string' },
            },
          },
          workload_identity: { type: ['object', 'null'] },
          previous_image: { type: ['string', 'null'] },
          error: {
            oneOf: [
              {
                type: 'object',
                properties: { code: { type: 'string' }, message: { type: 'string' }, diagnostics: { type: 'object' } },
              },
              { type: 'null' },
            ],
          },
          rollback: { type: ['object', 'null'] },
          cancel_requested: { type: 'boolean' },
          cluster_state: { type: 'string' },
          timeline: { type: 'array', items: ref('TimelineEntry') },
          elapsed_seconds: { type: 'integer' },
        },
      },
      ServiceIp: {
        type: 'object',
        properties: {
          service_name: { type: 'string' },
          external_ip: { type: ['string', 'null'] },
          available: { type: 'boolean' },
          status: { enum: ['ready', 'missing_or_pending'] },
        },
      },
      AcrView: {
        type: 'object',
        properties: {
          login_server: { type: 'string' },
          repository: { type: 'string' },
          expected_image_tags: { type: 'object' },
          actual_tags: { type: 'object' },
          digests: { type: 'object' },
        },
      },
      TargetSummary: {
        type: 'object',
        properties: {
          target: { type: 'string' },
          kind: { enum: ['aks', 'kubeconfig'] },
          namespace: { type: 'string' },
          pinned_tag: { type: 'string' },
          desired_tag: { type: 'string' },
          deployed: { type: ['object', 'null'] },
          registry: { type: 'object' },
          update_available: { type: 'boolean' },
          drift: { type: 'object' },
          service: {
            type: 'object',
            description: 'error_code: cluster_unavailable when the cluster cannot be reached',
          },
          active_deploy: { type: ['object', 'null'] },
          last_deploy: { oneOf: [ref('DeployBrief'), { type: 'null' }] },
          failed_digests: { type: 'array', maxItems: 10, items: ref('FailedDigest') },
          registry_digest_failed: { oneOf: [ref('FailedDigest'), { type: 'null' }] },
          dependencies: { type: 'array', items: ref('DependencyProblem') },
          change_token: { type: 'string' },
        },
      },
      DeployBrief: {
        type: 'object',
        properties: {
          deploy_id: { type: 'string' },
          reason: { enum: ['install', 'update', 'auto', 'rollback'] },
          requester: { type: 'string' },
          status: { enum: ['queued', 'running', 'succeeded', 'failed', 'rolled_back', 'cancelled', 'terminated'] },
          cancel_requested: { type: 'boolean' },
          started_at: { type: 'string' },
          finished_at: { type: ['string', 'null'] },
          tag: { type: ['string', 'null'] },
          digest: { type: ['string', 'null'] },
          error: { type: ['object', 'null'] },
          cluster_state: { type: ['string', 'null'] },
        },
      },
      FailedDigest: {
        type: 'object',
        properties: {
          digest: { type: 'string' },
          tag: { type: ['string', 'null'] },
          deploy_id: { type: 'string' },
          failed_at: { type: 'string' },
          outcome: { enum: ['failed', 'rolled_back'] },
          code: { type: 'string' },
          message: { type: 'string' },
        },
      },
      DependencyProblem: {
        type: 'object',
        properties: {
          part: { enum: ['exec', 'cluster', 'registry', 'storage'] },
          code: { enum: ['exec_unavailable', 'cluster_unavailable', 'registry_unavailable', 'storage_unavailable'] },
          message: { type: 'string' },
          hint: { type: ['string', 'null'] },
        },
      },
      Activity: {
        type: 'object',
        properties: {
          target: { type: 'string' },
          change_token: { type: 'string' },
          active_deploy: { type: ['object', 'null'] },
          last_deploy: { oneOf: [ref('DeployBrief'), { type: 'null' }] },
        },
      },
      DeploymentRecord: {
        type: 'object',
        properties: {
          deploy_id: { type: 'string' },
          target: { type: 'string' },
          reason: { type: 'string' },
          requester: { type: 'string' },
          status: { enum: ['queued', 'running', 'succeeded', 'failed', 'rolled_back', 'cancelled', 'terminated'] },
          requested_at: { type: 'string' },
          finished_at: { type: ['string', 'null'] },
          image: { type: ['string', 'null'] },
          previous_image: { type: ['string', 'null'] },
          elapsed_seconds: { type: ['number', 'null'] },
          phase_seconds: { type: 'object', additionalProperties: { type: 'number' } },
          timeline: { type: 'array', items: ref('TimelineEntry') },
          error: { type: ['object', 'null'] },
          rollback_status: { type: ['string', 'null'] },
        },
      },
      Health: { type: 'object', properties: { status: { enum: ['ok', 'degraded'] }, checks: { type: 'object' } } },
    },
  },
} as const;
