// This API described as OpenAPI 3.1, served at /api/openapi.json: generated from the route table
// (core/contract/routes.ts) and the contract's schemas with zod's own JSON Schema output (OpenAPI 3.1 schemas are
// JSON Schema 2020-12), so the document cannot say something the server does not do. docs/contracts.md says why
// this is not @asteasolutions/zod-to-openapi.
import * as z from 'zod/mini';
import * as contract from './contract';
import { UpdatePolicy } from './contract/policy';
import { ProxyAnswer, ProxyRequestBody } from './contract/proxy';
import { ReconcileAnswer, ReconcileFinding, ReconcileRequestBody } from './contract/reconcile';
import { WaveCancelAnswer, WavesAnswer, WaveView } from './contract/waves';
import { ROUTES, type Answer, type Method, type Operation } from './contract/routes';

/** Named schemas, referenced as `#/components/schemas/<name>`. Every answer's schema must be one of them. */
const COMPONENTS: Record<string, z.core.$ZodType> = {
  Error: contract.ErrorBody,
  DeployRequest: contract.DeployRequestBody,
  DeployAccepted: contract.DeployAccepted,
  CancelAnswer: contract.CancelAnswer,
  TimelineEntry: contract.TimelineEntry,
  DeployProgress: contract.DeployProgress,
  Diagnostics: contract.Diagnostics,
  DeployError: contract.DeployError,
  DeployOutput: contract.DeployOutput,
  DeployStatus: contract.DeployStatus,
  ServiceIp: contract.ServiceIp,
  AcrView: contract.AcrView,
  Health: contract.Health,
  DeployBrief: contract.DeployBrief,
  FailedDigest: contract.FailedDigest,
  DependencyProblem: contract.DependencyProblem,
  ClusterPower: contract.ClusterPowerView,
  TargetSummary: contract.TargetSummary,
  TargetSummaryList: contract.TargetSummaryList,
  Activity: contract.TargetActivity,
  ActivityList: contract.ActivityList,
  DeploymentRecord: contract.DeploymentListItem,
  DeploymentList: contract.DeploymentList,
  TokenReveal: contract.TokenReveal,
  TokenAuditRecord: contract.TokenAuditRecord,
  TokenAuditList: contract.TokenAuditList,
  TokenRotateRequest: contract.TokenRotateBody,
  RebuildRequest: contract.RebuildRequestBody,
  RebuildPreview: contract.RebuildPreview,
  ClusterStartRequest: contract.ClusterStartBody,
  UpdatePolicy: UpdatePolicy,
  PolicyAnswer: contract.PolicyAnswer,
  PolicyView: contract.PolicyView,
  PolicyChange: contract.PolicyChange,
  WindowView: contract.WindowView,
  PendingUpdate: contract.PendingUpdate,
  UpdateDecision: contract.UpdateDecision,
  DecisionRequest: contract.DecisionBody,
  DecisionAccepted: contract.DecisionAccepted,
  WindowOverride: contract.WindowOverride,
  WindowOverrideRequest: contract.WindowOverrideBody,
  ProxyRequest: ProxyRequestBody,
  ProxyAnswer,
  ReconcileRequest: ReconcileRequestBody,
  ReconcileFinding,
  ReconcileAnswer,
  Wave: WaveView,
  Waves: WavesAnswer,
  WaveCancelAnswer,
};

type JsonSchema = Record<string, unknown>;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });

/** The wire form (`io: input`): what the server sends and accepts, defaults not yet applied. */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => ref(id).$ref });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _s, $id: _i, ...schema }]) => [id, schema as JsonSchema]),
  );
}

function componentName(schema: z.core.$ZodType): string {
  const name = Object.keys(COMPONENTS).find((n) => COMPONENTS[n] === schema);
  if (!name) throw new Error('core/api-spec.ts: every answer and body schema must be listed in COMPONENTS');
  return name;
}

/** An object schema (route parameters or query) as OpenAPI parameters. */
function parameters(schema: z.ZodMiniObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input' }) as { properties?: JsonSchema; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function answer(a: Answer) {
  if (typeof a === 'string') return { description: a, content: jsonContent(ref('Error')) };
  return a.schema
    ? { description: a.description, content: jsonContent(ref(componentName(a.schema))) }
    : { description: a.description };
}

function operation(name: string, method: Method, op: Operation, several: boolean) {
  const responses: Record<string, unknown> = {};
  for (const [status, a] of Object.entries(op.responses)) responses[status] = answer(a);
  responses['401'] ??= answer('unauthenticated: not signed in');
  responses['403'] ??= answer('forbidden: the role is missing; auth_required, cross_site_write');
  responses['500'] ??= answer('internal_error');
  return {
    operationId: several ? `${name}${method[0]}${method.slice(1).toLowerCase()}` : name,
    summary: op.summary,
    'x-required-role': op.role,
    parameters: [...parameters(op.params, 'path'), ...parameters(op.query, 'query')],
    ...(op.body ? { requestBody: { required: false, content: jsonContent(ref(componentName(op.body))) } } : {}),
    responses,
  };
}

function buildDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(ROUTES)) {
    const entries = Object.entries(spec.operations) as [Method, Operation][];
    const item: Record<string, unknown> = {};
    for (const [method, op] of entries) item[method.toLowerCase()] = operation(name, method, op, entries.length > 1);
    paths[`/${spec.route}`] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'elb-control',
      version: '1.0.0',
      description:
        'Installs, updates and watches the ElasticBLAST elb-openapi service. Errors are `{code, message}`. ' +
        '`x-required-role` names the role a signed-in caller needs (deployer includes reader).',
    },
    servers: [{ url: '/api' }],
    paths,
    components: { schemas: componentSchemas() },
  };
}

let built: ReturnType<typeof buildDocument> | undefined;

/** The document, built on first use and then kept (the schemas do not change while the app runs). */
export function apiDocument(): ReturnType<typeof buildDocument> {
  built ??= buildDocument();
  return built;
}
