// A child process that drives the REAL Azure SDKs against the sim's ARM endpoint for sim/test/arm.test.ts.
// It exists because NODE_EXTRA_CA_CERTS (how the app trusts the sim's CA) is read only when a process starts.
// The credential is the app's: DefaultAzureCredential, which finds the sim's managed-identity endpoint through
// IDENTITY_ENDPOINT + IDENTITY_HEADER. One JSON request per stdin line; one JSON answer per stdout line.
import { createInterface } from 'node:readline';
import { DefaultAzureCredential } from '@azure/identity';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { kubeReaderFor } from '../../adapters/cluster-reader';
import { parseTarget } from '../../core/targets';

const endpoint = process.env.SIM_ARM_URL!;
const subscription = process.env.SIM_SUBSCRIPTION!;
const rg = process.env.SIM_RESOURCE_GROUP!;
const registryName = process.env.SIM_REGISTRY!;
const clusterName = process.env.SIM_CLUSTER!;
const poll = { updateIntervalInMs: 100 };

const credential = new DefaultAzureCredential();
const acr = new ContainerRegistryManagementClient(credential, subscription, { endpoint });
const aks = new ContainerServiceClient(credential, subscription, { endpoint });

type Request = { id: number; op: string; args?: Record<string, unknown> };

async function run(op: string, a: Record<string, unknown>): Promise<unknown> {
  switch (op) {
    case 'registries.get':
      return acr.registries.get(rg, registryName);
    case 'scheduleRun':
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test sends bad requests on purpose
      return acr.registries.beginScheduleRunAndWait(rg, registryName, a.request as any, poll);
    case 'runs.get':
      return acr.runs.get(rg, registryName, a.runId as string);
    case 'runs.list': {
      const out = [];
      for await (const r of acr.runs.list(rg, registryName, {
        ...(a.filter ? { filter: a.filter as string } : {}),
        ...(a.top ? { top: a.top as number } : {}),
      }))
        out.push(r);
      return out;
    }
    case 'runs.cancel':
      await acr.runs.beginCancelAndWait(rg, registryName, a.runId as string, poll);
      return { canceled: true };
    case 'mc.get':
      return aks.managedClusters.get(rg, clusterName);
    case 'mc.stop':
      await aks.managedClusters.stop(rg, clusterName, poll);
      return { stopped: true };
    case 'mc.start':
      await aks.managedClusters.start(rg, clusterName, poll);
      return { started: true };
    case 'mc.credentials': {
      const r = await aks.managedClusters.listClusterUserCredentials(rg, clusterName);
      return {
        kubeconfigs: (r.kubeconfigs ?? []).map((k) => Buffer.from(k.value ?? new Uint8Array()).toString('utf8')),
      };
    }
    case 'app.pods': {
      // The app's own AKS path, unchanged (adapters/cluster-reader.ts → adapters/kube.ts): listClusterUserCredential
      // on ELB_ARM_ENDPOINT, then the Kubernetes API with an Entra token for the AKS server application.
      const target = parseTarget(
        {
          name: 'aks-sim',
          kind: 'aks',
          subscriptionId: subscription,
          resourceGroup: rg,
          clusterName,
          namespace: 'default',
        },
        0,
      );
      const reader = await kubeReaderFor(target);
      return { pods: (await reader.pods()).length };
    }
    case 'token': {
      const t = await credential.getToken(a.scope as string);
      return { token: t.token, expiresOnTimestamp: t.expiresOnTimestamp };
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const req = JSON.parse(line) as Request;
  run(req.op, req.args ?? {}).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: req.id, ok: true, result })}\n`),
    (err: unknown) => {
      const e = err as { statusCode?: number; code?: string; message?: string; details?: unknown };
      process.stdout.write(
        `${JSON.stringify({ id: req.id, ok: false, error: { status: e.statusCode, code: e.code, message: e.message } })}\n`,
      );
    },
  );
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
