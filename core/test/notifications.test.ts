// The notification event, which destinations take it, its three renderings, and the ELB_NOTIFY_WEBHOOKS setting —
// including that no error about the setting repeats a URL (they are secrets).
import { describe, expect, it } from 'vitest';
import { loadConfig, parseNotifyWebhooks } from '../config';
import { DomainError } from '../errors';
import {
  deliveryInstanceId,
  NOTIFICATION_SCHEMA,
  notificationEvent,
  renderNotification,
  routeAccepts,
  slackMessage,
  teamsMessage,
} from '../notifications';

const NOW = new Date('2026-03-01T10:00:00.000Z');
const DIGEST = 'sha256:' + 'ab'.repeat(32);

const failed = notificationEvent(
  {
    kind: 'deploy_failed',
    target: 'prod',
    deploy_id: 'prod-20260301t100000-0badf00d',
    reason: 'auto',
    tag: '3.6',
    digest: DIGEST,
    outcome: 'rolled_back',
    error: { code: 'rollout_failed', message: 'pods <crash> & loop' },
    requester: 'event-grid',
  },
  NOW,
);

describe('notificationEvent', () => {
  it('fills in the schema, nulls, the time and a link to the target history', () => {
    const e = notificationEvent({ kind: 'deploy_started', target: 'local' }, NOW);
    expect(e).toEqual({
      schema: NOTIFICATION_SCHEMA,
      id: expect.stringMatching(/^deploy_started-[0-9a-f]{24}$/),
      kind: 'deploy_started',
      target: 'local',
      time: '2026-03-01T10:00:00.000Z',
      tag: null,
      digest: null,
      deploy_id: null,
      reason: null,
      outcome: null,
      error: null,
      requester: null,
      link: '/history?target=local',
      summary: null,
    });
  });

  it('derives the id from what identifies the happening, not from the time', () => {
    const a = notificationEvent({ kind: 'deploy_succeeded', target: 'x', deploy_id: 'd1' }, NOW);
    const again = notificationEvent({ kind: 'deploy_succeeded', target: 'x', deploy_id: 'd1' }, new Date(0));
    const other = notificationEvent({ kind: 'deploy_succeeded', target: 'x', deploy_id: 'd2' }, NOW);
    const keyed = notificationEvent({ kind: 'wave_halted', target: 'x', key: 'wave-7' }, NOW);
    expect(again.id).toBe(a.id);
    expect(other.id).not.toBe(a.id);
    expect(keyed.id).not.toBe(notificationEvent({ kind: 'wave_halted', target: 'x', key: 'wave-8' }, NOW).id);
    expect(deliveryInstanceId(a.id, 'chat')).toBe(deliveryInstanceId(again.id, 'chat'));
    expect(deliveryInstanceId(a.id, 'chat')).not.toBe(deliveryInstanceId(a.id, 'mail'));
    expect(deliveryInstanceId(a.id, 'chat')).toMatch(/^notify-[0-9a-f]{32}$/);
  });

  it('clips a long error message', () => {
    const e = notificationEvent(
      { kind: 'deploy_failed', target: 'x', error: { code: 'c', message: 'm'.repeat(5000) } },
      NOW,
    );
    expect(e.error!.message.length).toBe(500);
  });
});

describe('routeAccepts', () => {
  it('filters by kind and target; null takes everything', () => {
    const all = { name: 'a', format: 'json' as const, kinds: null, targets: null };
    const some = { name: 'b', format: 'json' as const, kinds: ['deploy_failed' as const], targets: ['prod'] };
    expect(routeAccepts(all, failed)).toBe(true);
    expect(routeAccepts(some, failed)).toBe(true);
    expect(routeAccepts(some, { kind: 'deploy_failed', target: 'canary' })).toBe(false);
    expect(routeAccepts(some, { kind: 'deploy_started', target: 'prod' })).toBe(false);
  });
});

describe('renderings', () => {
  it('json: the event itself, versioned', () => {
    expect(renderNotification(failed, 'json')).toBe(failed);
    expect(JSON.parse(JSON.stringify(renderNotification(failed, 'json')))).toMatchObject({
      schema: 'elb-control.notification/v1',
      kind: 'deploy_failed',
      outcome: 'rolled_back',
      error: { code: 'rollout_failed' },
    });
  });

  it('teams: an Adaptive Card 1.4 in a message attachment, with the facts', () => {
    const m = teamsMessage(failed);
    expect(renderNotification(failed, 'teams')).toEqual(m);
    expect(m.type).toBe('message');
    expect(m.attachments).toHaveLength(1);
    const a = m.attachments[0]!;
    expect(a.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(a.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(a.content.body[0]).toMatchObject({
      type: 'TextBlock',
      text: 'Deploy rolled back: prod',
      color: 'Attention',
    });
    expect(a.content.body[1]).toMatchObject({ text: 'rollout_failed: pods <crash> & loop' });
    const facts = Object.fromEntries(
      (a.content.body[2] as { facts: { title: string; value: string }[] }).facts.map((f) => [f.title, f.value]),
    );
    expect(facts).toMatchObject({
      Target: 'prod',
      Tag: '3.6',
      Digest: DIGEST,
      Outcome: 'rolled_back',
      Error: 'rollout_failed',
    });
  });

  it('slack: text plus header/section blocks, with mrkdwn escaped', () => {
    const m = slackMessage(failed);
    expect(renderNotification(failed, 'slack')).toEqual(m);
    expect(m.text).toBe('Deploy rolled back: prod — rollout_failed: pods <crash> & loop');
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Deploy rolled back: prod', emoji: false },
    });
    expect(m.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: 'rollout_failed: pods &lt;crash&gt; &amp; loop' },
    });
    const fields = (m.blocks[2] as { fields: { text: string }[] }).fields;
    expect(fields.length).toBeLessThanOrEqual(10);
    expect(fields[0]!.text).toBe('*Target*\nprod');
  });

  it('names the operation: rotations, rebuilds and cluster starts, and a plain failure', () => {
    const title = (
      reason: string,
      kind: 'deploy_started' | 'deploy_succeeded' | 'deploy_failed',
      outcome?: 'failed' | 'cancelled',
    ) =>
      slackMessage(notificationEvent({ kind, target: 't', reason, ...(outcome ? { outcome } : {}) }, NOW)).blocks[0]!;
    expect(title('rotate_token', 'deploy_succeeded')).toMatchObject({ text: { text: 'Token rotation succeeded: t' } });
    expect(title('rebuild', 'deploy_started')).toMatchObject({ text: { text: 'Rebuild & deploy started: t' } });
    expect(title('start_cluster', 'deploy_failed', 'failed')).toMatchObject({
      text: { text: 'Cluster start failed: t' },
    });
    expect(title('update', 'deploy_failed', 'cancelled')).toMatchObject({ text: { text: 'Deploy cancelled: t' } });
  });

  it('uses the caller summary for policy events', () => {
    const e = notificationEvent(
      {
        kind: 'approval_waiting',
        target: 'prod',
        tag: '3.5',
        summary: 'Update to 3.5 waiting for approval (expires in 23 h)',
      },
      NOW,
    );
    expect(slackMessage(e).text).toBe(
      'Update waiting for approval: prod — Update to 3.5 waiting for approval (expires in 23 h)',
    );
  });
});

/** As Teams connector URLs are written: an @ in the path (not user info). */
const SECRET = 'https://example.webhook.office.com/webhookb2/abc@def/IncomingWebhook/s3cr3t';

/** The DomainError a setting causes; its message must not repeat the URL. */
function settingError(json: string): string {
  try {
    parseNotifyWebhooks(json);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('invalid_settings');
    const message = (err as Error).message;
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('hooks.slack.com');
    expect(message).not.toContain('127.0.0.1:9');
    return message;
  }
  throw new Error('expected the setting to be refused');
}

const dest = (over: Record<string, unknown>) =>
  JSON.stringify([{ name: 'chat', url: 'https://hooks.slack.com/services/T/B/s3cr3t', format: 'slack', ...over }]);

describe('ELB_NOTIFY_WEBHOOKS', () => {
  it('absent or blank: no destinations', () => {
    expect(parseNotifyWebhooks(undefined)).toEqual([]);
    expect(parseNotifyWebhooks('  ')).toEqual([]);
    expect(parseNotifyWebhooks('[]')).toEqual([]);
  });

  it('accepts https anywhere and plain http on loopback, with filters', () => {
    const list = parseNotifyWebhooks(
      JSON.stringify([
        {
          name: 'teams-ops',
          url: SECRET,
          format: 'teams',
          kinds: ['deploy_failed', 'wave_halted'],
        },
        { name: 'sink', url: 'http://127.0.0.1:8002/hooks/sink', format: 'json', targets: ['local'] },
        { name: 'local-name', url: 'http://localhost:9/x', format: 'slack' },
      ]),
    );
    expect(list.map((d) => d.name)).toEqual(['teams-ops', 'sink', 'local-name']);
    expect(list[0]!.kinds).toEqual(['deploy_failed', 'wave_halted']);
  });

  it('refuses bad URLs without repeating them', () => {
    expect(settingError(dest({ url: 'http://hooks.slack.com/services/T/B/s3cr3t' }))).toMatch(
      /ELB_NOTIFY_WEBHOOKS\[0\]\.url: must be an https URL/,
    );
    expect(settingError(dest({ url: 'https://ops:s3cr3t@hooks.slack.com/x' }))).toMatch(
      /\[0\]\.url: .*without user info/,
    );
    expect(settingError(dest({ url: 'https://hooks.slack.com/s3cr3t#frag' }))).toMatch(/\[0\]\.url/);
    expect(settingError(dest({ url: 'ftp://hooks.slack.com/s3cr3t' }))).toMatch(/\[0\]\.url/);
    expect(settingError(dest({ url: 'http://127.0.0.1:9@evil.example/s3cr3t' }))).toMatch(/\[0\]\.url/);
    expect(settingError(dest({ url: `https://hooks.slack.com/${'s3cr3t'.repeat(400)}` }))).toMatch(
      /at most 2048 characters/,
    );
  });

  it('refuses bad names, formats, kinds, unknown fields, duplicates and too many destinations', () => {
    expect(settingError(dest({ name: 'Chat Room' }))).toMatch(/\[0\]\.name: must be a lowercase DNS label/);
    expect(settingError(dest({ name: 'x'.repeat(33) }))).toMatch(/\[0\]\.name/);
    expect(settingError(dest({ format: 'discord' }))).toMatch(/\[0\]\.format: must be one of: json, teams, slack/);
    expect(settingError(dest({ kinds: ['deploy_exploded'] }))).toMatch(/\[0\]\.kinds\[0\]: must be one of/);
    expect(settingError(dest({ kinds: [] }))).toMatch(/\[0\]\.kinds/);
    expect(settingError(dest({ kind: ['deploy_failed'] }))).toMatch(/unknown field\(s\): kind/);
    expect(settingError(dest({ targets: ['Prod'] }))).toMatch(/\[0\]\.targets\[0\]/);
    const twice = JSON.stringify([
      { name: 'a', url: 'https://hooks.slack.com/s3cr3t', format: 'slack' },
      { name: 'a', url: 'https://hooks.slack.com/s3cr3t', format: 'json' },
    ]);
    expect(settingError(twice)).toMatch(/names each destination once/);
    const many = JSON.stringify(
      Array.from({ length: 21 }, (_, i) => ({ name: `d${i}`, url: 'https://hooks.slack.com/s3cr3t', format: 'json' })),
    );
    expect(settingError(many)).toMatch(/at most 20 destinations/);
    expect(settingError('{"name":"x"}')).toMatch(/ELB_NOTIFY_WEBHOOKS must be an array/);
  });

  it('refuses text that is not JSON without quoting it', () => {
    expect(settingError('[{"url": "https://hooks.slack.com/s3cr3t" ')).toBe('ELB_NOTIFY_WEBHOOKS: not valid JSON');
  });

  it('an unresolved Key Vault reference turns notifications off instead of breaking the app', () => {
    const reference = '@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/notify-webhooks/0123)';
    expect(parseNotifyWebhooks(reference)).toEqual([]);
    const config = loadConfig({ ELB_AUTH_MODE: 'none', ELB_NOTIFY_WEBHOOKS: reference });
    expect(config.notifications).toEqual([]);
    expect(config.notificationsProblem).toMatch(/Key Vault reference the platform has not resolved/);
    expect(config.notificationsProblem).not.toContain('vault.azure.net');
    expect(loadConfig({ ELB_AUTH_MODE: 'none' }).notificationsProblem).toBeNull();
  });

  it('loadConfig keeps names, formats and filters — never the URLs', () => {
    const config = loadConfig({
      ELB_AUTH_MODE: 'none',
      ELB_NOTIFY_WEBHOOKS: dest({ kinds: ['deploy_failed'] }),
    });
    expect(config.notifications).toEqual([{ name: 'chat', format: 'slack', kinds: ['deploy_failed'], targets: null }]);
    expect(JSON.stringify(config)).not.toContain('s3cr3t');
    expect(() => loadConfig({ ELB_AUTH_MODE: 'none', ELB_NOTIFY_WEBHOOKS: 'x'.repeat(70_000) })).toThrow(
      /at most 65536 characters/,
    );
    expect(loadConfig({ ELB_AUTH_MODE: 'none' }).notifications).toEqual([]);
  });
});
