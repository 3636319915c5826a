import { LitElement, css, html, nothing } from 'lit';
import { initialState } from '@lit/task';
import { api } from '../api/client.js';
import type { DeploymentRecord, TargetActivity } from '../api/types.js';
import { readableMessage, reasonText } from '../core/deploy-text.js';
import { formatDuration, formatTimestamp, parseTime, shortDigest } from '../core/format.js';
import { phaseLabel } from '../core/phases.js';
import { nextPollDelay } from '../core/polling.js';
import { ChangeFeed } from '../controllers/change-feed.js';
import { PolledRead } from '../controllers/polled-read.js';
import { TargetSelection } from '../controllers/target-selection.js';
import { readView } from './read-view.js';
import { pageStyles, sharedStyles } from './shared-styles.js';
import './elb-phase-chart.js';
import './elb-target-picker.js';

type RecordStatus = DeploymentRecord['status'];

/** Records that are over; `queued` and `running` ones are polled briskly. */
const FINISHED: ReadonlySet<RecordStatus> = new Set([
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'terminated',
  'rejected',
  'expired',
  'superseded',
]);

/** The badge of each status the contract allows (typed by it, so a new status cannot be forgotten here). */
const RESULT_BADGE: Record<RecordStatus, string> = {
  queued: 'accent',
  running: 'accent',
  succeeded: 'ok',
  failed: 'danger',
  rolled_back: 'danger',
  terminated: 'danger',
  cancelled: 'warn',
  rejected: 'warn',
  expired: 'warn',
  superseded: '',
};

function durationOf(record: DeploymentRecord): number | null {
  if (record.elapsed_seconds !== null) return record.elapsed_seconds * 1000;
  const start = parseTime(record.started_at);
  const end = parseTime(record.ended_at);
  return start !== null && end !== null ? end - start : null;
}

/** "approved by dana@…: canary is fine" under the reason of an update that waited for a decision. */
function decisionLine(r: DeploymentRecord) {
  if (!r.approval) return nothing;
  const verb = r.approval.decision === 'approve' ? 'approved' : 'rejected';
  const comment = r.approval.comment ? `: ${r.approval.comment}` : '';
  return html`<br /><span class="muted">${verb} by ${r.approval.by}${comment}</span>`;
}

/** A target's deploys, newest first, with the phase-timing chart. */
export class ElbHistoryPage extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      .when {
        white-space: nowrap;
      }
      @media (max-width: 48rem) {
        .when {
          white-space: normal;
        }
      }
      .error-text {
        color: var(--elb-danger);
      }
    `,
  ];
  static override properties = { target: { type: String } };

  /** The target named in the URL; null means "the first configured target". */
  declare target: string | null;

  private readonly targets = new TargetSelection(
    this,
    () => this.target,
    () => {
      this.history.reset();
      this.feed.reset();
    },
  );

  /** A deploy that starts or ends anywhere shows in the table within about a second. */
  private readonly feed = new ChangeFeed<TargetActivity>(this, {
    read: (signal) => {
      const target = this.targets.current;
      return target ? api.activity(target, signal) : null;
    },
    token: (activity) => activity.change_token,
    onChange: (_activity, first) => {
      if (!first) this.history.now();
    },
  });

  private readonly history = new PolledRead(this, {
    args: () => [this.targets.current] as const,
    read: ([target], signal) => (target ? api.deployments(target, signal) : initialState),
    delay: (read) =>
      nextPollDelay({
        deployActive: (read.value ?? []).some((r) => !FINISHED.has(r.status)),
        activeForMs: 0,
        consecutiveErrors: read.consecutiveErrors,
        hidden: document.visibilityState === 'hidden',
      }),
  });

  constructor() {
    super();
    this.target = null;
  }

  /** The error column: the error once, in words, and where it failed — or where it was cancelled. */
  private renderError(r: DeploymentRecord) {
    const cancelled = r.status === 'cancelled';
    const where = r.failed_phase
      ? html`<br /><span class="muted"
            >${cancelled ? 'Cancelled during' : 'Failed in'}: ${phaseLabel(r.failed_phase)}</span
          >`
      : nothing;
    const error = r.error
      ? cancelled
        ? html`<span class="muted">${readableMessage(r.error.message)}</span>`
        : html`<span class="error-text">${readableMessage(r.error.message)}</span> <code>${r.error.code}</code>`
      : r.failed_phase
        ? nothing
        : '—';
    return html`${error}${where}`;
  }

  private renderTable(records: DeploymentRecord[]) {
    return html`<div class="table-wrap card">
      <table class="reflow">
        <caption class="visually-hidden">
          Deploys of elb-openapi, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Reason</th>
            <th scope="col">Result</th>
            <th scope="col">Image</th>
            <th scope="col">Duration</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          ${records.map(
            (r) =>
              html`<tr>
                <td class="when" data-label="Started">
                  ${formatTimestamp(r.started_at)}<br /><code class="muted">${r.instance_id}</code>
                </td>
                <td data-label="Reason">
                  ${reasonText(r.reason, r.requester) || '—'}${decisionLine(r)}${
                    r.window_override
                      ? html`<br /><span class="muted"
                            >outside the window, by ${r.window_override.by}: ${r.window_override.reason}</span
                          >`
                      : nothing
                  }
                </td>
                <td data-label="Result">
                  <span class="badge ${RESULT_BADGE[r.status]}">${r.status.replace(/_/g, ' ')}</span>
                  ${r.rollback_status ? html`<br /><span class="muted">rollback ${r.rollback_status}</span>` : nothing}
                </td>
                <td data-label="Image"><code>${r.tag ?? '—'}</code> <code>${shortDigest(r.digest) ?? ''}</code></td>
                <td data-label="Duration">${formatDuration(durationOf(r))}</td>
                <td data-label="Error">${this.renderError(r)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const target = this.targets.current;
    const problem = this.targets.problem;
    return html`<h1>History${target ? html` <span class="muted">· ${target}</span>` : nothing}</h1>
      <elb-target-picker .targets=${this.targets.names} .selected=${target}></elb-target-picker>
      ${readView(problem ? { value: null, error: problem } : this.history.state, {
        what: 'the deploy history',
        loading: 'Loading the deploy history…',
        retry: () => (problem ? this.targets.retry() : this.history.now()),
        render: (records) =>
          records.length === 0
            ? html`<p class="card">No deploys yet on this target.</p>`
            : html`<section class="card" aria-labelledby="chart-title">
                  <h2 id="chart-title">Phase timings</h2>
                  <elb-phase-chart .records=${records.slice(0, 20)}></elb-phase-chart>
                </section>
                <h2>Deploys</h2>
                ${this.renderTable(records)}`,
      })}`;
  }
}

customElements.define('elb-history-page', ElbHistoryPage);

declare global {
  interface HTMLElementTagNameMap {
    'elb-history-page': ElbHistoryPage;
  }
}
