import { LitElement, css, html, nothing } from 'lit';
import type { WaveView } from '../../../core/contract/waves.js';
import { groupLabel, soakText, targetLabel, waveLabel, waveTitle } from '../core/wave-text.js';
import { routeHref } from '../core/routes.js';
import { formatTimestamp } from '../core/format.js';
import { ElbWaveCancelEvent } from './events.js';
import './elb-confirm-button.js';
import { sharedStyles } from './shared-styles.js';

/**
 * One wave as a whole (docs/policies.md "Waves"): its groups in order, each target's state with its deploy, the
 * soak countdown, why it halted. A running wave can be cancelled (it stops before its next group).
 */
export class ElbWaveView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: baseline;
      }
      h2 {
        margin: 0;
        font-size: 1.125rem;
      }
      ol.groups {
        list-style: none;
        padding: 0;
        margin: 0.75rem 0 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
      }
      ol.groups > li {
        flex: 1 1 14rem;
        min-width: 0;
        border: 1px solid var(--elb-border);
        border-radius: 6px;
        padding: 0.5rem 0.75rem;
      }
      h3 {
        margin: 0 0 0.25rem;
        font-size: 1rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.375rem;
        align-items: baseline;
      }
      .soak {
        font-size: 0.875rem;
        color: var(--elb-muted);
      }
      ul.targets {
        list-style: none;
        padding: 0;
        margin: 0.25rem 0 0;
      }
      ul.targets > li {
        padding: 0.25rem 0;
        overflow-wrap: anywhere;
      }
      .detail {
        display: block;
        font-size: 0.875rem;
        color: var(--elb-muted);
      }
    `,
  ];
  static override properties = {
    wave: { attribute: false },
    now: { attribute: false },
    cancelling: { type: Boolean },
  };

  declare wave: WaveView;
  /** The page's clock (ms), for the soak countdown. */
  declare now: number;
  declare cancelling: boolean;

  constructor() {
    super();
    this.now = Date.now();
    this.cancelling = false;
  }

  private renderTarget(t: WaveView['groups'][number]['targets'][number]) {
    const { label, tone } = targetLabel(t);
    return html`<li>
      <a href=${routeHref('docs', t.target)}>${t.target}</a>
      <span class="badge ${tone}">${label}</span>
      ${t.deploy_id ? html`<span class="detail">deploy <code>${t.deploy_id}</code></span>` : nothing}
      ${t.detail ? html`<span class="detail">${t.detail}</span>` : nothing}
    </li>`;
  }

  private renderCancel() {
    if (this.wave.finished_at !== null) return nothing;
    if (this.wave.cancel_requested) return html`<p class="muted">Stopping before the next group…</p>`;
    return html`<div class="actions">
      <elb-confirm-button
        label=${this.cancelling ? 'Cancelling…' : 'Cancel wave'}
        ?disabled=${this.cancelling}
        heading="Cancel this wave?"
        confirm-label="Cancel the wave"
        cancel-label="Keep it running"
        @elb-confirm=${() => this.dispatchEvent(new ElbWaveCancelEvent(this.wave.wave_id))}
      >
        <p>The wave stops before its next group. Updates already running finish; later groups are left untouched.</p>
      </elb-confirm-button>
    </div>`;
  }

  override render() {
    const w = this.wave;
    const state = waveLabel(w);
    return html`<section class="card" aria-labelledby="wave-title">
      <div class="head">
        <h2 id="wave-title">${waveTitle(w)}</h2>
        <span class="badge ${state.tone}">${state.label}</span>
        <span class="muted"
          >${w.trigger === 'reconcile' ? 'found by the reconcile' : 'pushed'} ${formatTimestamp(w.offered_at)}</span
        >
      </div>
      ${
        w.halted_because
          ? html`<p class="notice ${w.state === 'halted' ? 'error' : 'warn'}" role="status">
              <strong>${w.state === 'halted' ? 'Halted' : 'Stopped'}:</strong> ${w.halted_because}
            </p>`
          : nothing
      }
      <ol class="groups" aria-label="Groups in order">
        ${w.groups.map((g, i) => {
          const gl = groupLabel(g);
          return html`<li aria-current=${w.current_group === i ? 'step' : nothing}>
            <h3>
              <span>${i + 1}. ${g.name}</span>
              <span class="badge ${gl.tone}">${gl.label}</span>
            </h3>
            <span class="soak">${soakText(g, this.now)}</span>
            <ul class="targets">
              ${g.targets.map((t) => this.renderTarget(t))}
            </ul>
          </li>`;
        })}
      </ol>
      ${this.renderCancel()}
    </section>`;
  }
}

customElements.define('elb-wave-view', ElbWaveView);

declare global {
  interface HTMLElementTagNameMap {
    'elb-wave-view': ElbWaveView;
  }
}
