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

/** A one-line, user-facing headline for each outcome. */
export function outcomeHeadline(outcome: DeployOutcome): string {
  switch (outcome) {
    case 'queued':
      return 'Deploy queued';
    case 'running':
      return 'Deploy in progress';
    case 'rolling_back':
      return 'Deploy failed — rolling back';
    case 'suspended':
      return 'Deploy suspended';
    case 'succeeded':
      return 'Deploy succeeded';
    case 'failed':
      return 'Deploy failed';
    case 'rolled_back':
      return 'Deploy failed and was rolled back';
    case 'cancelled':
      return 'Deploy cancelled';
    case 'terminated':
      return 'Deploy terminated';
    case 'unknown':
      return 'Deploy ended with a result the dashboard does not recognise';
  }
}
