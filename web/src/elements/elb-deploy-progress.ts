import { LitElement, css, html, nothing } from 'lit';
import type { DeployView } from '../core/page-state.js';
import { readableMessage, reasonText } from '../core/deploy-text.js';
import { formatDuration } from '../core/format.js';
import type { PhaseStep } from '../core/phases.js';
import { ElbCancelRequestEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-confirm-button.js';

const STEP_MARK: Record<PhaseStep['status'], string> = {
  done: '✓',
  running: '●',
  pending: '○',
  skipped: '–',
  failed: '✕',
};

const STEP_WORD: Record<PhaseStep['status'], string> = {
  done: 'done',
  running: 'in progress',
  pending: 'not started',
  skipped: 'skipped',
  failed: 'failed',
};

/** The live view of a running deploy: phase stepper with time per phase, Cancel (confirmed), warnings. */
export class ElbDeployProgress extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .card {
        border-color: #54aeff;
      }
      header {
        display: flex;
        align-items: baseline;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
      }
      ol {
        list-style: none;
        margin: 0.75rem 0 0;
        padding: 0;
      }
      li {
        display: grid;
        grid-template-columns: 1.5rem 1fr auto;
        gap: 0.25rem 0.5rem;
        padding: 0.375rem 0;
        border-bottom: 1px solid #eaeef2;
      }
      li:last-child {
        border-bottom: none;
      }
      .mark {
        font-weight: 700;
        text-align: center;
      }
      .done .mark {
        color: var(--elb-ok);
      }
      .running .mark {
        color: var(--elb-accent);
      }
      .failed .mark {
        color: var(--elb-danger);
      }
      .pending .label,
      .skipped .label {
        color: var(--elb-muted);
      }
      .running .label {
        font-weight: 600;
      }
      .time {
        font-variant-numeric: tabular-nums;
        color: var(--elb-muted);
      }
      .detail {
        grid-column: 2 / 4;
        overflow-wrap: anywhere;
        font-size: 0.875rem;
        color: var(--elb-muted);
      }
    `,
  ];
  static override properties = {
    deploy: { attribute: false },
    installed: { type: Boolean },
  };

  declare deploy: DeployView | null;
  /** The service already runs (an update), as opposed to a first install. */
  declare installed: boolean;

  constructor() {
    super();
    this.deploy = null;
    this.installed = false;
  }

  /** Moves focus to the progress region (after Deploy, Update or Cancel), not to <body>. */
  focusRegion(): void {
    this.renderRoot.querySelector<HTMLElement>('section')?.focus();
  }

  override render() {
    const deploy = this.deploy;
    if (!deploy) return nothing;
    const cancelling = deploy.cancel === 'requested';
    const title = cancelling
      ? 'Cancelling…'
      : deploy.reason === 'rotate_token'
        ? 'Rotating the API token'
        : deploy.reason === 'rebuild'
          ? 'Rebuilding and deploying elb-openapi'
          : deploy.reason === 'start_cluster'
            ? 'Starting the cluster, then deploying elb-openapi'
            : deploy.reason === 'auto'
              ? 'Updating elb-openapi automatically'
              : this.installed
                ? 'Updating elb-openapi'
                : 'Installing elb-openapi';
    // A token rotation runs under the deploy lease and is followed the same way; only its words differ.
    const rotation = deploy.reason === 'rotate_token';
    const noun = rotation ? 'rotation' : 'deploy';
    const phaseText =
      deploy.outcome === 'queued' ? 'Queued, waiting for the orchestration to start' : deploy.phaseLabel;
    return html`<section class="card" aria-labelledby="progress-title" aria-busy="true" tabindex="-1">
      <header>
        <h2 id="progress-title">${title}</h2>
        <span class="muted"
          >${noun}
          <code>${deploy.instanceId}</code
          >${deploy.reason && !rotation ? html` · ${reasonText(deploy.reason, null)}` : nothing}${deploy.ageMs !== null ? html` · ${formatDuration(deploy.ageMs)} so far` : nothing}</span
        >
      </header>
      <p role="status" aria-live="polite" class="phase">
        ${
          cancelling
            ? html`<strong>Cancel requested:</strong> the ${noun} stops at its next
                step${rotation ? ', puts the previous token back if it changed it,' : this.installed ? ', restores the previous image if it applied anything' : ''}
                and then reports what the cluster runs. Now: ${phaseText}.`
            : html`Current step: <strong>${phaseText}</strong>`
        }
      </p>
      ${
        deploy.pendingTooLong
          ? html`<div class="notice warn" role="alert">
              <strong>This deploy has been queued for ${formatDuration(deploy.ageMs)} without starting.</strong>
              The Functions host may not be running orchestrations. It will start when the host picks it up; cancel it
              if you no longer want it.
            </div>`
          : nothing
      }
      ${deploy.statusTrouble ? html`<div class="notice warn" role="status">${deploy.statusTrouble}</div>` : nothing}
      <ol aria-label="Deploy steps">
        ${deploy.steps.map(
          (step) =>
            html`<li class=${step.status} aria-current=${step.status === 'running' ? 'step' : 'false'}>
              <span class="mark" aria-hidden="true">${STEP_MARK[step.status]}</span>
              <span class="label">${step.label}<span class="visually-hidden">: ${STEP_WORD[step.status]}</span></span>
              <span class="time"
                >${step.elapsedMs !== null && step.status !== 'skipped' ? formatDuration(step.elapsedMs) : ''}</span
              >
              ${step.detail ? html`<span class="detail">${readableMessage(step.detail)}</span>` : nothing}
            </li>`,
        )}
      </ol>
      ${
        typeof deploy.cancel === 'object'
          ? html`<div class="notice error" role="alert">
              Cancel failed: ${deploy.cancel.message} <code>${deploy.cancel.code}</code>
            </div>`
          : nothing
      }
      <div class="actions">
        <elb-confirm-button
          label=${cancelling ? 'Cancelling…' : `Cancel ${noun}`}
          variant="danger"
          ?disabled=${!deploy.canCancel}
          heading=${`Cancel this ${noun}?`}
          confirm-label=${`Cancel ${noun}`}
          cancel-label=${rotation ? 'Keep rotating' : 'Keep deploying'}
          @elb-confirm=${() => this.dispatchEvent(new ElbCancelRequestEvent(deploy.instanceId))}
        >
          <p>
            The server stops the ${noun} at its next step boundary and records it as cancelled; the result, including
            what was already applied to the cluster, is reported here.
          </p>
          ${
            deploy.reason === 'start_cluster'
              ? html`<p>
                  A cluster start that was already requested cannot be undone: the cluster keeps starting, and only the
                  deploy that follows is skipped.
                </p>`
              : nothing
          }
        </elb-confirm-button>
        ${deploy.outcome === 'rolling_back' ? html`<span class="muted">A rollback cannot be cancelled.</span>` : nothing}
      </div>
    </section>`;
  }
}

customElements.define('elb-deploy-progress', ElbDeployProgress);

declare global {
  interface HTMLElementTagNameMap {
    'elb-deploy-progress': ElbDeployProgress;
  }
}
