// Seed-compatible monitor routes: the service's LoadBalancer address and what the registry holds. The older
// system's query fields select the target and name the registry (core/seed-compat.ts, docs/api.md).
import { AcrQuery } from '../core/contract/seed';
import { ServiceIpQuery } from '../core/contract/requests';
import { parseQuery, parseServiceName } from '../core/requests';
import { checkRegistry, clusterRef, configuredRegistry, selectSeedTarget } from '../core/seed-compat';
import { desiredTag } from '../core/update-policy';
import { imageName } from '../core/image';
import { httpRoute, json } from './lib/http';
import type { AppConfig } from '../core/config';
import { adapters } from '../services/composition';
import { bounded, clusterRead, registryTags } from './lib/views';

httpRoute('monitorServiceIp', {
  GET: async (req) => {
    const serviceName = parseServiceName(req.query.get('service_name'));
    const query = parseQuery(ServiceIpQuery, req.query);
    const config = adapters().config;
    const target = selectSeedTarget(config.targets, query.target ?? null, clusterRef(query));
    const svc = await clusterRead(target, (kube) => kube.service());
    return json(200, {
      service_name: serviceName,
      target: target.name,
      external_ip: svc.externalIp,
      available: svc.externalIp !== null,
      status: svc.externalIp ? 'ready' : 'missing_or_pending',
    });
  },
});

httpRoute('monitorAcr', {
  GET: async (req) => {
    const query = parseQuery(AcrQuery, req.query);
    const config = adapters().config;
    const registry = configuredRegistry(config);
    const ignored = checkRegistry(registry, {
      registry_name: { value: query.registry_name, against: 'name' },
      resource_group: { value: query.resource_group, against: 'resourceGroup' },
      subscription_id: { value: query.subscription_id, against: 'subscriptionId' },
    });
    // Here `resource_group` and `subscription_id` name the registry (as they did), so a cluster is named alone.
    const cluster =
      query.cluster_name === undefined
        ? null
        : { clusterName: query.cluster_name, resourceGroup: null, subscriptionId: null };
    // The old query names only the registry: with several targets and none named, answer for the registry alone
    // (the pinned tag as the expected one, `target: null`) rather than refuse a script that worked before.
    const registryOnly = query.target === undefined && cluster === null && config.targets.length > 1;
    const target = registryOnly ? null : selectSeedTarget(config.targets, query.target ?? null, cluster);
    const expected =
      target === null
        ? config.pinnedTag
        : desiredTag(target, (await adapters().targets.get(target.name)).state, config.pinnedTag);
    const repo = config.image.repository;
    const [tags, management] = await Promise.all([
      bounded(registryTags(config), 'registry_unavailable', 'the registry'),
      registryManagement(config),
    ]);
    return json(200, {
      name: registry.name,
      login_server: config.image.registry,
      repository: repo,
      image: imageName(config.image),
      target: target?.name ?? null,
      expected_image_tags: { [repo]: expected },
      actual_tags: { [repo]: tags.tags },
      digests: tags.digests,
      ...management,
      ...(ignored.length > 0 ? { ignored_fields: ignored } : {}),
    });
  },
});

/**
 * The registry's facts and builds from Azure Resource Manager. A registry that cannot be read there is a coded error
 * (never an empty success); without a registry id there is nothing to ask, and the answer says so.
 */
async function registryManagement(config: AppConfig) {
  const arm = adapters().registryManagement;
  if (!arm) {
    return {
      sku: null,
      location: null,
      resource_id: null,
      building_images: [],
      build_details: [],
      management_plane: 'not_configured' as const,
    };
  }
  const [facts, runs, states] = await Promise.all([
    bounded(arm.facts(), 'registry_unavailable', 'Azure Resource Manager'),
    bounded(arm.runs(10), 'registry_unavailable', 'Azure Resource Manager'),
    Promise.all(config.targets.map((t) => adapters().targets.get(t.name))),
  ]);
  // ACR names a run's image only once pushed: a build of ours still running is known from the lease it holds.
  const ours = states.some(({ state }) => state.activeReason === 'rebuild')
    ? [`${config.image.repository}:${config.pinnedTag}`]
    : [];
  const running = runs.filter((r) => r.state === 'running').flatMap((r) => r.images);
  return {
    name: facts.name,
    login_server: facts.login_server,
    sku: facts.sku,
    location: facts.location,
    resource_id: facts.id,
    building_images: [...new Set([...ours, ...running])],
    build_details: runs.map((r) => ({
      image: r.images[0] ?? null,
      status: r.status,
      run_id: r.run_id,
      created_at: r.created_at,
    })),
    management_plane: 'arm' as const,
  };
}
