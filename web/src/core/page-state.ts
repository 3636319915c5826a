// The /docs page's one explicit state, derived from what the server said and nothing else. Elements render
// this value; they do not combine conditions of their own, so two contradictory cards can never stack
// (docs/dashboard.md, "The /docs page") and every state is reachable from a unit test with a fixed clock.
import { driftText, reconcileText } from './drift.js';
import type { DependencyProblem, DeployBrief, DeployError, DeployStatus, TargetSummary } from '../api/types.js';
import {
  autoUpdateHeadline,
  blockedReason,
  clusterStateText,
  distinctDetail,
  failedDigestText,
  outcomeOfBrief,
  readableMessage,
} from './deploy-text.js';
import { newerTags } from '../../../core/tags.js';
import { parseTime, shortDigest } from './format.js';
import {
  isTerminal,
  operationNoun,
  outcomeHeadline,
  outcomeOf,
  outcomeOfRuntime,
  type DeployOutcome,
} from './outcome.js';
import { phaseLabel, phaseSteps, type PhaseStep } from './phases.js';

/** A queued deploy that has not started after this long gets a warning (it is not cleared: the server decides). */
export const PENDING_WARN_MS = 60_000;
/** Status reads may fail this many times in a row before the page says it lost contact (it keeps retrying). */
export const STATUS_ERRORS_BEFORE_WARNING = 2;

export interface ReadState<T> {
  /** The last good answer; kept while later reads fail, so a blip does not blank the page. */
  value: T | null;
  /** The last read's error, or null when it succeeded. */
  error: { code: string; message: string } | null;
  consecutiveErrors: number;
}

/** A read that has not answered yet. */
export const emptyRead = <T>(): ReadState<T> => ({ value: null, error: null, consecutiveErrors: 0 });

export interface TrackedDeploy {
  instanceId: string;
  /** Why it was started, when known (from the summary's `active_deploy` or the page's own request). */
  reason: string | null;
  status: ReadState<DeployStatus>;
  /** The server answered 404 for this id: it has no such deploy. */
  notFound: boolean;
  cancel: 'none' | 'requested' | { code: string; message: string };
}

export interface DocsInputs {
  summary: ReadState<TargetSummary>;
  tracked: TrackedDeploy | null;
  /** Starting a deploy failed (e.g. 400/403/404); shown on the card that offered the button. */
  startError: { code: string; message: string } | null;
  /** A deploy start was refused because a part is down (503); shown with the other dependency banners. */
  startDependency: DependencyProblem | null;
  starting: boolean;
  now: number;
  /**
   * `last_deploy` from the change feed, which answers faster than the summary: a deploy that just ended is told
   * from it before the summary is re-read.
   */
  feedLastDeploy?: DeployBrief | null;
}

export interface StoppedStep {
  label: string;
  /** What the step says beyond the deploy's error; null when it would only repeat it. */
  detail: string | null;
}

export interface DeployView {
  instanceId: string;
  reason: string | null;
  requester: string | null;
  outcome: DeployOutcome;
  terminal: boolean;
  phase: string | null;
  phaseLabel: string;
  steps: PhaseStep[];
  /** Milliseconds since the server created the deploy; null when the server gave no creation time. */
  ageMs: number | null;
  /** Queued (Pending) for longer than PENDING_WARN_MS. */
  pendingTooLong: boolean;
  /** Set after repeated status-read failures; the page keeps polling with back-off. */
  statusTrouble: string | null;
  error: DeployError | null;
  /** The error's code when it says something the words do not (not for a plain cancel). */
  errorCode: string | null;
  /** The result's one-line headline; for an automatic update it names the digest, the time and the cause. */
  headline: string;
  /** The error in words (phase labels, short digests), unless the headline already says it. */
  message: string | null;
  /** The steps it failed or stopped in, each detail said only when it adds to the message. */
  stoppedAt: StoppedStep[];
  rollback: unknown;
  /** What the cluster runs after it, in words (the server's `cluster_state`); null while it runs. */
  clusterState: string | null;
  image: string | null;
  previousImage: string | null;
  tag: string | null;
  digest: string | null;
  finishedAt: string | null;
  cancel: TrackedDeploy['cancel'];
  /** Cancel is offered only while the deploy can still be stopped and no cancel is pending. */
  canCancel: boolean;
}

export interface UpdateAdvice {
  /** ELB_OPENAPI_TAG: what Rebuild & Deploy builds. */
  pinnedTag: string;
  /** The tag Update deploys: the target's choice, its policy's tag or the newest in its range, else the pin. */
  desiredTag: string;
  deployedTag: string | null;
  deployedDigest: string | null;
  registryDigest: string | null;
  /** The registry's digest for the pinned tag differs from the deployed one (or the deployed tag is not the pin). */
  updateAvailable: boolean;
  /** An update is available and its digest has not failed before: the Update button is the primary action. */
  recommended: boolean;
  /** The registry's digest failed before: "sha256:960f… failed on 12:03 UTC: crash loop; rolled back". */
  failedDigest: string | null;
  /** The registry could not be read, so the page cannot tell whether an update exists. */
  registryUnknown: boolean;
  /** The server's reason the registry could not be read. */
  registryError: string | null;
  /** "Drift: the cluster runs X, elb-control deployed Y (since …)" when the cluster was changed outside elb-control. */
  drift: string | null;
  /** What the last reconcile pass found ("Last reconcile 22:01 UTC: …"), or null before the first. */
  reconcile: string | null;
  newerTags: string[];
  /** What Rebuild & Deploy would build (`elb-openapi:3.4`); null when the server does not offer it. */
  rebuildImage: string | null;
}

interface Base {
  summary: TargetSummary;
  /** The summary could not be refreshed; what is shown may be stale. */
  staleWarning: string | null;
  startError: { code: string; message: string } | null;
  starting: boolean;
  /** Parts that do not answer, each shown once as a banner. */
  dependencies: DependencyProblem[];
  /** Why Deploy and Update are disabled (a part is down); null when they are offered. */
  blocked: string | null;
  /** The registry's digest failed before (for the Deploy card; the Update card has it in its advice). */
  failedDigest: string | null;
}

export type DocsPageState =
  | { kind: 'loading' }
  | { kind: 'unreachable'; error: { code: string; message: string } }
  /** The URL names a target the server does not have: a link to the target list, not a useless Try again. */
  | { kind: 'unknown_target'; error: { code: string; message: string } }
  | (Base & { kind: 'not_installed'; lastDeploy: DeployView | null })
  /** The cluster could not be read, so "not installed" would be a guess; Deploy is not offered on a guess. */
  | (Base & { kind: 'service_unknown'; error: string; lastDeploy: DeployView | null })
  | (Base & { kind: 'installing'; deploy: DeployView })
  | (Base & { kind: 'installed'; update: UpdateAdvice; lastDeploy: DeployView | null })
  | (Base & { kind: 'updating'; update: UpdateAdvice; deploy: DeployView });

/** What nextTrackedId needs to know about the deploy the page follows now. */
export interface FollowedDeploy {
  instanceId: string;
  terminal: boolean;
  /** When the server created it (ms), if known. */
  createdMs: number | null;
}

/**
 * Which deploy the page should follow next. The server is the source: its `active_deploy` always wins (it may
 * have been started by another tab, a user, the API or a registry push). A deploy the page started itself is kept
 * while it runs (the summary may not list it yet). Otherwise the page shows the target's most recent deploy
 * (`last_deploy`) until the user dismisses it; one the page follows that is newer than a stale summary's is kept.
 */
export function nextTrackedId(
  current: FollowedDeploy | null,
  summary: { active_deploy: { instance_id: string } | null; last_deploy: DeployBrief | null } | null,
  dismissed: (deployId: string) => boolean = () => false,
): string | null {
  const active = summary?.active_deploy?.instance_id;
  if (active) return active;
  if (current && !current.terminal) return current.instanceId;
  const last = summary?.last_deploy ?? null;
  if (!last) return current?.instanceId ?? null;
  if (current && current.instanceId !== last.deploy_id) {
    const lastStarted = parseTime(last.started_at);
    if (current.createdMs !== null && lastStarted !== null && current.createdMs > lastStarted)
      return current.instanceId;
  }
  return dismissed(last.deploy_id) ? null : last.deploy_id;
}

/** The outcome: the status read when it has one; the summary's record when it ended and the status lags. */
function outcomeFor(
  tracked: TrackedDeploy,
  active: TargetSummary['active_deploy'],
  brief: DeployBrief | null,
): DeployOutcome {
  const status = tracked.status.value;
  const briefOutcome = brief?.finished_at ? outcomeOfBrief(brief.status) : null;
  if (status) {
    const fromStatus = outcomeOf(status);
    return !isTerminal(fromStatus) && briefOutcome && isTerminal(briefOutcome) ? briefOutcome : fromStatus;
  }
  // A purged Durable instance still has its history record: the record's outcome is the truth then.
  if (tracked.notFound) return briefOutcome ?? 'unknown';
  if (active) return outcomeOfRuntime(active.runtime_status, active.phase);
  if (brief) return outcomeOfBrief(brief.status);
  return 'queued';
}

/** The record of the followed deploy: the summary's or the feed's, whichever says it finished (the feed is fresher). */
function briefOf(instanceId: string, summary: TargetSummary, feed: DeployBrief | null): DeployBrief | null {
  const candidates = [summary.last_deploy, feed].filter((b): b is DeployBrief => b?.deploy_id === instanceId);
  return candidates.find((b) => b.finished_at !== null) ?? candidates[0] ?? null;
}

function deployView(tracked: TrackedDeploy, summary: TargetSummary, now: number, feed: DeployBrief | null): DeployView {
  const status = tracked.status.value;
  const active = summary.active_deploy?.instance_id === tracked.instanceId ? summary.active_deploy : null;
  const brief = briefOf(tracked.instanceId, summary, feed);
  const outcome = outcomeFor(tracked, active, brief);
  const phase = status?.phase ?? active?.phase ?? null;
  const created = parseTime(status?.created_time ?? brief?.started_at);
  const ageMs = created === null ? null : Math.max(0, now - created);
  const terminal = isTerminal(outcome);
  // A cancel the server has recorded counts even if it was requested from another tab or before a reload.
  const cancel =
    tracked.cancel === 'none' && (status?.cancel_requested || active?.cancel_requested || brief?.cancel_requested)
      ? 'requested'
      : tracked.cancel;
  const troubled = !terminal && tracked.status.consecutiveErrors >= STATUS_ERRORS_BEFORE_WARNING;
  const notFoundError: DeployError | null =
    tracked.notFound && !brief
      ? {
          code: 'deploy_not_found',
          message: `The server has no record of deploy ${tracked.instanceId}. It may have been purged.`,
          diagnostics: null,
        }
      : null;
  const error: DeployError | null =
    notFoundError ?? status?.output?.error ?? (brief?.error ? { ...brief.error, diagnostics: null } : null);
  const steps = phaseSteps(status?.timeline ?? [], phase, now);
  const reason = tracked.reason ?? active?.reason ?? brief?.reason ?? null;
  const digest = brief?.digest ?? status?.output?.digest ?? null;
  const finishedAt = brief?.finished_at ?? (terminal ? (status?.last_updated_time ?? null) : null);
  const cancelTooLate = outcome === 'succeeded' && cancel === 'requested';
  const auto = terminal
    ? autoUpdateHeadline({ reason, tag: brief?.tag ?? null, digest, finished_at: finishedAt, error }, outcome, now)
    : null;
  const cancelled = outcome === 'cancelled';
  // A cancel's "error" is its own story ("cancelled on request during …"): it becomes the headline, said once.
  const cancelStory =
    cancelled && !auto && error?.code === 'cancelled' && /^cancell?ed\b/i.test(error.message)
      ? `${operationNoun(reason)} ${readableMessage(error.message)}`
      : null;
  const headline = cancelTooLate
    ? `${operationNoun(reason)} succeeded: it finished before the cancel took effect`
    : (auto ?? cancelStory ?? outcomeHeadline(outcome, reason));
  // An automatic update's headline already carries the cause (except a cancel's, which names the step).
  const message = error && !cancelStory && !(auto && !cancelled) ? readableMessage(error.message) : null;
  const stoppedAt = cancelled
    ? []
    : steps
        .filter((step) => step.status === 'failed')
        .map((step) => ({ label: step.label, detail: distinctDetail(step.detail, error) }));
  const clusterState = status?.output?.cluster_state ?? brief?.cluster_state ?? null;
  return {
    instanceId: tracked.instanceId,
    reason,
    requester: brief?.requester ?? null,
    outcome,
    terminal,
    phase,
    phaseLabel: outcome === 'queued' ? phaseLabel('queued') : phaseLabel(phase),
    steps,
    ageMs,
    // The server may flag a deploy as stuck too (it knows its own queue); either is enough to warn.
    pendingTooLong:
      outcome === 'queued' &&
      ((ageMs !== null && ageMs >= PENDING_WARN_MS) || status?.stuck === true || active?.stuck === true),
    statusTrouble: troubled
      ? `Lost contact with the deploy status (${tracked.status.consecutiveErrors} failed reads: ${tracked.status.error?.message ?? 'unknown error'}). Still retrying; the deploy itself continues on the server.`
      : null,
    error,
    errorCode: error && error.code !== 'cancelled' ? error.code : null,
    headline,
    message,
    stoppedAt,
    rollback: status?.output?.rollback ?? null,
    clusterState: terminal && clusterState ? clusterStateText(clusterState) : null,
    image: status?.output?.image ?? status?.image ?? null,
    previousImage: status?.output?.previous_image ?? null,
    tag: brief?.tag ?? null,
    digest,
    finishedAt,
    cancel,
    canCancel: !terminal && outcome !== 'rolling_back' && cancel !== 'requested',
  };
}

export function updateAdvice(summary: TargetSummary, now: number): UpdateAdvice {
  const deployedDigest = summary.deployed?.digest ?? null;
  const registryDigest = summary.registry?.digest ?? null;
  const deployedTag = summary.deployed?.tag ?? null;
  const digestsDiffer = deployedDigest !== null && registryDigest !== null && deployedDigest !== registryDigest;
  const tagDiffers = deployedTag !== null && deployedTag !== summary.desired_tag;
  const updateAvailable = summary.update_available || digestsDiffer || tagDiffers;
  const failed = summary.registry_digest_failed;
  return {
    pinnedTag: summary.pinned_tag,
    desiredTag: summary.desired_tag,
    deployedTag,
    deployedDigest: shortDigest(deployedDigest),
    registryDigest: shortDigest(registryDigest),
    updateAvailable,
    recommended: updateAvailable && failed === null,
    failedDigest: failed ? failedDigestText(failed, now) : null,
    registryUnknown: summary.registry === null || registryDigest === null,
    registryError: summary.registry?.error ?? null,
    drift: driftText(summary, now),
    reconcile: reconcileText(summary, now),
    newerTags: newerTags(summary.registry?.tags ?? [], summary.desired_tag),
    rebuildImage: summary.rebuild?.image ?? null,
  };
}

export function deriveDocsState(inputs: DocsInputs): DocsPageState {
  const summary = inputs.summary.value;
  if (!summary) {
    const error = inputs.summary.error;
    if (!error) return { kind: 'loading' };
    return error.code === 'unknown_target' ? { kind: 'unknown_target', error } : { kind: 'unreachable', error };
  }
  // A refused start names a part the summary may not list yet; each part is said once.
  const extra = inputs.startDependency;
  const dependencies =
    extra && !summary.dependencies.some((d) => d.code === extra.code)
      ? [...summary.dependencies, extra]
      : summary.dependencies;
  const base: Base = {
    summary,
    staleWarning: inputs.summary.error
      ? `Could not refresh the service state (${inputs.summary.error.message}); showing what the server said last. Retrying.`
      : null,
    startError: inputs.startError,
    starting: inputs.starting,
    dependencies,
    blocked: blockedReason(summary.dependencies),
    failedDigest: summary.registry_digest_failed ? failedDigestText(summary.registry_digest_failed, inputs.now) : null,
  };
  const installed = summary.service.installed;
  const deploy = inputs.tracked ? deployView(inputs.tracked, summary, inputs.now, inputs.feedLastDeploy ?? null) : null;
  // A deploy the server reports as active but whose status the page has not read yet is still a running deploy.
  const running = deploy !== null && !deploy.terminal;
  if (!installed && !running && summary.service.error) {
    return { ...base, kind: 'service_unknown', error: summary.service.error, lastDeploy: deploy };
  }
  if (!installed) {
    return running ? { ...base, kind: 'installing', deploy } : { ...base, kind: 'not_installed', lastDeploy: deploy };
  }
  const update = updateAdvice(summary, inputs.now);
  return running
    ? { ...base, kind: 'updating', update, deploy }
    : { ...base, kind: 'installed', update, lastDeploy: deploy };
}
