import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { Task, TaskStatus, initialState } from '@lit/task';
import { api, describeError } from '../api/client.js';
import type { DeploymentRecord } from '../api/types.js';
import { formatDuration, formatTimestamp, parseTime, shortDigest } from '../core/format.js';
import { nextPollDelay } from '../core/polling.js';
import { Poller } from '../controllers/poller.js';
import { sharedStyles } from './shared-styles.js';
import './elb-phase-chart.js';
import './elb-target-picker.js';

/** Results that mean the deploy is over; anything else is treated as still running (polled briskly). */
const FINISHED = new Set([
  'unknown',
  'succeeded',
  'failed',
  'rolled_back',
  'cancelled',
  'canceled',
  'terminated',
  'blocked',
  'completed',
]);

const RESULT_BADGE: Record<string, string> = {
  succeeded: 'ok',
  completed: 'ok',
  failed: 'danger',
  rolled_back: 'danger',
  terminated: 'danger',
  blocked: 'warn',
  cancelled: 'warn',
  canceled: 'warn',
};

function durationOf(record: DeploymentRecord): number | null {
  if (record.elapsed_seconds !== null) return record.elapsed_seconds * 1000;
  const start = parseTime(record.started_at);
  const end = parseTime(record.ended_at);
  return start !== null && end !== null ? end - start : null;
}

/** A target's deploys, newest first, with the phase-timing chart. */
export class ElbHistoryPage extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      h1 {
        font-size: 1.5rem;
        margin: 0 0 1rem;
      }
      .table-wrap {
        overflow-x: auto;
      }
      .when {
        white-space: nowrap;
      }
      .error-text {
        color: var(--elb-danger);
      }
    `,
  ];
  static override properties = {
    target: { type: String },
    records: { state: true },
    errors: { state: true },
  };

  declare target: string | null;
  /** Last good answer for the shown target, kept while later reads fail. */
  declare records: DeploymentRecord[] | null;
  declare errors: number;

  private shownTarget: string | null = null;

  private readonly targetsTask = new Task(this, {
    task: (_args, { signal }) => api.targets(signal),
    args: () => [] as const,
  });

  private readonly historyTask = new Task(this, {
    task: ([target], { signal }) => (target ? api.deployments(target, signal) : initialState),
    args: () => [this.effectiveTarget] as const,
    onComplete: (records) => {
      this.records = records;
      this.errors = 0;
      this.poller.scheduleNext();
    },
    onError: () => {
      this.errors++;
      this.poller.scheduleNext();
    },
  });

  private readonly poller = new Poller(this, {
    run: () => void this.historyTask.run(),
    delay: () =>
      nextPollDelay({
        deployActive: (this.records ?? []).some((r) => !FINISHED.has(r.status)),
        activeForMs: 0,
        consecutiveErrors: this.errors,
        hidden: document.visibilityState === 'hidden',
      }),
  });

  constructor() {
    super();
    this.target = null;
    this.records = null;
    this.errors = 0;
  }

  private get effectiveTarget(): string | null {
    return this.target ?? this.targetsTask.value?.[0]?.target ?? null;
  }

  protected override willUpdate(_changed: PropertyValues<this>): void {
    if (this.effectiveTarget !== this.shownTarget) {
      this.shownTarget = this.effectiveTarget;
      this.records = null;
      this.errors = 0;
    }
  }

  private renderTable(records: DeploymentRecord[]) {
    return html`<div class="table-wrap card">
      <table>
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
                <td class="when">${formatTimestamp(r.started_at)}<br /><code class="muted">${r.instance_id}</code></td>
                <td>${r.reason ?? '—'}</td>
                <td>
                  <span class="badge ${RESULT_BADGE[r.status] ?? 'accent'}">${r.status.replace(/_/g, ' ')}</span>
                  ${r.rollback_status ? html`<br /><span class="muted">rollback ${r.rollback_status}</span>` : nothing}
                </td>
                <td><code>${r.tag ?? '—'}</code> <code>${shortDigest(r.digest) ?? ''}</code></td>
                <td>${formatDuration(durationOf(r))}</td>
                <td>
                  ${r.error ? html`<span class="error-text">${r.error.message}</span> <code>${r.error.code}</code>` : '—'}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const targets = this.targetsTask.value?.map((s) => s.target) ?? [];
    const targetError =
      this.targetsTask.status === TaskStatus.ERROR && !this.effectiveTarget
        ? describeError(this.targetsTask.error)
        : null;
    const historyError = this.historyTask.status === TaskStatus.ERROR ? describeError(this.historyTask.error) : null;
    const error = targetError ?? historyError;
    const records = this.records;
    return html`<h1>
        History${this.effectiveTarget ? html` <span class="muted">· ${this.effectiveTarget}</span>` : nothing}
      </h1>
      <elb-target-picker .targets=${targets} .selected=${this.effectiveTarget}></elb-target-picker>
      ${
        error
          ? html`<div class="notice error" role="alert">
              Could not read the deploy history: ${error.message}
              <code>${error.code}</code>${records ? ' Showing the last answer; retrying.' : ''}
            </div>`
          : nothing
      }
      ${
        records === null
          ? error
            ? html`<button
                type="button"
                @click=${() => (targetError ? void this.targetsTask.run() : this.poller.now())}
              >
                Try again
              </button>`
            : html`<p class="muted" role="status">Loading the deploy history…</p>`
          : records.length === 0
            ? html`<p class="card">No deploys yet on this target.</p>`
            : html`<section class="card" aria-labelledby="chart-title">
                  <h2 id="chart-title">Phase timings</h2>
                  <elb-phase-chart .records=${records.slice(0, 20)}></elb-phase-chart>
                </section>
                <h2>Deploys</h2>
                ${this.renderTable(records)}`
      }`;
  }
}

customElements.define('elb-history-page', ElbHistoryPage);

declare global {
  interface HTMLElementTagNameMap {
    'elb-history-page': ElbHistoryPage;
  }
}
