import { LitElement, css, html, nothing } from 'lit';
import { readableMessage, reasonText } from '../core/deploy-text.js';
import { formatDuration, formatTimestamp, shortImage } from '../core/format.js';
import type { DeployView } from '../core/page-state.js';
import { ElbDismissResultEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-diagnostics.js';

interface RollbackReport {
  status?: unknown;
  image?: unknown;
  reason?: unknown;
  error?: { code?: unknown; message?: unknown };
}

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
      .card.stopped {
        border-color: var(--elb-warn-border);
      }
      header {
        display: flex;
        justify-content: space-between;
        gap: 1rem;
        align-items: baseline;
        flex-wrap: wrap;
      }
      .error-text {
        color: var(--elb-danger);
      }
    `,
  ];
  static override properties = { deploy: { attribute: false }, namespace: { attribute: false } };

  declare deploy: DeployView | null;
  /** The target's namespace, filled into the diagnostics' commands. */
  declare namespace: string | null;

  constructor() {
    super();
    this.deploy = null;
    this.namespace = null;
  }

  private dismiss(): void {
    this.dispatchEvent(new ElbDismissResultEvent());
  }

  /** The rollback report: `{status, image, reason?, error?}` is put in words; any other shape is shown as data. */
  private renderRollback(deploy: DeployView) {
    const rollback = deploy.rollback;
    if (rollback === null || rollback === undefined) {
      if (deploy.outcome !== 'rolled_back') return nothing;
      const image = deploy.previousImage
        ? html` <code title=${deploy.previousImage}>${shortImage(deploy.previousImage)}</code>`
        : nothing;
      return html`<p><strong>Rollback:</strong> the previous image${image} was restored.</p>`;
    }
    const r = rollback as RollbackReport;
    if (typeof r.status !== 'string')
      return html`<elb-diagnostics heading="Rollback result" .data=${rollback}></elb-diagnostics>`;
    const image = typeof r.image === 'string' ? html` <code title=${r.image}>${shortImage(r.image)}</code>` : nothing;
    const reason = typeof r.reason === 'string' ? html` — ${r.reason}` : nothing;
    const badge = r.status === 'succeeded' ? 'ok' : r.status === 'failed' ? 'danger' : '';
    const what =
      r.status === 'succeeded'
        ? html`the previous image${image} was re-applied and verified`
        : r.status === 'failed'
          ? html`the previous image${image} could not be restored`
          : html`not attempted`;
    // The rollback's own error, unless it is the deploy's error again (each error is said once).
    const rbMessage = typeof r.error?.message === 'string' ? r.error.message : null;
    const repeats = rbMessage !== null && rbMessage === deploy.error?.message;
    const error =
      rbMessage !== null
        ? html`<br />${repeats ? nothing : html`<span class="error-text">${readableMessage(rbMessage)}</span>`}
            ${typeof r.error?.code === 'string' ? html`<code>${r.error.code}</code>` : nothing}`
        : nothing;
    return html`<p>
      <strong>Rollback</strong> <span class="badge ${badge}">${r.status}</span>: ${what}${reason}.${error}
    </p>`;
  }

  /** Moves focus to the result, so keyboard and screen-reader users land on what happened. */
  focusRegion(): void {
    this.renderRoot.querySelector<HTMLElement>('section')?.focus();
  }

  override render() {
    const deploy = this.deploy;
    if (!deploy) return nothing;
    const ok = deploy.outcome === 'succeeded';
    // Someone stopped it on purpose: say so plainly rather than as a failure.
    const stopped = deploy.outcome === 'cancelled' || deploy.outcome === 'terminated';
    const running =
      deploy.reason === 'rotate_token'
        ? ': the service accepts the new token and refuses the old one'
        : deploy.image
          ? html`: now running <code title=${deploy.image}>${shortImage(deploy.image)}</code>`
          : nothing;
    const code = deploy.errorCode ? html` <code>${deploy.errorCode}</code>` : nothing;
    const body = ok
      ? html`<div class="notice ok" role="status">
          ${deploy.headline}${deploy.reason === 'auto' ? nothing : running}.
        </div>`
      : html`<div class="notice ${stopped ? 'warn' : 'error'}" role=${stopped ? 'status' : 'alert'}>
          <strong>${deploy.headline}.</strong>
          ${deploy.message ? html`${deploy.message}${code}` : code}
        </div>`;
    const when = deploy.finishedAt
      ? ` · finished ${formatTimestamp(deploy.finishedAt)}`
      : deploy.ageMs !== null
        ? ` · started ${formatDuration(deploy.ageMs)} ago`
        : '';
    const who = reasonText(deploy.reason, deploy.requester);
    const meta = html`${deploy.reason === 'rotate_token' ? 'rotation' : 'deploy'}
      <code>${deploy.instanceId}</code>${who ? ` · ${who}` : ''}${when}`;
    const stoppedAt = deploy.stoppedAt.map(
      (step, i) => html`${i > 0 ? '; ' : ''}<strong>${step.label}</strong>${step.detail ? ` — ${step.detail}` : ''}`,
    );
    const cardClass = ok ? 'succeeded' : stopped ? 'stopped' : 'failed';
    return html`<section class="card ${cardClass}" aria-labelledby="result-title" tabindex="-1">
      <header>
        <h2 id="result-title">${deploy.reason === 'rotate_token' ? 'Last token rotation' : 'Last deploy'}</h2>
        <span class="muted">${meta}</span>
      </header>
      ${body} ${stoppedAt.length > 0 ? html`<p>${stopped ? 'Stopped at' : 'Failed at'}: ${stoppedAt}</p>` : nothing}
      ${this.renderRollback(deploy)}
      ${
        deploy.clusterState && !ok
          ? html`<p><strong>What the cluster runs now:</strong> ${deploy.clusterState}</p>`
          : nothing
      }
      <elb-diagnostics
        heading="Diagnostics"
        .namespace=${this.namespace}
        .data=${deploy.error?.diagnostics ?? null}
      ></elb-diagnostics>
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
