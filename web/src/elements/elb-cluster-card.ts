import { css, html, nothing } from 'lit';
import { DeployOfferCard } from './deploy-offer-card.js';
import { ElbStartClusterRequestEvent } from './events.js';
import './elb-confirm-button.js';

/**
 * Shown instead of the Deploy and Update cards while the target's AKS cluster is stopped (ElasticBLAST clusters are
 * stopped between runs): it says so, and offers Start cluster — which starts the cluster and then deploys the
 * service's desired image again (docs/dashboard.md "Cluster stopped").
 */
export class ElbClusterCard extends DeployOfferCard {
  static override styles = [
    ...DeployOfferCard.styles,
    css`
      header {
        display: flex;
        align-items: center;
        gap: 0.5rem;
        flex-wrap: wrap;
      }
      header h2 {
        margin: 0;
      }
    `,
  ];
  static override properties = {
    target: { type: String },
    power: { type: String },
    desiredTag: { attribute: false },
    installed: { type: Boolean },
  };

  declare target: string;
  /** The power state as the page says it: Stopped, or Stopping. */
  declare power: string;
  declare desiredTag: string;
  /** Whether elb-openapi was deployed before the stop (the start then deploys it again). */
  declare installed: boolean;

  constructor() {
    super();
    this.target = '';
    this.power = 'Stopped';
    this.desiredTag = '';
    this.installed = false;
  }

  override render() {
    const stopping = this.power === 'Stopping';
    const deployText = this.installed
      ? html`elb-openapi is deployed again (<code>${this.desiredTag}</code>) and verified`
      : html`elb-openapi <code>${this.desiredTag}</code> is installed and verified`;
    return html`<section class="card" aria-labelledby="cluster-title" tabindex="-1">
      <header>
        <h2 id="cluster-title">Cluster stopped</h2>
        <span class="badge warn">${this.power}</span>
      </header>
      <p role="status">
        ${
          stopping
            ? html`The AKS cluster of <strong>${this.target}</strong> is stopping.`
            : html`The AKS cluster of <strong>${this.target}</strong> is stopped.`
        }
        Its API does not answer, so deploys, updates and token rotations are refused until it runs again.
      </p>
      <p>Start cluster asks Azure to start it, waits until it runs and answers; then ${deployText}.</p>
      ${this.renderStartError('cluster start')} ${this.renderBlocked()}
      <div class="actions">
        <elb-confirm-button
          label=${this.starting ? 'Starting…' : 'Start cluster'}
          variant="primary"
          ?disabled=${this.starting || stopping || this.blocked !== null}
          description=${stopping ? 'The cluster is still stopping; start it once it has stopped.' : (this.blocked ?? '')}
          heading="Start the cluster?"
          confirm-label="Start cluster"
          cancel-label="Not now"
          @elb-confirm=${() => this.dispatchEvent(new ElbStartClusterRequestEvent())}
        >
          <p>
            Azure starts the cluster of <strong>${this.target}</strong> (this usually takes a few minutes, and the
            cluster is billed again while it runs). Then ${deployText}.
          </p>
          <p class="muted">A start cannot be undone: cancelling it only skips the deploy that follows.</p>
        </elb-confirm-button>
        ${this.renderRetryDiscovery()}
      </div>
      ${stopping ? html`<p class="muted">Start cluster is offered once the cluster has stopped.</p>` : nothing}
    </section>`;
  }
}

customElements.define('elb-cluster-card', ElbClusterCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-cluster-card': ElbClusterCard;
  }
}
