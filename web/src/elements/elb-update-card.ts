import { css, html, nothing } from 'lit';
import type { UpdateAdvice } from '../core/page-state.js';
import { DeployOfferCard } from './deploy-offer-card.js';
import { ElbDeployRequestEvent } from './events.js';
import './elb-confirm-button.js';

/** Offered while the service runs: roll it to the pinned tag's current digest, or re-check discovery. */
export class ElbUpdateCard extends DeployOfferCard {
  static override styles = [
    ...DeployOfferCard.styles,
    css`
      .card {
        border-color: #c3ccd5;
      }
      header {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      header h2 {
        margin: 0;
      }
      ul {
        margin: 0.25rem 0 0;
        padding-left: 1.25rem;
      }
    `,
  ];
  static override properties = { advice: { attribute: false } };

  declare advice: UpdateAdvice | null;

  constructor() {
    super();
    this.advice = null;
  }

  private statusLine(advice: UpdateAdvice) {
    if (advice.registryUnknown) {
      return html`<p class="muted" role="status">
        The registry's digest for <code>${advice.desiredTag}</code> is unknown right
        now${advice.registryError ? html` (${advice.registryError})` : nothing}, so the dashboard cannot tell whether an
        update exists.
      </p>`;
    }
    if (advice.updateAvailable && advice.failedDigest) {
      return html`<p role="status">
        <span class="badge danger">Failed before</span>
        The registry's <code>${advice.desiredTag}</code> is still the digest that failed: ${advice.failedDigest}.
        Automatic updates skip it until a new digest is pushed for the tag.
      </p>`;
    }
    if (advice.updateAvailable) {
      return html`<p role="status">
        <span class="badge warn">Update available</span>
        The registry has <code>${advice.desiredTag}</code> at <code>${advice.registryDigest}</code>; the service runs
        <code>${advice.deployedTag ?? '?'}</code> at <code>${advice.deployedDigest ?? 'unknown digest'}</code>.
      </p>`;
    }
    return html`<p role="status">
      <span class="badge ok">Up to date</span>
      The deployed digest <code>${advice.deployedDigest}</code> matches the registry's
      <code>${advice.desiredTag}</code>.
    </p>`;
  }

  /** Rebuild & Deploy: never the primary action (it builds from source, then deploys what it built). */
  private renderRebuild(image: string | null) {
    if (!image) return nothing;
    const label = `Rebuild & Deploy v${this.advice!.pinnedTag}`;
    return html`<elb-confirm-button
      label=${label}
      ?disabled=${this.starting || this.blocked !== null}
      description=${this.blocked ?? ''}
      heading=${`${label}?`}
      confirm-label=${label}
      cancel-label="Not now"
      @elb-confirm=${() => this.dispatchEvent(new ElbDeployRequestEvent('rebuild'))}
    >
      <p>
        ACR Tasks builds <code>${image}</code> from its configured source and pushes it; the service is then rolled to
        exactly the digest that build produced, and verified. The build takes minutes; it can be cancelled while it
        runs.
      </p>
    </elb-confirm-button>`;
  }

  override render() {
    const advice = this.advice;
    if (!advice) return nothing;
    const label = `Update to v${advice.desiredTag}`;
    const failed = advice.failedDigest;
    return html`<section class="card" aria-labelledby="update-title" tabindex="-1">
      <header>
        <h2 id="update-title">Update OpenAPI service</h2>
        <span class="badge accent" title="Desired tag">v${advice.desiredTag}</span>
      </header>
      <p>
        elastic-blast-azure publishes new elb-openapi images to the registry. Updating resolves the desired tag to its
        current digest and rolls the service to it; if verification fails, the previous image is restored.
      </p>
      ${this.statusLine(advice)}
      ${
        advice.drift
          ? html`<div class="notice warn" role="status" data-drift>
              ${advice.drift}. It was changed outside elb-control; with drift policy <code>correct</code> the reconcile
              puts the deployed image back, with <code>notify</code> it only reports it (Update deploys it again).
            </div>`
          : nothing
      }
      ${advice.reconcile ? html`<p class="muted" data-reconcile>${advice.reconcile}</p>` : nothing}
      ${
        advice.newerTags.length > 0
          ? html`<div class="notice">
              Newer tags in the registry:
              ${advice.newerTags.map((tag, i) => html`${i > 0 ? ', ' : ''}<code>${tag}</code>`)}. The dashboard deploys
              the desired tag; change <code>ELB_OPENAPI_TAG</code>, or follow a version range (docs/policies.md), to
              move to one of them.
            </div>`
          : nothing
      }
      ${this.renderStartError('update')} ${this.renderBlocked()}
      <div class="actions">
        <elb-confirm-button
          label=${this.starting ? 'Starting update…' : label}
          variant=${advice.recommended ? 'primary' : ''}
          ?disabled=${this.starting || this.blocked !== null}
          description=${this.blocked ?? ''}
          heading=${failed ? 'Deploy a digest that failed before?' : `${label}?`}
          confirm-label=${failed ? `${label} anyway` : label}
          cancel-label="Not now"
          @elb-confirm=${() => this.dispatchEvent(new ElbDeployRequestEvent('update'))}
        >
          ${failed ? html`<p class="notice error">${failed}. Deploying it again will most likely fail the same way.</p>` : nothing}
          <p>
            The running service is rolled to
            <code>${advice.desiredTag}</code
            >${advice.registryDigest ? html` (<code>${advice.registryDigest}</code>)` : nothing}. Its pods are replaced,
            so requests in flight may be interrupted.
          </p>
        </elb-confirm-button>
        ${this.renderRebuild(advice.rebuildImage)} ${this.renderRetryDiscovery()}
        <span class="muted">Retry Discovery re-reads the service address, the registry and the live API.</span>
      </div>
    </section>`;
  }
}

customElements.define('elb-update-card', ElbUpdateCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-update-card': ElbUpdateCard;
  }
}
