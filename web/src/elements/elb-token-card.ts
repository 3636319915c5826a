import { LitElement, css, html, nothing } from 'lit';
import { api, describeError } from '../api/client.js';
import { ElbRotateTokenRequestEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-confirm-button.js';

/** How long a revealed token stays on screen (docs/dashboard.md#the-api-token-card). */
export const TOKEN_SHOWN_MS = 60_000;

/** Whether Rotate may be pressed now, and what the last attempt to start one said. */
export interface RotationOffer {
  /** Why Rotate is unavailable now (a part is down, an operation runs); null when it may start. */
  blocked: string | null;
  starting: boolean;
  error: { code: string; message: string } | null;
}

/**
 * The service's API token, masked. Reveal asks the server (POST, audited) and shows the token for 60 s, then forgets
 * it; Copy writes it to the clipboard, fetching it first when it is not shown, without showing it. The token lives
 * in this element's memory only while shown: never in the URL, storage, a live region or an aria-label.
 */
export class ElbTokenCard extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .token {
        display: block;
        overflow-wrap: anywhere;
        font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
        padding: 0.5rem 0.625rem;
        border: 1px solid var(--elb-border);
        border-radius: 6px;
        background: #f6f8fa;
      }
      .usage code {
        overflow-wrap: anywhere;
      }
    `,
  ];
  static override properties = {
    target: { type: String },
    baseUrl: { attribute: false },
    rotation: { attribute: false },
    token: { state: true },
    busy: { state: true },
    error: { state: true },
    said: { state: true },
  };

  declare target: string;
  declare baseUrl: string | null;
  declare rotation: RotationOffer;
  declare token: string | null;
  declare busy: boolean;
  declare error: { code: string; message: string } | null;
  /** What the status region says after an action (never the token). */
  declare said: string;
  private hideTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.target = '';
    this.baseUrl = null;
    this.rotation = { blocked: null, starting: false, error: null };
    this.token = null;
    this.busy = false;
    this.error = null;
    this.said = '';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.hide('');
  }

  override willUpdate(changed: Map<string, unknown>): void {
    // A token is one target's: switching targets forgets it.
    if (changed.has('target') && changed.get('target') !== undefined) this.hide('');
  }

  private hide(said: string): void {
    clearTimeout(this.hideTimer);
    this.hideTimer = undefined;
    this.token = null;
    this.said = said;
  }

  private async fetchToken(): Promise<string | null> {
    this.busy = true;
    this.error = null;
    try {
      return (await api.revealToken(this.target)).token;
    } catch (error) {
      const e = describeError(error);
      this.error =
        e.code === 'forbidden'
          ? { code: e.code, message: 'Revealing the API token needs the deployer role.' }
          : { code: e.code, message: e.message };
      return null;
    } finally {
      this.busy = false;
    }
  }

  private async onReveal(): Promise<void> {
    const token = await this.fetchToken();
    if (token === null) return;
    this.token = token;
    this.said = 'API token shown; it hides again in 60 seconds.';
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.hide('API token hidden again.'), TOKEN_SHOWN_MS);
  }

  private async onCopy(): Promise<void> {
    const token = this.token ?? (await this.fetchToken());
    if (token === null) return;
    try {
      await navigator.clipboard.writeText(token);
      this.said = 'API token copied to the clipboard.';
    } catch {
      this.said = '';
      this.error = {
        code: 'clipboard_blocked',
        message: 'The browser blocked clipboard access. Reveal the token and copy it by hand.',
      };
    }
  }

  private renderRotate() {
    const { blocked, starting } = this.rotation;
    return html`<elb-confirm-button
      label=${starting ? 'Starting rotation…' : 'Rotate token'}
      ?disabled=${starting || blocked !== null}
      description=${blocked ?? ''}
      heading="Rotate the API token?"
      confirm-label="Rotate token"
      cancel-label="Not now"
      @elb-confirm=${() => {
        // A rotation makes the shown token stale: forget it now.
        this.hide('');
        this.dispatchEvent(new ElbRotateTokenRequestEvent());
      }}
    >
      <p>
        A new random token replaces the current one and the pods restart to read it. Once the service accepts the new
        token and refuses the old one, the rotation is done; if not, the old token is put back.
      </p>
      <p>Every client that uses the current token stops working until it is given the new one.</p>
    </elb-confirm-button>`;
  }

  override render() {
    const shown = this.token !== null;
    const address = this.baseUrl ? this.baseUrl.replace(/\/$/, '') : '<address>';
    return html`<section class="card" aria-labelledby="token-title">
      <h2 id="token-title">API token</h2>
      <p>
        elb-openapi's <code>/v1</code> routes need this token in the <code>X-ELB-API-Token</code> header. Each reveal
        and copy is recorded with your name.
      </p>
      ${
        shown
          ? html`<code class="token" id="token-value" aria-label="API token">${this.token}</code>`
          : html`<code class="token" id="token-value" aria-label="API token, hidden">••••••••••••••••••••••••</code>`
      }
      <div class="actions">
        ${
          shown
            ? html`<button type="button" @click=${() => this.hide('API token hidden.')}>Hide</button>`
            : html`<button type="button" ?disabled=${this.busy} @click=${this.onReveal}>Reveal</button>`
        }
        <button type="button" ?disabled=${this.busy} @click=${this.onCopy}>Copy</button>
        ${this.renderRotate()} ${shown ? html`<span class="muted">Hides again in 60 s.</span>` : nothing}
      </div>
      ${this.rotation.blocked ? html`<p class="muted">${this.rotation.blocked}</p>` : nothing}
      <p class="visually-hidden" role="status">${this.said}</p>
      ${
        this.error
          ? html`<div class="notice error" role="alert">${this.error.message} <code>${this.error.code}</code></div>`
          : nothing
      }
      ${
        this.rotation.error
          ? html`<div class="notice error" role="alert">
              The rotation did not start: ${this.rotation.error.message} <code>${this.rotation.error.code}</code>
            </div>`
          : nothing
      }
      <p class="usage muted">
        Call the service: <code>curl -H "X-ELB-API-Token: $ELB_API_TOKEN" ${address}/v1/jobs</code>
      </p>
    </section>`;
  }
}

customElements.define('elb-token-card', ElbTokenCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-token-card': ElbTokenCard;
  }
}
