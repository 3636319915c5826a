// What an endpoint row of /docs shows and sends, from the live openapi.json (docs/dashboard.md "Try it"): an
// operation's parameters, request body schema and responses, a starting body, the request Try it sends through the
// proxy, the curl command Copy curl writes (the token as $ELB_API_TOKEN, never its value), and the service's error
// and auth conventions for the response-contract card.

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Follows a local `#/…` reference once; anything else (remote, missing) is left as it is. */
export function resolveRef(doc: unknown, value: unknown): unknown {
  if (!isObject(value) || typeof value['$ref'] !== 'string' || !value['$ref'].startsWith('#/')) return value;
  let node: unknown = doc;
  for (const key of value['$ref'].slice(2).split('/')) {
    if (!isObject(node)) return value;
    node = node[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node ?? value;
}

/** A schema with its local references inlined (to `depth`, so a recursive schema still ends). */
export function inlineSchema(doc: unknown, schema: unknown, depth = 6): unknown {
  if (depth === 0) return isObject(schema) && typeof schema['$ref'] === 'string' ? { $ref: schema['$ref'] } : '…';
  const resolved = resolveRef(doc, schema);
  if (Array.isArray(resolved)) return resolved.map((s) => inlineSchema(doc, s, depth - 1));
  if (!isObject(resolved)) return resolved;
  return Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, inlineSchema(doc, v, depth - 1)]));
}

export interface ParameterView {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  type: string;
  description: string | null;
}

export interface ResponseView {
  status: string;
  description: string;
  schema: unknown;
}

export interface OperationDetail {
  parameters: ParameterView[];
  requestBody: { required: boolean; contentType: string; schema: unknown } | null;
  responses: ResponseView[];
}

function typeOf(schema: unknown): string {
  if (!isObject(schema)) return 'any';
  if (Array.isArray(schema['enum'])) return schema['enum'].map(String).join(' | ');
  const t = schema['type'];
  if (Array.isArray(t)) return t.map(String).join(' | ');
  if (t === 'array') return `${typeOf(schema['items'])}[]`;
  return typeof t === 'string' ? (str(schema['format']) ? `${t} (${str(schema['format'])})` : t) : 'any';
}

const PARAMETER_PLACES = ['path', 'query', 'header', 'cookie'] as const;

/** The operation `method path` of the document, as a row shows it when opened. */
export function operationDetail(doc: unknown, method: string, path: string): OperationDetail {
  const empty: OperationDetail = { parameters: [], requestBody: null, responses: [] };
  const paths = isObject(doc) && isObject(doc['paths']) ? doc['paths'] : null;
  const item = paths && isObject(paths[path]) ? paths[path] : null;
  const op = item ? resolveRef(doc, item[method.toLowerCase()]) : null;
  if (!item || !isObject(op)) return empty;
  // Path-level parameters apply unless the operation redefines the same name and place.
  const raw = [
    ...(Array.isArray(item['parameters']) ? item['parameters'] : []),
    ...(Array.isArray(op['parameters']) ? op['parameters'] : []),
  ];
  const byKey = new Map<string, ParameterView>();
  for (const p of raw.map((r) => resolveRef(doc, r))) {
    if (!isObject(p) || typeof p['name'] !== 'string') continue;
    const place = PARAMETER_PLACES.find((x) => x === p['in']);
    if (!place) continue;
    const schema = resolveRef(doc, p['schema']);
    byKey.set(`${place}:${p['name']}`, {
      name: p['name'],
      in: place,
      required: place === 'path' || p['required'] === true,
      type: typeOf(schema),
      description: str(p['description']),
    });
  }
  let requestBody: OperationDetail['requestBody'] = null;
  const body = resolveRef(doc, op['requestBody']);
  if (isObject(body) && isObject(body['content'])) {
    const types = Object.keys(body['content']);
    const contentType = types.find((t) => /json/i.test(t)) ?? types[0];
    if (contentType) {
      const media = body['content'][contentType];
      requestBody = {
        required: body['required'] === true,
        contentType,
        schema: isObject(media) ? inlineSchema(doc, media['schema']) : undefined,
      };
    }
  }
  const responses: ResponseView[] = [];
  if (isObject(op['responses'])) {
    for (const [status, r] of Object.entries(op['responses'])) {
      const answer = resolveRef(doc, r);
      if (!isObject(answer)) continue;
      const content = isObject(answer['content']) ? answer['content'] : {};
      const json = Object.entries(content).find(([t]) => /json/i.test(t))?.[1];
      responses.push({
        status,
        description: str(answer['description']) ?? '',
        schema: isObject(json) && json['schema'] !== undefined ? inlineSchema(doc, json['schema']) : null,
      });
    }
  }
  return { parameters: [...byKey.values()], requestBody, responses };
}

/** A body to start from: required properties (all when none are marked), each with its example, enum or type's zero. */
export function exampleValue(schema: unknown, depth = 5): unknown {
  if (!isObject(schema) || depth === 0) return null;
  if (schema['example'] !== undefined) return schema['example'];
  if (schema['default'] !== undefined) return schema['default'];
  if (Array.isArray(schema['enum']) && schema['enum'].length > 0) return schema['enum'][0];
  switch (Array.isArray(schema['type']) ? schema['type'][0] : schema['type']) {
    case 'object': {
      const props = isObject(schema['properties']) ? schema['properties'] : {};
      const required = Array.isArray(schema['required']) ? schema['required'].filter((r) => typeof r === 'string') : [];
      const keys = required.length > 0 ? required : Object.keys(props);
      return Object.fromEntries(keys.map((k) => [k, exampleValue(props[k], depth - 1)]));
    }
    case 'array':
      return [];
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    default:
      return isObject(schema['properties']) ? exampleValue({ ...schema, type: 'object' }, depth) : null;
  }
}

/** What Try it sends to the proxy, built from the row's form; an error names what is missing or not JSON. */
export interface TryRequest {
  method: string;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export function buildTryRequest(
  method: string,
  template: string,
  parameters: readonly ParameterView[],
  values: Readonly<Record<string, string>>,
  bodyText: string | null,
): { request: TryRequest } | { error: string } {
  let path = template;
  const query: Record<string, string> = {};
  for (const p of parameters) {
    const value = values[`${p.in}:${p.name}`] ?? '';
    if (value === '') {
      if (p.required && (p.in === 'path' || p.in === 'query')) return { error: `${p.name} is required.` };
      continue;
    }
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(value));
    else if (p.in === 'query') query[p.name] = value;
  }
  const request: TryRequest = { method, path };
  if (Object.keys(query).length > 0) request.query = query;
  if (bodyText !== null && bodyText.trim() !== '') {
    try {
      request.body = JSON.parse(bodyText);
    } catch {
      return { error: 'The request body is not valid JSON.' };
    }
  }
  return { request };
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The same request as a curl command against the service itself. The token is the shell variable
 * `$ELB_API_TOKEN` (double-quoted so the shell expands it); the page never has its value.
 */
export function curlCommand(baseUrl: string | null, request: TryRequest): string {
  const search = new URLSearchParams(request.query ?? {}).toString();
  const rest = `${request.path}${search ? `?${search}` : ''}`;
  const parts = [
    'curl',
    ...(request.method === 'GET' ? [] : ['-X', request.method]),
    // Without an address the URL is double-quoted so $ELB_API_URL expands; the path's own $ " \ ` are escaped.
    baseUrl ? shellQuote(`${baseUrl}${rest}`) : `"$ELB_API_URL${rest.replace(/(["\\`$])/g, '\\$1')}"`,
    '-H',
    '"X-ELB-API-Token: $ELB_API_TOKEN"',
  ];
  if (request.body !== undefined)
    parts.push('-H', shellQuote('content-type: application/json'), '--data', shellQuote(JSON.stringify(request.body)));
  return parts.join(' ');
}

export interface ResponseContract {
  /** Header or scheme names of API-key and HTTP auth the spec declares, e.g. `X-ELB-API-Token (header)`. */
  auth: string[];
  /** Whether every operation needs it (a global `security`), some do, or the spec does not say. */
  authScope: 'all' | 'some' | 'undeclared';
  /** Error statuses the operations declare, each with the descriptions used for it. */
  errors: { status: string; descriptions: string[]; operations: number }[];
  /** Names of the schemas the error answers use (e.g. HTTPValidationError). */
  errorSchemas: string[];
  contentTypes: string[];
}

/** The service's error and auth conventions, as its own document declares them. */
export function responseContract(doc: unknown): ResponseContract {
  const d = isObject(doc) ? doc : {};
  const components = isObject(d['components']) ? d['components'] : {};
  const schemes = isObject(components['securitySchemes']) ? components['securitySchemes'] : {};
  const auth = Object.entries(schemes).map(([name, s]) => {
    const scheme = isObject(s) ? s : {};
    if (scheme['type'] === 'apiKey') return `${str(scheme['name']) ?? name} (${str(scheme['in']) ?? 'header'})`;
    if (scheme['type'] === 'http') return `${name} (HTTP ${str(scheme['scheme']) ?? ''})`.replace(' )', ')');
    return `${name} (${str(scheme['type']) ?? 'unknown'})`;
  });
  const errors = new Map<string, { descriptions: Set<string>; operations: number }>();
  const errorSchemas = new Set<string>();
  const contentTypes = new Set<string>();
  let secured = 0;
  let total = 0;
  for (const item of Object.values(isObject(d['paths']) ? d['paths'] : {})) {
    if (!isObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch', 'head', 'options'].includes(method) || !isObject(op)) continue;
      total++;
      if (Array.isArray(op['security']) && op['security'].length > 0) secured++;
      for (const [status, r] of Object.entries(isObject(op['responses']) ? op['responses'] : {})) {
        const answer = resolveRef(doc, r);
        if (!isObject(answer)) continue;
        for (const [type, media] of Object.entries(isObject(answer['content']) ? answer['content'] : {})) {
          contentTypes.add(type);
          const ref = isObject(media) && isObject(media['schema']) ? str(media['schema']['$ref']) : null;
          if (ref && /^[45]/.test(status)) errorSchemas.add(ref.split('/').pop()!);
        }
        if (!/^[45]/.test(status)) continue;
        const entry = errors.get(status) ?? { descriptions: new Set<string>(), operations: 0 };
        entry.operations++;
        const text = str(answer['description']);
        if (text) entry.descriptions.add(text);
        errors.set(status, entry);
      }
    }
  }
  const global = Array.isArray(d['security']) && d['security'].length > 0;
  return {
    auth,
    authScope: global || (total > 0 && secured === total) ? 'all' : secured > 0 ? 'some' : 'undeclared',
    errors: [...errors.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, e]) => ({ status, descriptions: [...e.descriptions], operations: e.operations })),
    errorSchemas: [...errorSchemas].sort(),
    contentTypes: [...contentTypes].sort(),
  };
}
