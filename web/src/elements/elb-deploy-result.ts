import { LitElement, css, html, nothing } from 'lit';
import { formatDuration } from '../core/format.js';
import { outcomeHeadline } from '../core/outcome.js';
import type { DeployView } from '../core/page-state.js';
import { ElbDismissResultEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-diagnostics.js';

/** A finished deploy: success, or the failure with its diagnostics and what the rollback did. */
export class ElbDeployResult extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .card.failed {
        border-color: #ff8182;
      }
      .card.succeeded {
        border-color: #4ac26b;
      }
      header {
        display: flex;
        justify-content: space-between;
        gap: 1rem;
        align-items: baseline;
        flex-wrap: wrap;
      }
      ol {
        margin: 0.5rem 0 0;
        padding-left: 1.25rem;
      }
    `,
  ];
  static override properties = { deploy: { attribute: false } };

  declare deploy: DeployView | null;

  constructor() {
    super();
    this.deploy = null;
  }

  private dismiss(): void {
    this.dispatchEvent(new ElbDismissResultEvent());
  }

  override render() {
    const deploy = this.deploy;
    if (!deploy) return nothing;
    const ok = deploy.outcome === 'succeeded';
    const failedSteps = deploy.steps.filter((step) => step.status === 'failed');
    const body = ok
      ? html`<div class="notice ok" role="status">
          ${outcomeHeadline(deploy.outcome)}${deploy.image ? html`: now running <code>${deploy.image}</code>` : nothing}.
        </div>`
      : html`<div class="notice error" role="alert">
          <strong>${outcomeHeadline(deploy.outcome)}.</strong>
          ${deploy.error ? html`${deploy.error.message} <code>${deploy.error.code}</code>` : nothing}
        </div>`;
    return html`<section class="card ${ok ? 'succeeded' : 'failed'}" aria-labelledby="result-title">
      <header>
        <h2 id="result-title">Last deploy</h2>
        <span class="muted"
          >deploy
          <code>${deploy.instanceId}</code
          >${deploy.reason ? html` · ${deploy.reason}` : nothing}${deploy.ageMs !== null ? html` · started ${formatDuration(deploy.ageMs)} ago` : nothing}</span
        >
      </header>
      ${body}
      ${
        failedSteps.length > 0
          ? html`<p>
              Failed at:
              ${failedSteps.map((step) => html`<strong>${step.label}</strong>${step.detail ? html` — ${step.detail}` : nothing}`)}
            </p>`
          : nothing
      }
      ${
        deploy.outcome === 'rolled_back'
          ? html`<p>
              Rollback:
              ${
                deploy.previousImage
                  ? html`the previous image <code>${deploy.previousImage}</code> was re-applied.`
                  : html`the previously deployed manifest was re-applied.`
              }
            </p>`
          : nothing
      }
      <elb-diagnostics heading="Diagnostics" .data=${deploy.error?.diagnostics ?? null}></elb-diagnostics>
      <elb-diagnostics heading="Rollback result" .data=${deploy.rollback}></elb-diagnostics>
      <div class="actions"><button type="button" @click=${this.dismiss}>Dismiss</button></div>
    </section>`;
  }
}

customElements.define('elb-deploy-result', ElbDeployResult);

declare global {
  interface HTMLElementTagNameMap {
    'elb-deploy-result': ElbDeployResult;
  }
}
