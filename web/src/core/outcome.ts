// What a deploy's status means for the user. Every runtime status and every terminal `output.status` is
// handled explicitly, so a result the page does not recognise is shown as such instead of hanging in
// "deploying" (docs/dashboard.md, "The /docs page": Last deploy).
import type { DeployStatus } from '../api/types.js';

export type DeployOutcome =
  | 'queued'
  | 'running'
  | 'rolling_back'
  | 'suspended'
  | 'succeeded'
  | 'failed'
  | 'rolled_back'
  | 'cancelled'
  | 'terminated'
  | 'unknown';

const TERMINAL: ReadonlySet<DeployOutcome> = new Set([
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
  'unknown',
]);

export function isTerminal(outcome: DeployOutcome): boolean {
  return TERMINAL.has(outcome);
}

/** A finished orchestration's outcome; a missing output (not a deploy's, or not parseable) is `unknown`. */
function fromOutput(output: DeployStatus['output']): DeployOutcome {
  return output?.status ?? 'unknown';
}

/** Outcome from the runtime status alone (the summary's `active_deploy` carries no output). */
export function outcomeOfRuntime(runtimeStatus: string, phase: string | null): DeployOutcome {
  switch (runtimeStatus) {
    case 'Pending':
      return 'queued';
    case 'Running':
    case 'ContinuedAsNew':
      return phase === 'rolling_back' ? 'rolling_back' : 'running';
    case 'Suspended':
      return 'suspended';
    case 'Failed':
      return 'failed';
    case 'Terminated':
      return 'terminated';
    case 'Completed':
      return 'unknown';
    default:
      // A runtime status this page does not know is not evidence that the deploy ended.
      return 'running';
  }
}

export function outcomeOf(status: DeployStatus): DeployOutcome {
  if (status.runtime_status === 'Completed') return fromOutput(status.output);
  if (status.runtime_status === 'Failed' && status.output?.status === 'rolled_back') return 'rolled_back';
  return outcomeOfRuntime(status.runtime_status, status.phase);
}

/**
 * What an operation is called in headlines: a token rotation, a cluster start, a Rebuild & Deploy, or a deploy (every
 * other reason).
 */
export function operationNoun(reason: string | null): string {
  switch (reason) {
    case 'rotate_token':
      return 'Token rotation';
    case 'start_cluster':
      return 'Cluster start';
    case 'rebuild':
      return 'Rebuild & Deploy';
    default:
      return 'Deploy';
  }
}

/** A one-line, user-facing headline for each outcome of a deploy, or of a token rotation. */
export function outcomeHeadline(outcome: DeployOutcome, reason: string | null = null): string {
  const what = operationNoun(reason);
  switch (outcome) {
    case 'queued':
      return `${what} queued`;
    case 'running':
      return `${what} in progress`;
    case 'rolling_back':
      return reason === 'rotate_token'
        ? `${what} failed — restoring the previous token`
        : `${what} failed — rolling back`;
    case 'suspended':
      return `${what} suspended`;
    case 'succeeded':
      return reason === 'rotate_token' ? 'API token rotated' : `${what} succeeded`;
    case 'failed':
      return `${what} failed`;
    case 'rolled_back':
      return reason === 'rotate_token'
        ? `${what} failed and the previous token was restored`
        : `${what} failed and was rolled back`;
    case 'cancelled':
      return `${what} cancelled`;
    case 'terminated':
      return `${what} terminated`;
    case 'unknown':
      return `${what} ended with a result the dashboard does not recognise`;
  }
}
