// The endpoint rows' logic on the stand-in service's own document (sim/standin/spec.ts): what a row shows when
// opened, the request Try it sends, the curl command (the token only as $ELB_API_TOKEN), the contract card.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../sim/standin/spec';
import {
  buildTryRequest,
  curlCommand,
  exampleValue,
  inlineSchema,
  operationDetail,
  responseContract,
} from '../src/core/try-it';

const DOC = openApiDocument('3.4.0', 'elb-openapi:3.4');

describe('operationDetail', () => {
  it('lists path parameters, the request body schema with references inlined, and responses', () => {
    const get = operationDetail(DOC, 'GET', '/v1/jobs/{job_id}');
    expect(get.parameters).toEqual([{ name: 'job_id', in: 'path', required: true, type: 'string', description: null }]);
    expect(get.requestBody).toBeNull();
    expect(get.responses.map((r) => r.status)).toEqual(['200', '404']);
    const post = operationDetail(DOC, 'POST', '/v1/jobs');
    expect(post.requestBody).toMatchObject({
      required: true,
      contentType: 'application/json',
      schema: { type: 'object', required: ['program', 'database', 'queries'] },
    });
    expect(post.responses[0]).toMatchObject({ status: '202', schema: { properties: { job_id: { type: 'string' } } } });
  });
  it('is empty for an operation the document does not have, and ends on a recursive schema', () => {
    expect(operationDetail(DOC, 'PUT', '/v1/jobs')).toEqual({ parameters: [], requestBody: null, responses: [] });
    expect(operationDetail(null, 'GET', '/x').responses).toEqual([]);
    const loop = {
      components: { schemas: { N: { type: 'object', properties: { next: { $ref: '#/components/schemas/N' } } } } },
    };
    expect(JSON.stringify(inlineSchema(loop, { $ref: '#/components/schemas/N' }))).toContain('$ref');
  });
  it('lets an operation parameter override the path-level one of the same name', () => {
    const doc = {
      paths: {
        '/a/{id}': {
          parameters: [{ name: 'id', in: 'path', schema: { type: 'string' } }],
          get: {
            parameters: [
              { name: 'id', in: 'path', schema: { type: 'integer' }, description: 'n' },
              { name: 'q', in: 'query', schema: { enum: ['x', 'y'] } },
            ],
          },
        },
      },
    };
    expect(operationDetail(doc, 'GET', '/a/{id}').parameters).toEqual([
      { name: 'id', in: 'path', required: true, type: 'integer', description: 'n' },
      { name: 'q', in: 'query', required: false, type: 'x | y', description: null },
    ]);
  });
});

describe('exampleValue', () => {
  it('fills the required properties with examples, enums or zeros', () => {
    const schema = operationDetail(DOC, 'POST', '/v1/jobs').requestBody!.schema;
    expect(exampleValue(schema)).toEqual({ program: '', database: '', queries: '' });
    expect(
      exampleValue({ type: 'object', properties: { n: { type: 'integer' }, e: { enum: ['a'] }, x: { example: 3 } } }),
    ).toEqual({ n: 0, e: 'a', x: 3 });
  });
});

describe('buildTryRequest and curlCommand', () => {
  const params = operationDetail(DOC, 'GET', '/v1/jobs/{job_id}').parameters;
  it('fills path parameters encoded, and refuses a missing required one or a body that is not JSON', () => {
    expect(buildTryRequest('GET', '/v1/jobs/{job_id}', params, { 'path:job_id': 'a/b c' }, null)).toEqual({
      request: { method: 'GET', path: '/v1/jobs/a%2Fb%20c' },
    });
    expect(buildTryRequest('GET', '/v1/jobs/{job_id}', params, {}, null)).toEqual({ error: 'job_id is required.' });
    expect(buildTryRequest('POST', '/v1/jobs', [], {}, '{oops')).toEqual({
      error: 'The request body is not valid JSON.',
    });
  });
  it('writes curl with the token as $ELB_API_TOKEN, the body single-quoted, the address or $ELB_API_URL', () => {
    const post = { method: 'POST', path: '/v1/jobs', query: { dry: "it's" }, body: { q: "o'brien" } };
    expect(curlCommand('http://10.0.0.5:8080', post)).toBe(
      `curl -X POST 'http://10.0.0.5:8080/v1/jobs?dry=it%27s' -H "X-ELB-API-Token: $ELB_API_TOKEN" -H 'content-type: application/json' --data '{"q":"o'\\''brien"}'`,
    );
    expect(curlCommand(null, { method: 'GET', path: '/v1/jobs' })).toBe(
      `curl "$ELB_API_URL/v1/jobs" -H "X-ELB-API-Token: $ELB_API_TOKEN"`,
    );
    expect(curlCommand(null, { method: 'GET', path: '/v1/jobs/$(id)`x`' })).toBe(
      'curl "$ELB_API_URL/v1/jobs/\\$(id)\\`x\\`" -H "X-ELB-API-Token: $ELB_API_TOKEN"',
    );
  });
});

describe('responseContract', () => {
  it('says what the document declares about auth and errors, and that it does not when it does not', () => {
    expect(responseContract(DOC)).toEqual({
      auth: [],
      authScope: 'undeclared',
      errors: [{ status: '404', descriptions: ['Unknown job'], operations: 1 }],
      errorSchemas: [],
      contentTypes: ['application/json'],
    });
    const secured = {
      security: [{ token: [] }],
      components: {
        securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-ELB-API-Token' } },
        schemas: { Problem: { type: 'object' } },
      },
      paths: {
        '/v1/a': {
          get: {
            responses: {
              '401': {
                description: 'Missing or wrong token',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Problem' } } },
              },
            },
          },
        },
      },
    };
    expect(responseContract(secured)).toMatchObject({
      auth: ['X-ELB-API-Token (header)'],
      authScope: 'all',
      errors: [{ status: '401', descriptions: ['Missing or wrong token'], operations: 1 }],
      errorSchemas: ['Problem'],
    });
  });
});
