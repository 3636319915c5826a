// Event Grid trigger for registry pushes: a verified ImagePushed event starts an `auto` deploy on every target
// whose desired tag was pushed with a new digest — once per digest however often the event is redelivered, and
// queued behind a running deploy so the target converges on the newest image. Before anything acts, the registry
// must confirm that the pushed digest is the tag's current one, so a forged or replayed event can at most deploy
// what the registry already says (docs/api.md#registry-push-events).
import * as df from 'durable-functions';
import { readImagePushed } from '../core/acr-event';
import { isDomainError } from '../core/errors';
import { PushEvent } from '../core/target-state';
import { adapters } from '../services/composition';
import { offerUpdate } from '../services/updates';

/** The tag's digest in the registry now, or null when the tag is not there. Registry outages throw (redelivery). */
async function currentDigest(push: PushEvent): Promise<string | null> {
  try {
    return await adapters().requestRegistry.resolveTag(push.repository, push.tag);
  } catch (err) {
    if (isDomainError(err) && err.code === 'image_not_found') return null;
    throw err;
  }
}

df.app.client.eventGrid('acrImagePushed', {
  handler: async (event, client, context) => {
    const { config } = adapters();
    const eventId = String((event as { id?: unknown }).id).slice(0, 64);
    const parsed = await readImagePushed(event, {
      registryHost: config.image.registry,
      repository: config.image.repository,
      registryResourceId: config.registryResourceId,
    });
    if (!parsed.ok) {
      // Not ours or malformed: retrying would not change that, so it is logged and dropped.
      context.log(`acrImagePushed: ignored event ${eventId}: ${parsed.reason}`);
      return;
    }
    const { push } = parsed;
    const current = await currentDigest(push);
    if (current !== push.digest) {
      context.log(
        `acrImagePushed: ignored event ${eventId}: ${push.repository}:${push.tag}@${push.digest.slice(0, 19)} is ` +
          (current === null ? 'not in the registry' : "not the tag's current digest (stale or forged)"),
      );
      return;
    }
    for (const target of config.targets) {
      const outcome = await offerUpdate(client, target, push, 'push');
      const what =
        outcome.action === 'ignore'
          ? `ignored (${outcome.reason})`
          : outcome.action === 'start'
            ? `started ${outcome.instanceId}`
            : outcome.action === 'queue'
              ? 'queued behind the running deploy'
              : 'announced (manual policy)';
      context.log(
        `acrImagePushed: ${push.repository}:${push.tag}@${push.digest.slice(0, 19)} → ${target.name}: ${what}`,
      );
    }
  },
});
