import { pendingHeadline, policyText } from '../core/update-text.js';
import { LitElement, css, html, nothing } from 'lit';
import { api, describeError } from '../api/client.js';
import type { WaveView } from '../../../core/contract/waves.js';
import type { TargetActivity, TargetSummary } from '../api/types.js';
import { briefText } from '../core/deploy-text.js';
import { shortDigest } from '../core/format.js';
import { nextPollDelay } from '../core/polling.js';
import { routeHref } from '../core/routes.js';
import { targetState } from '../core/target-row.js';
import { ChangeFeed } from '../controllers/change-feed.js';
import { PolledRead } from '../controllers/polled-read.js';
import { Clock } from '../controllers/clock.js';
import { countsDown } from '../core/wave-text.js';
import './elb-wave-view.js';
import { readView } from './read-view.js';
import { pageStyles, sharedStyles } from './shared-styles.js';

/** Every configured target, the state of elb-openapi on it and its last deploy, however it was started. */
export class ElbOverviewPage extends LitElement {
  static override styles = [
    sharedStyles,
    pageStyles,
    css`
      .detail {
        display: block;
        font-size: 0.875rem;
      }
      .last.danger {
        color: var(--elb-danger);
      }
    `,
  ];

  private readonly targets = new PolledRead(this, {
    args: () => [] as const,
    read: (_args, signal) => api.targets(signal),
    delay: (read) =>
      nextPollDelay({
        deployActive: (read.value ?? []).some((t) => t.active_deploy !== null),
        activeForMs: 0,
        consecutiveErrors: read.consecutiveErrors,
        hidden: document.visibilityState === 'hidden',
        degraded: (read.value ?? []).some((t) => t.dependencies.length > 0),
      }),
  });

  /** The running or the last wave (ELB_WAVES); read briskly while one runs. */
  private readonly waves = new PolledRead(this, {
    args: () => [] as const,
    read: (_args, signal) => api.waves(signal),
    delay: (read) =>
      nextPollDelay({
        deployActive: (read.value ?? []).some((w) => w.finished_at === null),
        activeForMs: 0,
        consecutiveErrors: read.consecutiveErrors,
        hidden: document.visibilityState === 'hidden',
      }),
  });

  private readonly clock = new Clock(this, () => countsDown(this.waves.state.value?.[0] ?? null));

  private cancelling = false;
  private cancelError: string | null = null;

  private async cancelWave(waveId: string) {
    this.cancelling = true;
    this.cancelError = null;
    this.requestUpdate();
    try {
      await api.cancelWave(waveId);
    } catch (error) {
      this.cancelError = describeError(error).message;
    }
    this.cancelling = false;
    this.waves.now();
  }

  private renderWave() {
    const wave: WaveView | undefined = this.waves.state.value?.[0];
    if (!wave) return nothing;
    return html`<elb-wave-view
        .wave=${wave}
        .now=${Date.now()}
        ?cancelling=${this.cancelling}
        @elb-wave-cancel=${(e: { waveId: string }) => void this.cancelWave(e.waveId)}
      ></elb-wave-view>
      ${this.cancelError ? html`<p class="notice error" role="alert">${this.cancelError}</p>` : nothing}`;
  }

  /** Any target's change token moving (a deploy started or ended anywhere) re-reads the list at once. */
  private readonly feed = new ChangeFeed<TargetActivity[]>(this, {
    read: (signal) => api.allActivity(signal),
    token: (list) => list.map((a) => `${a.target}=${a.change_token}`).join('\n'),
    onChange: (_list, first) => {
      if (first) return;
      this.targets.now();
      this.waves.now();
    },
  });

  private stateCell(summary: TargetSummary, now: number) {
    const state = targetState(summary, now);
    return html`<span class="badge ${state.tone}">${state.label}</span>${
        state.detail ? html`<span class="detail">${state.detail}</span>` : nothing
      }`;
  }

  private lastDeployCell(summary: TargetSummary, now: number) {
    const brief = summary.last_deploy;
    if (!brief) return html`<span class="muted">none yet</span>`;
    const { text, tone } = briefText(brief, now);
    return html`<span class="last ${tone}">${text}</span>`;
  }

  /** The update policy, and an update waiting for approval or the window (docs/policies.md). */
  private updateLines(t: TargetSummary, now: number) {
    if (!t.policy) return nothing;
    const pending = t.pending_update;
    return html`${
        pending
          ? html`<br /><a class="pending" href=${routeHref('docs', t.target)}>${pendingHeadline(pending, now)}</a>`
          : nothing
      }<br /><span class="muted">Policy: ${policyText(t.policy, t.pinned_tag)}</span>`;
  }

  private renderTable(targets: TargetSummary[]) {
    if (targets.length === 0) return html`<p>The server has no targets configured (<code>ELB_TARGETS</code>).</p>`;
    const now = Date.now();
    return html`<div class="table-wrap card">
      <table class="reflow">
        <caption class="visually-hidden">
          Targets and the state of elb-openapi on each
        </caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Kind · namespace</th>
            <th scope="col">State</th>
            <th scope="col">Last deploy</th>
            <th scope="col">Deployed</th>
            <th scope="col">Registry (desired tag)</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          ${targets.map(
            (t) =>
              html`<tr>
                <th scope="row"><a href=${routeHref('docs', t.target)}>${t.target}</a></th>
                <td data-label="Kind">${t.kind}${t.namespace ? html` · <code>${t.namespace}</code>` : nothing}</td>
                <td data-label="State">${this.stateCell(t, now)}${this.updateLines(t, now)}</td>
                <td data-label="Last deploy">${this.lastDeployCell(t, now)}</td>
                <td data-label="Deployed">
                  ${t.deployed ? html`<code>${t.deployed.tag ?? '?'}</code> <code>${shortDigest(t.deployed.digest) ?? ''}</code>` : '—'}
                </td>
                <td data-label="Registry">
                  <code>${t.desired_tag}</code>
                  ${t.registry?.digest ? html`<code>${shortDigest(t.registry.digest)}</code>` : html`<span class="muted">unknown</span>`}
                </td>
                <td data-label="Address">${t.service.base_url ? html`<code>${t.service.base_url}</code>` : '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  override render() {
    return html`<h1>Overview</h1>
      ${this.renderWave()}
      ${readView(this.targets.state, {
        what: 'the targets',
        loading: 'Loading targets…',
        retry: () => this.targets.now(),
        render: (targets) => this.renderTable(targets),
      })}`;
  }
}

customElements.define('elb-overview-page', ElbOverviewPage);

declare global {
  interface HTMLElementTagNameMap {
    'elb-overview-page': ElbOverviewPage;
  }
}
