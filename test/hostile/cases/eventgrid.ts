// Forged and malformed Event Grid deliveries to the devhost's webhook. The forgeries carry the system key (the
// strongest attacker: a replayed or crafted event coming through a real subscription) and break exactly one thing:
// a digest the registry does not have for the tag, a wrong topic, the CloudEvents content type without
// aeg-event-type, a foreign Host. Without the key, even a perfect event must be refused. None may start a deploy.
import { bytesFor, type HostileContext } from '../context';
import { keyRequired, methodNotAllowed, refused, type Case, type Expectation } from '../ledger';

const WEBHOOK = '/runtime/webhooks/EventGrid?functionName=acrImagePushed';

interface EventFields {
  topic?: unknown;
  tag?: unknown;
  digest?: unknown;
  repository?: unknown;
  host?: unknown;
  eventType?: unknown;
}

/** An ImagePushed event in the Event Grid schema, as the sim (and Azure) sends it, with fields overridden. */
export function imagePushed(ctx: HostileContext, f: EventFields = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  const tag = f.tag ?? ctx.registry.desiredTag;
  const repository = f.repository ?? ctx.registry.repository;
  return {
    id: ctx.rng.uuid(),
    topic: 'topic' in f ? f.topic : ctx.registry.topic,
    subject: `${String(repository)}:${String(tag)}`,
    eventType: f.eventType ?? 'Microsoft.ContainerRegistry.ImagePushed',
    eventTime: now,
    data: {
      id: ctx.rng.uuid(),
      timestamp: now,
      action: 'push',
      target: {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        size: 524,
        digest: f.digest ?? randomDigest(ctx),
        length: 524,
        repository,
        tag,
      },
      request: { id: ctx.rng.uuid(), host: f.host ?? ctx.registry.host, method: 'PUT', useragent: 'docker/24' },
    },
    dataVersion: '1.0',
    metadataVersion: '1',
  };
}

export function randomDigest(ctx: HostileContext): string {
  return `sha256:${ctx.rng.hex(64)}`;
}

function keyQuery(ctx: HostileContext): string {
  return ctx.keys.system ? `&code=${encodeURIComponent(ctx.keys.system)}` : '';
}

export function eventGridCases(ctx: HostileContext): Case[] {
  const port = ctx.ports.api;
  const cases: Case[] = [];
  const add = (kind: string, r: Parameters<typeof bytesFor>[1], expect?: Expectation) =>
    cases.push({ part: 'eventgrid', kind, port, bytes: bytesFor(port, r), expect });
  const withKey = `${WEBHOOK}${keyQuery(ctx)}`;
  const notification: Array<[string, string]> = [
    ['Content-Type', 'application/json'],
    ['aeg-event-type', 'Notification'],
  ];
  const deliver = (
    kind: string,
    events: unknown,
    extra: { headers?: Array<[string, string]>; host?: string; target?: string } = {},
    expect?: Expectation,
  ) =>
    add(
      kind,
      {
        method: 'POST',
        target: extra.target ?? withKey,
        host: extra.host,
        headers: extra.headers ?? notification,
        body: JSON.stringify(events),
      },
      expect,
    );

  // A digest the registry does not hold for the tag, otherwise perfect.
  for (let i = 0; i < 25; i++) deliver('forged event: random digest', [imagePushed(ctx)]);
  deliver('forged event: stale digest (held by the registry, not current for the tag)', [
    imagePushed(ctx, { digest: ctx.registry.staleDigest }),
  ]);
  deliver(
    'forged batch: 100 random digests',
    Array.from({ length: 100 }, () => imagePushed(ctx)),
  );

  // The current digest (what a real push of the tag would say), but from the wrong topic.
  const wrongTopics = [
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/evil/providers/Microsoft.ContainerRegistry/registries/evil',
    ctx.registry.topic.replace(/registries\/[^/]+$/, 'registries/other'),
    '',
    null,
    42,
    `${ctx.registry.topic}/extra`,
  ];
  for (const topic of wrongTopics)
    deliver('forged event: wrong topic, current digest', [
      imagePushed(ctx, { topic, digest: ctx.registry.currentDigest }),
    ]);
  deliver('forged event: no topic, current digest', [
    { ...imagePushed(ctx, { digest: ctx.registry.currentDigest }), topic: undefined },
  ]);
  for (let i = 0; i < 5; i++)
    deliver('forged event: wrong topic, random digest', [
      imagePushed(ctx, { topic: wrongTopics[0], digest: randomDigest(ctx) }),
    ]);

  // CloudEvents content type without aeg-event-type: only the Event Grid schema with the header is accepted.
  const ce = (digest: string) => ({
    specversion: '1.0',
    type: 'Microsoft.ContainerRegistry.ImagePushed',
    source: ctx.registry.topic,
    id: ctx.rng.uuid(),
    time: new Date().toISOString(),
    subject: `${ctx.registry.repository}:${ctx.registry.desiredTag}`,
    data: (imagePushed(ctx, { digest }) as { data: unknown }).data,
  });
  for (const type of [
    'text/plain;profile=cloudevents',
    'application/cloudevents+json',
    'application/cloudevents-batch+json',
    'text/plain; profile=CloudEvents',
  ]) {
    for (const digest of [ctx.registry.currentDigest, randomDigest(ctx)]) {
      deliver(
        'CloudEvents content type, no aeg-event-type (Event Grid schema body)',
        [imagePushed(ctx, { digest })],
        { headers: [['Content-Type', type]] },
        refused,
      );
      deliver(
        'CloudEvents content type, no aeg-event-type (CloudEvents body)',
        type.includes('batch') ? [ce(digest)] : ce(digest),
        { headers: [['Content-Type', type]] },
        refused,
      );
    }
  }

  // A foreign Host (a page reaching the loopback host through DNS rebinding), with and without the key.
  for (let i = 0; i < 5; i++)
    deliver('forged event: foreign Host, random digest', [imagePushed(ctx)], {
      host: 'evil.example',
      headers: notification,
    });
  deliver(
    'forged event: foreign Host, no key, current digest',
    [imagePushed(ctx, { digest: ctx.registry.currentDigest })],
    { host: 'evil.example', target: WEBHOOK },
    keyRequired,
  );

  // Without the key (or with a wrong one), even a perfect event with the current digest must be refused.
  const wrongKeyTargets = [
    WEBHOOK,
    `${WEBHOOK}&code=${ctx.rng.hex(40)}`,
    `${WEBHOOK}&code=`,
    `${WEBHOOK}&code=${encodeURIComponent(ctx.execToken)}`,
    ...(ctx.keys.system ? [`${WEBHOOK}&code=${encodeURIComponent(ctx.keys.system.slice(0, -2))}`] : []),
  ];
  for (const target of wrongKeyTargets) {
    deliver(
      'event without a valid key',
      [imagePushed(ctx, { digest: ctx.registry.currentDigest })],
      { target },
      keyRequired,
    );
    add(
      'validation handshake without a valid key',
      {
        method: 'POST',
        target,
        headers: [
          ['Content-Type', 'application/json'],
          ['aeg-event-type', 'SubscriptionValidation'],
        ],
        body: JSON.stringify([
          {
            id: ctx.rng.uuid(),
            eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
            data: { validationCode: 'x' },
          },
        ]),
      },
      keyRequired,
    );
  }

  // aeg-event-type variants with the key.
  for (const kind of ['', 'Bogus', 'SubscriptionDeletion', 'Notification, Notification']) {
    add(
      'unknown aeg-event-type',
      {
        method: 'POST',
        target: withKey,
        headers: [
          ['Content-Type', 'application/json'],
          ['aeg-event-type', kind],
        ],
        body: JSON.stringify([imagePushed(ctx)]),
      },
      refused,
    );
  }
  // Letter case is the host's business; whichever way it reads these, a random digest must not deploy.
  for (const kind of ['notification', 'NOTIFICATION']) {
    add('aeg-event-type in another letter case', {
      method: 'POST',
      target: withKey,
      headers: [
        ['Content-Type', 'application/json'],
        ['aeg-event-type', kind],
      ],
      body: JSON.stringify([imagePushed(ctx)]),
    });
  }
  add(
    'validation header on an ImagePushed batch',
    {
      method: 'POST',
      target: withKey,
      headers: [
        ['Content-Type', 'application/json'],
        ['aeg-event-type', 'SubscriptionValidation'],
      ],
      body: JSON.stringify([imagePushed(ctx)]),
    },
    refused,
  );

  // Malformed bodies and events, with the key.
  const badBodies = [
    '{',
    'null',
    '[]',
    '[null]',
    '[1]',
    '"x"',
    '{}',
    '[{}]',
    '['.repeat(3000) + ']'.repeat(3000),
    '\u0000\u0001',
  ];
  for (const body of badBodies)
    add('malformed Event Grid body', { method: 'POST', target: withKey, headers: notification, body });
  const badEvents: EventFields[] = [
    { digest: 'sha256:zz' },
    { digest: null },
    { digest: `sha256:${'a'.repeat(65)}` },
    { digest: `md5:${ctx.rng.hex(32)}` },
    { tag: '../../x' },
    { tag: 'x'.repeat(200) },
    { tag: '' },
    { tag: 7 },
    { repository: 'other' },
    { repository: '../elb-openapi' },
    { host: 'evil.example' },
    { eventType: 'Microsoft.ContainerRegistry.ImageDeleted' },
    { eventType: 'Microsoft.Storage.BlobCreated' },
  ];
  for (const f of badEvents) deliver('malformed ImagePushed event', [imagePushed(ctx, f)]);
  deliver('ImagePushed event with null data', [{ ...imagePushed(ctx), data: null }]);
  deliver('ImagePushed event with a 100 KB subject', [{ ...imagePushed(ctx), subject: 's'.repeat(100_000) }]);
  add('oversize Event Grid body (1.5 MiB)', {
    method: 'POST',
    target: withKey,
    headers: notification,
    body: JSON.stringify([{ ...imagePushed(ctx), padding: 'p'.repeat(1_500_000) }]),
  });

  // Routing: wrong methods, function names, paths.
  for (const method of ['GET', 'PUT', 'DELETE', 'PATCH'])
    add('wrong method on the webhook', { method, target: withKey }, methodNotAllowed);
  for (const name of ['', 'nope', 'deployStart', 'deployOpenApi', '%E0%A4%A', 'acrImagePushed%00', 'x'.repeat(500)]) {
    add(
      'odd functionName',
      {
        method: 'POST',
        target: `/runtime/webhooks/EventGrid?functionName=${name}${keyQuery(ctx)}`,
        headers: notification,
        body: JSON.stringify([imagePushed(ctx)]),
      },
      refused,
    );
  }
  add(
    'webhook without functionName',
    {
      method: 'POST',
      target: `/runtime/webhooks/EventGrid${keyQuery(ctx).replace('&', '?')}`,
      headers: notification,
      body: '[]',
    },
    refused,
  );
  return cases;
}
