// Errors in Azure Resource Manager's shape: `{"error":{"code","message"}}` with ARM's status codes.
import type { ServerResponse } from 'node:http';

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendArm(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) return void res.destroy();
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': crypto.randomUUID(),
    ...headers,
  });
  res.end(text);
}

export function sendArmError(res: ServerResponse, err: ArmError): void {
  sendArm(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

export const notFound = (what: string): ArmError =>
  new ArmError(404, 'ResourceNotFound', `The resource '${what}' was not found.`);
