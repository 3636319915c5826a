#!/usr/bin/env node
// elb-sim: serve the simulated cluster + registry, or talk to a running one (push an image, manage faults).
import { parseArgs, USAGE, UsageError, type Command } from './args';
import { describeRecord, type SinkRecord } from './hooks/sink';
import { startSim } from './sim';

async function main(argv: string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`elb-sim: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  switch (cmd.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'serve':
      return serve(cmd);
    case 'push':
      return request('POST', `${cmd.registryUrl}/_sim/push`, {
        repository: cmd.repository,
        tag: cmd.tag,
        ...(cmd.broken ? { broken: cmd.broken } : {}),
        ...(cmd.noEvent ? { deliver_event: false } : {}),
      });
    case 'fault-add':
      return request('POST', `${cmd.k8sUrl}/_sim/faults`, cmd.body);
    case 'fault-list':
      return request('GET', `${cmd.k8sUrl}/_sim/faults`);
    case 'fault-clear':
      return request('DELETE', `${cmd.k8sUrl}/_sim/faults${cmd.id ? `/${encodeURIComponent(cmd.id)}` : ''}`);
    case 'notifications':
      if (cmd.action === 'clear') return request('DELETE', `${cmd.hooksUrl}/_sim/notifications`);
      if (cmd.action === 'fail') return request('POST', `${cmd.hooksUrl}/_sim/notifications/failures`, cmd.failure);
      return listNotifications(cmd.hooksUrl, cmd.json);
    case 'cluster':
      return cmd.action === 'status'
        ? request('GET', `${cmd.k8sUrl}/_sim/cluster`)
        : request('POST', `${cmd.k8sUrl}/_sim/cluster/${cmd.action}`);
  }
}

async function serve(cmd: Extract<Command, { kind: 'serve' }>): Promise<number> {
  const log = (line: string): void => void process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const sim = await startSim({
    ...cmd.options,
    log: cmd.logRequests
      ? log
      : (line) => (line.startsWith('k8s ') || line.startsWith('registry GET') ? undefined : log(line)),
  });
  process.stdout.write(`READY sim-k8s ${sim.k8sUrl}\n`);
  process.stdout.write(`READY sim-registry ${sim.registryUrl}\n`);
  process.stdout.write(`READY sim-arm ${sim.arm.url}\n`);
  process.stdout.write(`READY sim-aks ${sim.arm.aksApiUrl}\n`);
  process.stdout.write(`READY sim-hooks ${sim.hooksUrl}\n`);
  log(`kubeconfig ${sim.kubeconfigPath}`);
  log(`aks kubeconfig ${sim.arm.aksKubeconfigPath}`);
  // Paths only: the identity header is a secret and stays in its file.
  log(`NODE_EXTRA_CA_CERTS=${sim.arm.caPath}`);
  log(`IDENTITY_ENDPOINT=${sim.arm.identityEndpoint} (IDENTITY_HEADER is in ${sim.arm.identityHeaderPath})`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  return 0;
}

/** What the webhook sink received, one readable line per request (or the raw JSON), oldest first. */
async function listNotifications(hooksUrl: string, json: boolean): Promise<number> {
  const url = `${hooksUrl}/_sim/notifications`;
  if (json) return request('GET', url);
  let list: SinkRecord[];
  try {
    const res = await fetch(url);
    if (!res.ok) {
      process.stderr.write(`${await res.text()}\n`);
      return 1;
    }
    list = ((await res.json()) as { notifications: SinkRecord[] }).notifications;
  } catch (err) {
    process.stderr.write(
      `elb-sim: cannot reach ${new URL(url).origin}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return 1;
  }
  if (list.length === 0) process.stdout.write('no notifications received yet\n');
  for (const r of list) process.stdout.write(`${describeRecord(r)}\n`);
  return 0;
}

async function request(method: string, url: string, body?: unknown): Promise<number> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    (res.ok ? process.stdout : process.stderr).write(`${text}\n`);
    return res.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(
      `elb-sim: cannot reach ${new URL(url).origin}: ${err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err)}\n`,
    );
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`elb-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
