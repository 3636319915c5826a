import { LitElement, css, html, nothing } from 'lit';
import { ApiError, api, describeError } from '../api/client.js';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { pendingHeadline, policyText, windowOpensText } from '../core/update-text.js';
import { ElbRetryDiscoveryEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-confirm-button.js';

/**
 * The target's update policy and the update waiting on it (docs/dashboard.md "Approvals"): "Update to 3.5 waiting
 * for approval (expires in 23 h)" with Approve and Reject — each confirmed, with an optional comment — or "waiting for
 * the window Sat 02:00–05:00 Europe/Stockholm". After a decision it asks the page to read the summary again.
 */
export class ElbApprovalCard extends LitElement {
  static override styles = [
    sharedStyles,
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
      label {
        display: block;
        margin: 0.5rem 0 0.25rem;
      }
      input {
        width: 100%;
        box-sizing: border-box;
        font: inherit;
        padding: 0.35rem;
      }
      .policy {
        overflow-wrap: anywhere;
      }
    `,
  ];
  static override properties = {
    summary: { attribute: false },
    now: { attribute: false },
    busy: { state: true },
    error: { state: true },
  };

  declare summary: TargetSummary | null;
  /** The page's clock (ms), so "expires in" moves with it. */
  declare now: number;
  declare busy: boolean;
  declare error: { code: string; message: string } | null;

  constructor() {
    super();
    this.summary = null;
    this.now = Date.now();
    this.busy = false;
    this.error = null;
  }

  private comment(verb: 'approve' | 'reject'): string | null {
    const value = this.renderRoot.querySelector<HTMLInputElement>(`#${verb}-comment`)?.value.trim() ?? '';
    return value === '' ? null : value;
  }

  private async decide(verb: 'approve' | 'reject'): Promise<void> {
    const target = this.summary?.target;
    if (!target || this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      await api.decideUpdate(target, verb, this.comment(verb));
    } catch (error) {
      this.error =
        error instanceof ApiError && error.code === 'forbidden'
          ? { code: 'forbidden', message: 'Approving or rejecting an update needs the deployer role.' }
          : describeError(error);
    } finally {
      this.busy = false;
      this.dispatchEvent(new ElbRetryDiscoveryEvent());
    }
  }

  private renderDecision(verb: 'approve' | 'reject', tag: string) {
    const approve = verb === 'approve';
    return html`<elb-confirm-button
      label=${approve ? 'Approve' : 'Reject'}
      variant=${approve ? 'primary' : 'danger'}
      ?disabled=${this.busy}
      heading=${approve ? `Approve the update to ${tag}?` : `Reject the update to ${tag}?`}
      confirm-label=${approve ? 'Approve' : 'Reject'}
      cancel-label="Not now"
      @elb-confirm=${() => void this.decide(verb)}
    >
      <p>
        ${
          approve
            ? html`elb-openapi <code>${tag}</code> is deployed (inside the maintenance window, if there is one),
                verified, and rolled back if it fails.`
            : html`The update to <code>${tag}</code> ends as rejected; nothing is deployed.`
        }
        Your name and comment are kept in the history.
      </p>
      <label for="${verb}-comment">Comment (optional)</label>
      <input id="${verb}-comment" maxlength="500" autocomplete="off" />
    </elb-confirm-button>`;
  }

  override render() {
    const s = this.summary;
    if (!s?.policy) return nothing;
    const pending = s.pending_update;
    const opens = pending ? windowOpensText(pending, this.now) : null;
    return html`<section class="card" aria-labelledby="approval-title" tabindex="-1">
      <header>
        <h2 id="approval-title">${pending ? 'Update waiting' : 'Update policy'}</h2>
        ${s.policy.source === 'api' ? html`<span class="badge">set through the API</span>` : nothing}
      </header>
      ${
        pending
          ? html`<p role="status">
              <strong>${pendingHeadline(pending, this.now)}</strong>${opens ? html` — ${opens}` : nothing} <br /><span
                class="muted"
                >digest <code title=${pending.digest}>${shortDigest(pending.digest)}</code>${
                  pending.decision ? html` · approved by ${pending.decision.by}` : nothing
                }</span
              >
            </p>`
          : nothing
      }
      <p class="policy muted">Policy: ${policyText(s.policy, s.pinned_tag)}</p>
      ${
        this.error
          ? html`<div class="notice error" role="alert">${this.error.message} <code>${this.error.code}</code></div>`
          : nothing
      }
      ${
        pending?.state === 'waiting_for_approval'
          ? html`<div class="actions">
              ${this.renderDecision('approve', pending.tag)} ${this.renderDecision('reject', pending.tag)}
            </div>`
          : nothing
      }
    </section>`;
  }
}

customElements.define('elb-approval-card', ElbApprovalCard);

declare global {
  interface HTMLElementTagNameMap {
    'elb-approval-card': ElbApprovalCard;
  }
}
