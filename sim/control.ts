// The sim's control API on the Kubernetes port: faults (list/add/remove/clear), the AKS cluster's power
// (stop/start, waiting until done) and a state summary.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, methodNotAllowed, readBody } from '../devhost/http-guard';
import { FaultInputError, type FaultRegistry } from './faults';
import { ArmError } from './arm/errors';
import type { ManagedCluster } from './arm/cluster';

export interface ControlDeps {
  faults: FaultRegistry;
  cluster?: ManagedCluster | undefined;
  summary: () => Record<string, unknown>;
}

export async function handleControl(
  deps: ControlDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';
  try {
    if (path === '/_sim/faults') {
      if (method === 'GET') return send(res, 200, { faults: deps.faults.list() });
      if (method === 'POST') return send(res, 201, deps.faults.add(await readJson(req)));
      if (method === 'DELETE') return send(res, 200, { removed: deps.faults.clear() });
      throw methodNotAllowed(['GET', 'POST', 'DELETE']);
    }
    const m = path.match(/^\/_sim\/faults\/([A-Za-z0-9-]{1,64})$/);
    if (m) {
      if (method !== 'DELETE') throw methodNotAllowed(['DELETE']);
      if (!deps.faults.remove(m[1]!))
        return send(res, 404, { code: 'fault_not_found', message: `no fault with id ${m[1]}` });
      return send(res, 200, { removed: 1 });
    }
    if (path === '/_sim/state' && method === 'GET') return send(res, 200, deps.summary());
    const power = path.match(/^\/_sim\/cluster\/(stop|start)$/);
    if (power && deps.cluster) {
      if (method !== 'POST') throw methodNotAllowed(['POST']);
      await deps.cluster.changeAndWait(power[1] as 'stop' | 'start');
      return send(res, 200, { power_state: deps.cluster.power, provisioning_state: deps.cluster.provisioning });
    }
    if (path === '/_sim/cluster' && deps.cluster) {
      if (method !== 'GET') throw methodNotAllowed(['GET']);
      return send(res, 200, { power_state: deps.cluster.power, provisioning_state: deps.cluster.provisioning });
    }
    return send(res, 404, { code: 'not_found', message: 'unknown control route' });
  } catch (err) {
    if (err instanceof FaultInputError) return send(res, 400, { code: err.code, message: err.message });
    if (err instanceof BodyError) return send(res, 400, { code: err.code, message: err.message });
    if (err instanceof ArmError) return send(res, err.status, { code: err.code, message: err.message });
    if (err instanceof HttpError) throw err;
    return send(res, 500, { code: 'internal_error', message: 'the sim failed to handle the request' });
  }
}

class BodyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // The guard's reader: over 64 KiB is an HttpError 413 body_too_large, answered by the guard.
  const body = await readBody(req, 64 * 1024);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new BodyError('invalid_json', 'the body must be JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
