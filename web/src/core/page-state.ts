// The /docs page's one explicit state, derived from what the server said and nothing else. Elements render
// this value; they do not combine conditions of their own, so two contradictory cards can never stack
// (reference system bug §15.39) and every state is reachable from a unit test with a fixed clock.
import type { DeployError, DeployStatus, TargetSummary } from '../api/types.js';
import { newerTags, parseTime, shortDigest } from './format.js';
import { isTerminal, outcomeOf, outcomeOfRuntime, type DeployOutcome } from './outcome.js';
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
  starting: boolean;
  now: number;
}

export interface DeployView {
  instanceId: string;
  reason: string | null;
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
  rollback: unknown;
  /** The server's description of the cluster after a failure or cancel. */
  clusterState: string | null;
  image: string | null;
  previousImage: string | null;
  cancel: TrackedDeploy['cancel'];
  /** Cancel is offered only while the deploy can still be stopped and no cancel is pending. */
  canCancel: boolean;
}

export interface UpdateAdvice {
  pinnedTag: string;
  deployedTag: string | null;
  deployedDigest: string | null;
  registryDigest: string | null;
  /** The registry's digest for the pinned tag differs from the deployed one (or the deployed tag is not the pin). */
  updateAvailable: boolean;
  /** The registry could not be read, so the page cannot tell whether an update exists. */
  registryUnknown: boolean;
  /** The server's reason the registry could not be read. */
  registryError: string | null;
  /** The image the cluster runs when it is not the one elb-control deployed (changed outside elb-control). */
  driftImage: string | null;
  newerTags: string[];
}

interface Base {
  summary: TargetSummary;
  /** The summary could not be refreshed; what is shown may be stale. */
  staleWarning: string | null;
  startError: { code: string; message: string } | null;
  starting: boolean;
}

export type DocsPageState =
  | { kind: 'loading' }
  | { kind: 'unreachable'; error: { code: string; message: string } }
  | (Base & { kind: 'not_installed'; lastDeploy: DeployView | null })
  /** The cluster could not be read, so "not installed" would be a guess; Deploy is not offered on a guess. */
  | (Base & { kind: 'service_unknown'; error: string; lastDeploy: DeployView | null })
  | (Base & { kind: 'installing'; deploy: DeployView })
  | (Base & { kind: 'installed'; update: UpdateAdvice; lastDeploy: DeployView | null })
  | (Base & { kind: 'updating'; update: UpdateAdvice; deploy: DeployView });

/**
 * Which deploy the page should follow next. The server is the source: its `active_deploy` always wins (it may
 * have been started by another tab, a user, or a registry push); otherwise the page keeps following the deploy
 * it already follows until the user dismisses its result.
 */
export function nextTrackedId(current: string | null, summary: TargetSummary | null): string | null {
  return summary?.active_deploy?.instance_id ?? current;
}

function deployView(tracked: TrackedDeploy, summary: TargetSummary, now: number): DeployView {
  const status = tracked.status.value;
  const active = summary.active_deploy?.instance_id === tracked.instanceId ? summary.active_deploy : null;
  let outcome: DeployOutcome;
  if (tracked.notFound) outcome = 'unknown';
  else if (status) outcome = outcomeOf(status);
  else if (active) outcome = outcomeOfRuntime(active.runtime_status, active.phase);
  else outcome = 'queued';
  const phase = status?.phase ?? active?.phase ?? null;
  const created = parseTime(status?.created_time);
  const ageMs = created === null ? null : Math.max(0, now - created);
  const terminal = isTerminal(outcome);
  // A cancel the server has recorded counts even if it was requested from another tab or before a reload.
  const cancel = tracked.cancel === 'none' && status?.cancel_requested ? 'requested' : tracked.cancel;
  const troubled = !terminal && tracked.status.consecutiveErrors >= STATUS_ERRORS_BEFORE_WARNING;
  const notFoundError: DeployError | null = tracked.notFound
    ? {
        code: 'deploy_not_found',
        message: `The server has no record of deploy ${tracked.instanceId}. It may have been purged.`,
        diagnostics: null,
      }
    : null;
  return {
    instanceId: tracked.instanceId,
    reason: tracked.reason ?? active?.reason ?? null,
    outcome,
    terminal,
    phase,
    phaseLabel: outcome === 'queued' ? phaseLabel('queued') : phaseLabel(phase),
    steps: phaseSteps(status?.timeline ?? [], phase, now),
    ageMs,
    // The server may flag a deploy as stuck too (it knows its own queue); either is enough to warn.
    pendingTooLong:
      outcome === 'queued' &&
      ((ageMs !== null && ageMs >= PENDING_WARN_MS) || status?.stuck === true || active?.stuck === true),
    statusTrouble: troubled
      ? `Lost contact with the deploy status (${tracked.status.consecutiveErrors} failed reads: ${tracked.status.error?.message ?? 'unknown error'}). Still retrying; the deploy itself continues on the server.`
      : null,
    error: notFoundError ?? status?.output?.error ?? null,
    rollback: status?.output?.rollback ?? null,
    clusterState: status?.output?.cluster_state ?? null,
    image: status?.output?.image ?? status?.image ?? null,
    previousImage: status?.output?.previous_image ?? null,
    cancel,
    canCancel: !terminal && outcome !== 'rolling_back' && cancel !== 'requested',
  };
}

export function updateAdvice(summary: TargetSummary): UpdateAdvice {
  const deployedDigest = summary.deployed?.digest ?? null;
  const registryDigest = summary.registry?.digest ?? null;
  const deployedTag = summary.deployed?.tag ?? null;
  const digestsDiffer = deployedDigest !== null && registryDigest !== null && deployedDigest !== registryDigest;
  const tagDiffers = deployedTag !== null && deployedTag !== summary.pinned_tag;
  return {
    pinnedTag: summary.pinned_tag,
    deployedTag,
    deployedDigest: shortDigest(deployedDigest),
    registryDigest: shortDigest(registryDigest),
    updateAvailable: summary.update_available || digestsDiffer || tagDiffers,
    registryUnknown: summary.registry === null || registryDigest === null,
    registryError: summary.registry?.error ?? null,
    driftImage: summary.drift?.detected ? (summary.drift.live_image ?? 'an unknown image') : null,
    newerTags: newerTags(summary.registry?.tags ?? [], summary.pinned_tag),
  };
}

export function deriveDocsState(inputs: DocsInputs): DocsPageState {
  const summary = inputs.summary.value;
  if (!summary) {
    return inputs.summary.error ? { kind: 'unreachable', error: inputs.summary.error } : { kind: 'loading' };
  }
  const base: Base = {
    summary,
    staleWarning: inputs.summary.error
      ? `Could not refresh the service state (${inputs.summary.error.message}); showing what the server said last. Retrying.`
      : null,
    startError: inputs.startError,
    starting: inputs.starting,
  };
  const installed = summary.service.installed;
  const deploy = inputs.tracked ? deployView(inputs.tracked, summary, inputs.now) : null;
  // A deploy the server reports as active but whose status the page has not read yet is still a running deploy.
  const running = deploy !== null && !deploy.terminal;
  if (!installed && !running && summary.service.error) {
    return { ...base, kind: 'service_unknown', error: summary.service.error, lastDeploy: deploy };
  }
  if (!installed) {
    return running ? { ...base, kind: 'installing', deploy } : { ...base, kind: 'not_installed', lastDeploy: deploy };
  }
  const update = updateAdvice(summary);
  return running
    ? { ...base, kind: 'updating', update, deploy }
    : { ...base, kind: 'installed', update, lastDeploy: deploy };
}
