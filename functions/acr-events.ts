// Event Grid trigger for registry pushes: a validated ImagePushed event starts an `auto` deploy on every target
// whose desired tag was pushed with a new digest — once per digest however often the event is redelivered, and
// queued behind a running deploy so the target converges on the newest image.
import * as df from 'durable-functions';
import { parseImagePushed } from '../core/acr-event';
import { appConfig } from '../adapters/settings';
import { deployService } from './lib/services';

df.app.client.eventGrid('acrImagePushed', {
  handler: async (event, client, context) => {
    const config = appConfig();
    const parsed = parseImagePushed(event, {
      registryHost: config.image.registry,
      repository: config.image.repository,
      registryResourceId: config.registryResourceId,
    });
    if (!parsed.ok) {
      // Not ours or malformed: retrying would not change that, so it is logged and dropped.
      context.log(`acrImagePushed: ignored event ${String(event.id).slice(0, 64)}: ${parsed.reason}`);
      return;
    }
    const service = deployService(client);
    for (const target of config.targets) {
      // Storage or Durable failures throw, and Event Grid redelivers; the once-per-digest rule makes that safe.
      const outcome = await service.push(target, parsed.push);
      const what =
        outcome.action === 'ignore'
          ? `ignored (${outcome.reason})`
          : outcome.action === 'start'
            ? `started ${outcome.instanceId}`
            : 'queued behind the running deploy';
      context.log(
        `acrImagePushed: ${parsed.push.repository}:${parsed.push.tag}@${parsed.push.digest.slice(0, 19)} → ${target.name}: ${what}`,
      );
    }
  },
});
