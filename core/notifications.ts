// Notifications (docs/policies.md#notifications): the one event shape every notification is made from, which
// destinations take it, and its three renderings — generic JSON, a Microsoft Teams card and a Slack message. Pure:
// no clock reads (the caller stamps the time), no I/O, no secrets (a destination's URL never reaches this module).
import { createHash } from 'node:crypto';
import type * as z from 'zod/mini';
import type { NotificationKind as KindSchema, NotifyDestination } from './contract/settings';

export { NOTIFICATION_KINDS } from './contract/settings';
export type NotificationKind = z.output<typeof KindSchema>;
export type NotifyFormat = z.output<typeof NotifyDestination>['format'];

/** The JSON rendering's `schema`: a receiver can tell versions apart. */
export const NOTIFICATION_SCHEMA = 'elb-control.notification/v1';

/** A configured destination as the app keeps it: its name, format and filters — never its URL. */
export interface NotifyRoute {
  name: string;
  format: NotifyFormat;
  /** Null: every kind. */
  kinds: NotificationKind[] | null;
  /** Null: every target. */
  targets: string[] | null;
}

/** How a deploy-like operation ended, for `deploy_succeeded` / `deploy_failed`. */
export type NotificationOutcome = 'succeeded' | 'failed' | 'rolled_back' | 'cancelled' | 'terminated';

/** One notification, whatever it is about. Fields that do not apply are null. */
export interface NotificationEvent {
  schema: typeof NOTIFICATION_SCHEMA;
  /** Stable for one happening: a redelivered trigger builds the same id, and the same id is delivered once. */
  id: string;
  kind: NotificationKind;
  target: string;
  /** When it happened (ISO 8601, UTC). */
  time: string;
  tag: string | null;
  digest: string | null;
  /** The deploy (or rotation, rebuild, cluster start) it is about. */
  deploy_id: string | null;
  /** Why that operation runs: install, update, auto, rollback, rotate_token, rebuild, start_cluster. */
  reason: string | null;
  outcome: NotificationOutcome | null;
  error: { code: string; message: string } | null;
  /** Who asked (a user, `event-grid`, `reconcile`). */
  requester: string | null;
  /** A path of the dashboard where it shows (`/history?target=local`), relative to the dashboard's address. */
  link: string | null;
  /** One sentence for people, e.g. "Update to 3.5 is waiting for approval (expires in 23 h)"; null → made from the kind. */
  summary: string | null;
}

/** What a caller fills in; the rest defaults to null, `time` to now and `id` to a hash of the identifying fields. */
export type NotificationInput = Pick<NotificationEvent, 'kind' | 'target'> &
  Partial<Omit<NotificationEvent, 'schema' | 'kind' | 'target' | 'id'>> & {
    /**
     * What makes two events "the same happening" (delivered once); default: kind, target, deploy id, digest, tag.
     * Give one when those repeat for distinct happenings (e.g. a wave's id for `wave_halted`).
     */
    key?: string;
  };

/** Builds an event; `now` is the caller's clock (this module reads none). */
export function notificationEvent(input: NotificationInput, now: Date): NotificationEvent {
  const { key, ...fields } = input;
  const event: NotificationEvent = {
    schema: NOTIFICATION_SCHEMA,
    id: '',
    kind: fields.kind,
    target: fields.target,
    time: fields.time ?? now.toISOString(),
    tag: fields.tag ?? null,
    digest: fields.digest ?? null,
    deploy_id: fields.deploy_id ?? null,
    reason: fields.reason ?? null,
    outcome: fields.outcome ?? null,
    error: fields.error ? { code: fields.error.code, message: clip(fields.error.message, 500) } : null,
    requester: fields.requester ?? null,
    link: fields.link ?? `/history?target=${encodeURIComponent(fields.target)}`,
    summary: fields.summary ? clip(fields.summary, 300) : null,
  };
  const identity =
    key ?? [event.kind, event.target, event.deploy_id ?? '', event.digest ?? '', event.tag ?? ''].join('|');
  event.id = `${event.kind}-${sha256(identity).slice(0, 24)}`;
  return event;
}

/** Whether `route` takes `event` (its kind and target filters). */
export function routeAccepts(route: NotifyRoute, event: Pick<NotificationEvent, 'kind' | 'target'>): boolean {
  return (
    (route.kinds === null || route.kinds.includes(event.kind)) &&
    (route.targets === null || route.targets.includes(event.target))
  );
}

/** The Durable instance id of one event's delivery to one destination: the same event is delivered once. */
export function deliveryInstanceId(eventId: string, destination: string): string {
  return `notify-${sha256(`${eventId}|${destination}`).slice(0, 32)}`;
}

const TITLES: Record<NotificationKind, string> = {
  update_available: 'Update available',
  approval_waiting: 'Update waiting for approval',
  deploy_started: 'Deploy started',
  deploy_succeeded: 'Deploy succeeded',
  deploy_failed: 'Deploy failed',
  drift_detected: 'Drift detected',
  wave_halted: 'Wave halted',
};

/** Operations other than a plain deploy name themselves in the title ("Token rotation succeeded"). */
const OPERATIONS: Record<string, string> = {
  rotate_token: 'Token rotation',
  rebuild: 'Rebuild & deploy',
  start_cluster: 'Cluster start',
  rollback: 'Rollback',
};

/** The headline: what happened, on which target. */
export function notificationTitle(event: NotificationEvent): string {
  let title = TITLES[event.kind];
  const operation = event.reason ? OPERATIONS[event.reason] : undefined;
  if (operation && event.kind.startsWith('deploy_')) title = title.replace('Deploy', operation);
  if (event.kind === 'deploy_failed' && event.outcome && event.outcome !== 'failed')
    title = `${title.replace(/ failed$/, '')} ${event.outcome.replace('_', ' ')}`;
  return `${title}: ${event.target}`;
}

/** The sentence under the headline. */
export function notificationText(event: NotificationEvent): string {
  if (event.summary) return event.summary;
  const image = imageText(event);
  const by = event.requester ? ` (requested by ${event.requester})` : '';
  switch (event.kind) {
    case 'deploy_started':
      return `${image ?? 'The desired image'} is being deployed to ${event.target}${by}.`;
    case 'deploy_succeeded':
      return `${image ?? 'The image'} runs on ${event.target}.`;
    case 'deploy_failed':
      return event.error
        ? `${event.error.code}: ${event.error.message}`
        : `The operation on ${event.target} ended as ${event.outcome ?? 'failed'}.`;
    case 'update_available':
      return `${image ?? 'A new image'} is available for ${event.target}.`;
    case 'approval_waiting':
      return `${image ?? 'An update'} for ${event.target} is waiting for a deployer's approval.`;
    case 'drift_detected':
      return `The Deployment on ${event.target} was changed outside elb-control.`;
    case 'wave_halted':
      return `The wave stopped at ${event.target}${event.error ? `: ${event.error.code}` : ''}.`;
  }
}

/** `3.5 (sha256:abcd…)`, the tag or the short digest, or null. */
function imageText(event: NotificationEvent): string | null {
  const short = event.digest ? `${event.digest.slice(0, 19)}…` : null;
  if (event.tag && short) return `${event.tag} (${short})`;
  return event.tag ?? short;
}

/** The facts a card lists, in order, those that apply. */
export function notificationFacts(event: NotificationEvent): { name: string; value: string }[] {
  const facts: [string, string | null][] = [
    ['Target', event.target],
    ['Tag', event.tag],
    ['Digest', event.digest],
    ['Operation', event.reason],
    ['Outcome', event.outcome],
    ['Error', event.error ? event.error.code : null],
    ['Deploy', event.deploy_id],
    ['Requested by', event.requester],
    ['Dashboard', event.link],
    ['Time', event.time],
  ];
  return facts.flatMap(([name, value]) => (value === null ? [] : [{ name, value }]));
}

/** The body POSTed to a destination of `format`. */
export function renderNotification(event: NotificationEvent, format: NotifyFormat): unknown {
  switch (format) {
    case 'json':
      return event;
    case 'teams':
      return teamsMessage(event);
    case 'slack':
      return slackMessage(event);
  }
}

/**
 * Microsoft Teams: an Adaptive Card (1.4) in a `message` with one attachment — what a Teams Workflows "When a Teams
 * webhook request is received" flow posts as is, and what the older Office 365 incoming webhooks accept too (the
 * MessageCard format is retired with those connectors).
 */
export function teamsMessage(event: NotificationEvent) {
  const failed = event.kind === 'deploy_failed' || event.kind === 'wave_halted';
  const good = event.kind === 'deploy_succeeded';
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          // Shown in the channel list and in notifications.
          fallbackText: `${notificationTitle(event)} — ${notificationText(event)}`,
          body: [
            {
              type: 'TextBlock',
              text: notificationTitle(event),
              weight: 'Bolder',
              size: 'Medium',
              wrap: true,
              color: failed ? 'Attention' : good ? 'Good' : 'Default',
            },
            { type: 'TextBlock', text: notificationText(event), wrap: true },
            {
              type: 'FactSet',
              facts: notificationFacts(event).map((f) => ({ title: f.name, value: f.value })),
            },
          ],
        },
      },
    ],
  };
}

/** Slack incoming webhook: `text` (the notification and fallback) and Block Kit blocks. */
export function slackMessage(event: NotificationEvent) {
  const title = notificationTitle(event);
  const text = notificationText(event);
  const facts = notificationFacts(event);
  return {
    text: `${title} — ${text}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(title, 150), emoji: false } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(slackEscape(text), 3000) } },
      {
        type: 'section',
        // Slack allows at most 10 fields of 2000 characters each.
        fields: facts
          .slice(0, 10)
          .map((f) => ({ type: 'mrkdwn', text: clip(`*${f.name}*\n${slackEscape(f.value)}`, 2000) })),
      },
    ],
  };
}

/** Slack's mrkdwn treats &, < and > as markup: escaped, so an error message cannot form a link or a mention. */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The Durable orchestration that delivers one event to one destination, and its one activity. */
export const NOTIFY_ORCHESTRATOR = 'deliverNotification';
export const SEND_NOTIFICATION_ACTIVITY = 'sendNotification';
