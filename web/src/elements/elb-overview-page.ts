import { LitElement, css, html, nothing } from 'lit';
import { Task, TaskStatus } from '@lit/task';
import { api, describeError } from '../api/client.js';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { phaseLabel } from '../core/phases.js';
import { updateAdvice } from '../core/page-state.js';
import { nextPollDelay } from '../core/polling.js';
import { routeHref } from '../core/routes.js';
import { Poller } from '../controllers/poller.js';
import { sharedStyles } from './shared-styles.js';

/** Every configured target and the state of elb-openapi on it. */
export class ElbOverviewPage extends LitElement {
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
    `,
  ];
  static override properties = { errors: { state: true }, targets: { state: true } };

  declare errors: number;
  /** The last good answer, kept while later reads fail (a Task forgets its value on error). */
  declare targets: TargetSummary[] | null;

  private readonly targetsTask = new Task(this, {
    task: (_args, { signal }) => api.targets(signal),
    args: () => [] as const,
    onComplete: (targets) => {
      this.targets = targets;
      this.errors = 0;
      this.poller.scheduleNext();
    },
    onError: () => {
      this.errors++;
      this.poller.scheduleNext();
    },
  });

  private readonly poller = new Poller(this, {
    run: () => void this.targetsTask.run(),
    delay: () =>
      nextPollDelay({
        deployActive: (this.targets ?? []).some((t) => t.active_deploy !== null),
        activeForMs: 0,
        consecutiveErrors: this.errors,
        hidden: document.visibilityState === 'hidden',
      }),
  });

  constructor() {
    super();
    this.errors = 0;
    this.targets = null;
  }

  private stateCell(summary: TargetSummary) {
    if (summary.active_deploy) {
      return html`<span class="badge accent">Deploying</span> ${phaseLabel(summary.active_deploy.phase)}`;
    }
    if (!summary.service.installed) return html`<span class="badge">Not installed</span>`;
    if (updateAdvice(summary).updateAvailable) return html`<span class="badge warn">Update available</span>`;
    return html`<span class="badge ok">Running</span>`;
  }

  private renderTable(targets: TargetSummary[]) {
    if (targets.length === 0) return html`<p>The server has no targets configured (<code>ELB_TARGETS</code>).</p>`;
    return html`<div class="table-wrap card">
      <table>
        <caption class="visually-hidden">
          Targets and the state of elb-openapi on each
        </caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Kind · namespace</th>
            <th scope="col">State</th>
            <th scope="col">Deployed</th>
            <th scope="col">Registry (pinned tag)</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          ${targets.map(
            (t) =>
              html`<tr>
                <th scope="row"><a href=${routeHref('docs', t.target)}>${t.target}</a></th>
                <td>${t.kind}${t.namespace ? html` · <code>${t.namespace}</code>` : nothing}</td>
                <td>${this.stateCell(t)}</td>
                <td>
                  ${t.deployed ? html`<code>${t.deployed.tag ?? '?'}</code> <code>${shortDigest(t.deployed.digest) ?? ''}</code>` : '—'}
                </td>
                <td>
                  <code>${t.pinned_tag}</code>
                  ${t.registry?.digest ? html`<code>${shortDigest(t.registry.digest)}</code>` : html`<span class="muted">unknown</span>`}
                </td>
                <td>${t.service.base_url ? html`<code>${t.service.base_url}</code>` : '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    const task = this.targetsTask;
    const error = task.status === TaskStatus.ERROR ? describeError(task.error) : null;
    return html`<h1>Overview</h1>
      ${
        error
          ? html`<div class="notice error" role="alert">
              Could not read the targets: ${error.message}
              <code>${error.code}</code>${this.targets ? ' Showing the last answer; retrying.' : ''}
            </div>`
          : nothing
      }
      ${this.targets ? this.renderTable(this.targets) : error ? nothing : html`<p class="muted" role="status">Loading targets…</p>`}
      ${error && !this.targets ? html`<button type="button" @click=${() => this.poller.now()}>Try again</button>` : nothing}`;
  }
}

customElements.define('elb-overview-page', ElbOverviewPage);

declare global {
  interface HTMLElementTagNameMap {
    'elb-overview-page': ElbOverviewPage;
  }
}
