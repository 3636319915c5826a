// Seed-compatible monitor routes: the service's LoadBalancer address and what the registry holds.
import { optionalTargetQuery, parseServiceName } from '../core/requests';
import { selectTarget } from '../core/targets';
import { desiredTag } from '../core/target-state';
import { imageName } from '../core/image';
import { httpRoute, json } from './lib/http';
import { adapters } from '../services/composition';
import { bounded, clusterRead, registryTags } from './lib/views';

httpRoute('monitorServiceIp', {
  GET: async (req) => {
    const serviceName = parseServiceName(req.query.get('service_name'));
    const config = adapters().config;
    const target = selectTarget(config.targets, optionalTargetQuery(req.query.get('target')));
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
    const config = adapters().config;
    const target = selectTarget(config.targets, optionalTargetQuery(req.query.get('target')));
    const { state } = await adapters().targets.get(target.name);
    const tags = await bounded(registryTags(config), 'registry_unavailable', 'the registry');
    const repo = config.image.repository;
    return json(200, {
      login_server: config.image.registry,
      repository: repo,
      image: imageName(config.image),
      target: target.name,
      expected_image_tags: { [repo]: desiredTag(state, config.pinnedTag) },
      actual_tags: { [repo]: tags.tags },
      digests: tags.digests,
    });
  },
});
