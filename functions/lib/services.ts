// Per-process instances of the stores and the deploy service used by the HTTP and Event Grid handlers.
import type { DurableClient } from 'durable-functions';
import { appConfig } from '../../adapters/settings';
import { DeploymentStore, TargetStore } from '../../adapters/state-store';
import { DeployService, DeployStores } from '../../orchestrations/deploy-service';

let stores: DeployStores | null = null;

export function deployStores(): DeployStores {
  stores ??= { targets: new TargetStore(), deployments: new DeploymentStore(undefined, appConfig().historyLimit) };
  return stores;
}

export function deployService(client: DurableClient): DeployService {
  return new DeployService(client, appConfig(), deployStores());
}
