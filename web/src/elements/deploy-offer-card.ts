import { LitElement, html, nothing, type PropertyDeclarations } from 'lit';
import { ElbRetryDiscoveryEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/**
 * What the Deploy and Update cards share: both offer to start a deploy, so both take the page's `starting` flag
 * and the error of its last start request, show that error the same way, and offer Retry Discovery.
 */
export abstract class DeployOfferCard extends LitElement {
  static override styles = [sharedStyles];
  // Typed as declarations so subclasses declare only their own properties (Lit merges them with these).
  static override properties: PropertyDeclarations = {
    starting: { type: Boolean },
    startError: { attribute: false },
    blocked: { attribute: false },
  };

  /** The page is sending the start request; the start button is disabled meanwhile. */
  declare starting: boolean;
  /** Why the last start request failed (shown as an alert), or null. */
  declare startError: { code: string; message: string } | null;

  /** Why starting is not possible right now (a part is down); the start button is disabled with this reason. */
  declare blocked: string | null;

  constructor() {
    super();
    this.starting = false;
    this.startError = null;
    this.blocked = null;
  }

  /** Moves focus to the card (after a dismissed result, or when the start failed). */
  focusRegion(): void {
    this.renderRoot.querySelector<HTMLElement>('section')?.focus();
  }

  /** The reason the start button is disabled, referenced by the button's aria-describedby. */
  protected renderBlocked() {
    return this.blocked ? html`<p class="blocked" id="blocked-reason">${this.blocked}</p>` : nothing;
  }

  /** The failed start request, as an alert; `what` is the action's noun ("deploy", "update"). */
  protected renderStartError(what: string) {
    const error = this.startError;
    return error
      ? html`<div class="notice error" role="alert">
          Could not start the ${what}: ${error.message} <code>${error.code}</code>
        </div>`
      : nothing;
  }

  protected renderRetryDiscovery() {
    return html`<button type="button" @click=${() => this.dispatchEvent(new ElbRetryDiscoveryEvent())}>
      Retry Discovery
    </button>`;
  }
}
