import { html, nothing } from 'lit';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { DeployOfferCard } from './deploy-offer-card.js';
import { ElbDeployRequestEvent } from './events.js';

/** Offered when elb-openapi is not installed on the target: the first deploy. */
export class ElbDeployCard extends DeployOfferCard {
  static override properties = { summary: { attribute: false } };

  declare summary: TargetSummary | null;

  constructor() {
    super();
    this.summary = null;
  }

  override render() {
    const summary = this.summary;
    if (!summary) return nothing;
    const registryDigest = shortDigest(summary.registry?.digest);
    return html`<section class="card" aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy elb-openapi</h2>
      <p>
        The elb-openapi service is not installed on <strong>${summary.target}</strong>. Deploying resolves tag
        <span class="badge accent">v${summary.pinned_tag}</span> to its digest in the registry, applies the manifests,
        and waits until the pods run that digest and are Ready, the LoadBalancer has an address and the service answers
        <code>/healthz</code>.
      </p>
      ${
        registryDigest
          ? html`<p class="muted">Registry: <code>${summary.pinned_tag}</code> → <code>${registryDigest}</code></p>`
          : html`<div class="notice warn" role="status">
              The registry has no digest for tag <code>${summary.pinned_tag}</code> right now (or could not be read).
              The deploy checks again and stops with <code>image_not_found</code> if the image is missing.
            </div>`
      }
      ${this.renderStartError('deploy')}
      <div class="actions">
        <button
          type="button"
          class="primary"
          ?disabled=${this.starting}
          @click=${() => this.dispatchEvent(new ElbDeployRequestEvent('install'))}
        >
          ${this.starting ? 'Starting deploy…' : 'Deploy elb-openapi'}
        </button>
        ${this.renderRetryDiscovery()}
      </div>
    </section>`;
  }
}

customElements.define('elb-deploy-card', ElbDeployCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-deploy-card': ElbDeployCard;
  }
}
