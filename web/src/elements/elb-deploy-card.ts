import { html, nothing } from 'lit';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { DeployOfferCard } from './deploy-offer-card.js';
import { ElbDeployRequestEvent } from './events.js';
import './elb-confirm-button.js';

/** Offered when elb-openapi is not installed on the target: the first deploy. */
export class ElbDeployCard extends DeployOfferCard {
  static override properties = { summary: { attribute: false }, failedDigest: { attribute: false } };

  declare summary: TargetSummary | null;
  /** The registry's digest failed before ("sha256:… failed on 12:03 UTC: …"); Deploy then asks first. */
  declare failedDigest: string | null;

  constructor() {
    super();
    this.summary = null;
    this.failedDigest = null;
  }

  private renderButton() {
    const label = this.starting ? 'Starting deploy…' : 'Deploy elb-openapi';
    const disabled = this.starting || this.blocked !== null;
    const start = () => this.dispatchEvent(new ElbDeployRequestEvent('install'));
    if (this.failedDigest) {
      // Not the obvious next step any more: the same digest failed before, so it is secondary and confirmed.
      return html`<elb-confirm-button
        label=${label}
        ?disabled=${disabled}
        heading="Deploy a digest that failed before?"
        confirm-label="Deploy anyway"
        cancel-label="Not now"
        description=${this.blocked ?? ''}
        @elb-confirm=${start}
      >
        <p>${this.failedDigest}. Deploying it again will most likely fail the same way.</p>
      </elb-confirm-button>`;
    }
    return html`<button
      type="button"
      class="primary"
      ?disabled=${disabled}
      aria-describedby=${this.blocked ? 'blocked-reason' : nothing}
      @click=${start}
    >
      ${label}
    </button>`;
  }

  override render() {
    const summary = this.summary;
    if (!summary) return nothing;
    const registryDigest = shortDigest(summary.registry?.digest);
    return html`<section class="card" aria-labelledby="deploy-title" tabindex="-1">
      <h2 id="deploy-title">Deploy elb-openapi</h2>
      <p>
        The elb-openapi service is not installed on <strong>${summary.target}</strong>. Deploying resolves tag
        <span class="badge accent">v${summary.desired_tag}</span> to its digest in the registry, applies the manifests,
        and waits until the pods run that digest and are Ready, the LoadBalancer has an address and the service answers
        <code>/healthz</code>.
      </p>
      ${
        registryDigest
          ? html`<p class="muted">Registry: <code>${summary.desired_tag}</code> → <code>${registryDigest}</code></p>`
          : html`<div class="notice warn" role="status">
              The registry has no digest for tag <code>${summary.desired_tag}</code> right now (or could not be read).
              The deploy checks again and stops with <code>image_not_found</code> if the image is missing.
            </div>`
      }
      ${
        this.failedDigest ? html`<p><span class="badge danger">Failed before</span> ${this.failedDigest}.</p>` : nothing
      }
      ${this.renderStartError('deploy')} ${this.renderBlocked()}
      <div class="actions">${this.renderButton()} ${this.renderRetryDiscovery()}</div>
    </section>`;
  }
}

customElements.define('elb-deploy-card', ElbDeployCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-deploy-card': ElbDeployCard;
  }
}
