import { LitElement, html, nothing } from 'lit';
import { api } from '../api/client.js';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { phaseLabel } from '../core/phases.js';
import { updateAdvice } from '../core/page-state.js';
import { nextPollDelay } from '../core/polling.js';
import { routeHref } from '../core/routes.js';
import { PolledRead } from '../controllers/polled-read.js';
import { readView } from './read-view.js';
import { pageStyles, sharedStyles } from './shared-styles.js';

/** Every configured target and the state of elb-openapi on it. */
export class ElbOverviewPage extends LitElement {
  static override styles = [sharedStyles, pageStyles];

  private readonly targets = new PolledRead(this, {
    args: () => [] as const,
    read: (_args, signal) => api.targets(signal),
    delay: (read) =>
      nextPollDelay({
        deployActive: (read.value ?? []).some((t) => t.active_deploy !== null),
        activeForMs: 0,
        consecutiveErrors: read.consecutiveErrors,
        hidden: document.visibilityState === 'hidden',
      }),
  });

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
    return html`<h1>Overview</h1>
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
