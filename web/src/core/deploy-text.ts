// Sentences the pages say about deploys, digests that failed and parts that are down. Pure, so each wording is
// unit-tested and Overview, /docs and History say the same thing the same way.
import type { DependencyProblem, DeployBrief, FailedDigest } from '../api/types.js';
import { parseTime, shortDigest } from './format.js';
import type { DeployOutcome } from './outcome.js';
import { withPhaseLabels } from './phases.js';

/** `12:03 UTC` for a time today (UTC), `2026-05-15 12:03 UTC` for another day; `—` when unknown. */
export function formatClock(iso: string | null | undefined, now: number): string {
  const ms = parseTime(iso);
  if (ms === null) return '—';
  const stamp = new Date(ms).toISOString();
  const sameDay = stamp.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${stamp.slice(0, 10)} `}${stamp.slice(11, 16)} UTC`;
}

/** Every `sha256:<64 hex>` in a server sentence shortened to 12 hex digits (the full one stays in a tooltip). */
export function shortenDigests(text: string): string {
  return text.replace(/sha256:[0-9a-f]{13,}/gi, (digest) => shortDigest(digest) ?? digest);
}

/** A server message made readable: phase labels instead of raw names, short digests. */
export function readableMessage(message: string): string {
  return shortenDigests(withPhaseLabels(message));
}

/**
 * The server's `cluster_state` ("unchanged: nothing was applied", "restored to <image>", "running <image>",
 * "runs <image> (read back from the cluster)", "left as applied (<image>) …", "unknown: …") as a sentence.
 */
export function clusterStateText(state: string): string {
  const text = shortenDigests(state.trim());
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The outcome a deploy's brief status stands for; `queued`/`running` are not terminal. */
export function outcomeOfBrief(status: string): DeployOutcome {
  switch (status) {
    case 'queued':
      return 'queued';
    case 'running':
      return 'running';
    case 'succeeded':
    case 'failed':
    case 'rolled_back':
    case 'cancelled':
    case 'terminated':
      return status;
    default:
      return 'unknown';
  }
}

/**
 * A finished step's detail, unless it only repeats the deploy's error (the server writes `code: message` into
 * the failed step) or says nothing more than "cancelled": each error is said once.
 */
export function distinctDetail(detail: string | null, error: { code: string; message: string } | null): string | null {
  const text = detail?.trim() ?? '';
  if (text === '' || text === 'cancelled') return null;
  if (error) {
    const message = error.message.trim();
    if (text === message || text === error.code || text === `${error.code}: ${message}`) return null;
    if (message.includes(text) || text.includes(message)) return null;
  }
  return readableMessage(text);
}

/** Who started a deploy, in words. */
export function reasonText(reason: string | null, requester: string | null): string {
  const by = requester ? ` by ${requester}` : '';
  switch (reason) {
    case 'auto':
      return `automatic update${requester ? ` (${requester})` : ''}`;
    case 'install':
      return `install${by}`;
    case 'update':
      return `update${by}`;
    case 'rollback':
      return `rollback${by}`;
    case 'rotate_token':
      return `token rotation${by}`;
    case 'rebuild':
      return `rebuild and deploy${by}`;
    case 'start_cluster':
      return `cluster start${by}`;
    case 'drift':
      return `drift correction${by}`;
    case null:
      return requester ? `started by ${requester}` : '';
    default:
      return `${reason}${by}`;
  }
}

/**
 * The headline of an automatic update's result ("Updated automatically to 3.4 (sha256:…) at 12:03 UTC", "An
 * automatic update to sha256:… failed and was rolled back: <cause>"), which carries the cause itself; null for
 * a deploy that did not come from a registry push or has not ended.
 */
export function autoUpdateHeadline(
  brief: Pick<DeployBrief, 'tag' | 'digest' | 'finished_at' | 'error'> & { reason: string | null },
  outcome: DeployOutcome,
  now: number,
): string | null {
  if (brief.reason !== 'auto') return null;
  const digest = shortDigest(brief.digest) ?? 'a new digest';
  const cause = brief.error ? `: ${readableMessage(brief.error.message)}` : '';
  switch (outcome) {
    case 'succeeded':
      return `Updated automatically to ${brief.tag ?? 'the pinned tag'} (${digest}) at ${formatClock(brief.finished_at, now)}`;
    case 'rolled_back':
      return `An automatic update to ${digest} failed and was rolled back${cause}`;
    case 'failed':
      return `An automatic update to ${digest} failed${cause}`;
    case 'cancelled':
      return `An automatic update to ${digest} was cancelled`;
    case 'terminated':
      return `An automatic update to ${digest} was terminated`;
    case 'unknown':
      return `An automatic update to ${digest} ended with a result the dashboard does not recognise`;
    default:
      return null;
  }
}

/** "sha256:960f… failed on 12:03 UTC: crash loop; rolled back". */
export function failedDigestText(failed: FailedDigest, now: number): string {
  const after = failed.outcome === 'rolled_back' ? 'rolled back' : 'not rolled back';
  return `${shortDigest(failed.digest)} failed on ${formatClock(failed.failed_at, now)}: ${readableMessage(failed.message)}; ${after}`;
}

const PART_NAMES: Record<string, string> = {
  exec: 'the exec server',
  cluster: 'the cluster API',
  registry: 'the container registry',
  storage: 'state storage',
};

/** `exec` → "the exec server"; an unknown part is named as the server sent it. */
export function partName(part: string): string {
  return PART_NAMES[part] ?? part;
}

/** The part a dependency error code names (`exec_unavailable` → `exec`), for a 503 without `part`. */
export function partOfCode(code: string): string {
  return code.replace(/_unavailable$/, '');
}

/** Why Deploy and Update are disabled while parts are down; null when every part answers. */
export function blockedReason(dependencies: readonly DependencyProblem[]): string | null {
  if (dependencies.length === 0) return null;
  const names = [...new Set(dependencies.map((d) => partName(d.part)))];
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} and ${names.at(-1)!}`;
  return `Deploying is unavailable until ${list} ${names.length === 1 ? 'answers' : 'answer'} again (see above).`;
}

/** Commands in server advice name the real namespace instead of `<namespace>`, when the page knows it. */
export function fillNamespace(text: string, namespace: string | null): string {
  return namespace ? text.replace(/<namespace>/g, namespace) : text;
}

export type Tone = 'ok' | 'warn' | 'danger' | 'accent' | '';

/** A badge class for a deploy outcome. */
export function outcomeTone(outcome: DeployOutcome): Tone {
  switch (outcome) {
    case 'succeeded':
      return 'ok';
    case 'failed':
    case 'rolled_back':
    case 'terminated':
    case 'unknown':
      return 'danger';
    case 'cancelled':
    case 'suspended':
      return 'warn';
    default:
      return 'accent';
  }
}

/**
 * A deploy's record in one sentence, as Overview and /docs both say it: an automatic update's own headline, or
 * the outcome with who started it, when it finished, and its error.
 */
export function briefText(brief: DeployBrief, now: number): { text: string; tone: Tone } {
  const outcome = outcomeOfBrief(brief.status);
  const tone = outcomeTone(outcome);
  const auto = autoUpdateHeadline(brief, outcome, now);
  if (auto) return { text: auto, tone };
  const word: Record<DeployOutcome, string> = {
    queued: 'Queued',
    running: 'Running',
    rolling_back: 'Rolling back',
    suspended: 'Suspended',
    succeeded: 'Succeeded',
    failed: 'Failed',
    rolled_back: 'Failed and rolled back',
    cancelled: 'Cancelled',
    terminated: 'Terminated',
    unknown: `Ended as "${brief.status}"`,
  };
  const who = reasonText(brief.reason, brief.requester);
  const when = brief.finished_at ? ` at ${formatClock(brief.finished_at, now)}` : '';
  const error = brief.error && outcome !== 'cancelled' ? `: ${readableMessage(brief.error.message)}` : '';
  return { text: `${word[outcome]}${who ? ` (${who})` : ''}${when}${error}`, tone };
}
