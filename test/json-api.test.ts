// The e2e tests' JSON helper (test/support/json-api.ts) really holds the server to the contract: an answer the
// contract does not allow fails the test with the route, the status and the field, and `raw` stays unchecked. A
// small real HTTP server on a free port plays the app.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as contract from '../core/contract';
import { jsonApi } from './support/json-api';

const accepted = {
  id: 'local-20260101t000000-00000000',
  instance_id: 'local-20260101t000000-00000000',
  target: 'local',
  reason: 'install',
  status: 'queued',
  statusQueryGetUri: '/api/aks/openapi/deploy/local-20260101t000000-00000000/status',
};
const ANSWERS: Record<string, [number, unknown]> = {
  '/good': [202, accepted],
  '/wrong-type': [202, { ...accepted, status: 'running' }],
  '/missing': [202, { ...accepted, instance_id: undefined }],
  '/refused': [409, { code: 'deploy_in_progress', message: 'busy', active_instance_id: 'x' }],
};

let server: Server;
let url = '';
const api = jsonApi(() => url);

beforeAll(async () => {
  server = createServer((req, res) => {
    const [status, body] = ANSWERS[req.url ?? ''] ?? [404, { code: 'not_found', message: 'no' }];
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('jsonApi', () => {
  it('returns an answer the contract allows, parsed', async () => {
    expect(await api.request('/good', contract.DeployAccepted)).toEqual({ status: 202, body: accepted });
    expect(await api.ok('/good', contract.DeployAccepted)).toEqual(accepted);
  });

  it('fails on a field of the wrong value, naming the route, the status and the field', async () => {
    await expect(api.post('/wrong-type', contract.DeployAccepted)).rejects.toThrow(
      /^POST \/wrong-type: the HTTP 202 answer does not match the contract: body\.status: must be one of: queued/,
    );
  });

  it('fails on a missing field', async () => {
    await expect(api.ok('/missing', contract.DeployAccepted)).rejects.toThrow(/body\.instance_id: is missing/);
  });

  it('parses a refusal with the error schema, keeping its extra fields', async () => {
    const r = await api.request('/refused', contract.ErrorBody);
    expect(r).toMatchObject({ status: 409, body: { code: 'deploy_in_progress', active_instance_id: 'x' } });
    await expect(api.ok('/refused', contract.ErrorBody)).rejects.toThrow(/HTTP 409/);
  });

  it('leaves `raw` unchecked', async () => {
    expect(await api.raw('/wrong-type')).toMatchObject({ status: 202, body: { status: 'running' } });
  });
});
