import { LitElement, css, html, nothing } from 'lit';
import type { WaveView } from '../../../core/contract/waves.js';
import { soakText, stateBadge } from '../core/wave-text.js';
import { routeHref } from '../core/routes.js';
import { formatTimestamp } from '../core/format.js';
import { ElbWaveCancelEvent } from './events.js';
import './elb-confirm-button.js';
import { sharedStyles } from './shared-styles.js';

const badge = (state: string, group = false) => {
  const { label, tone } = stateBadge(state, group);
  return html`<span class="badge ${tone}">${label}</span>`;
};

/**
 * One wave as a whole (docs/policies.md "Waves"): its groups in order, each target's state with its deploy, the
 * soak countdown, why it halted. A running wave can be cancelled (it stops before its next group).
 */
export class ElbWaveView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      ol {
        list-style: none;
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 0.75rem;
      }
      ol > li {
        flex: 1 1 14rem;
        border: 1px solid var(--elb-border);
        border-radius: 6px;
        padding: 0 0.75rem 0.5rem;
      }
      ul {
        list-style: none;
        padding: 0;
        overflow-wrap: anywhere;
      }
      .muted {
        font-size: 0.875rem;
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

  override render() {
    const w = this.wave;
    return html`<section class="card" aria-labelledby="wave">
      <h2 id="wave">Wave ${w.image.tag} (${w.image.digest.slice(0, 19)}…) ${badge(w.state)}</h2>
      <p class="muted">
        ${w.trigger === 'reconcile' ? 'Found by the reconcile' : 'Pushed'} ${formatTimestamp(w.offered_at)}
      </p>
      ${
        w.halted_because
          ? html`<p class="notice ${w.state === 'halted' ? 'error' : 'warn'}" role="status">
              <strong>${w.state === 'halted' ? 'Halted' : 'Stopped'}:</strong> ${w.halted_because}
            </p>`
          : nothing
      }
      <ol aria-label="Groups in order">
        ${w.groups.map(
          (g, i) =>
            html`<li aria-current=${w.current_group === i ? 'step' : nothing}>
              <h3>${i + 1}. ${g.name} ${badge(g.state, true)}</h3>
              <span class="muted soak">${soakText(g, this.now ?? Date.now())}</span>
              <ul>
                ${g.targets.map(
                  (t) =>
                    html`<li>
                      <a href=${routeHref('docs', t.target)}>${t.target}</a> ${badge(t.state)}
                      ${t.deploy_id ? html`<br /><span class="muted">deploy <code>${t.deploy_id}</code></span>` : nothing}
                      ${t.detail ? html`<br /><span class="muted">${t.detail}</span>` : nothing}
                    </li>`,
                )}
              </ul>
            </li>`,
        )}
      </ol>
      ${
        w.finished_at !== null
          ? nothing
          : w.cancel_requested
            ? html`<p class="muted">Stopping before the next group…</p>`
            : html`<elb-confirm-button
                label=${this.cancelling ? 'Cancelling…' : 'Cancel wave'}
                ?disabled=${this.cancelling}
                heading="Cancel this wave?"
                confirm-label="Cancel the wave"
                cancel-label="Keep it running"
                @elb-confirm=${() => this.dispatchEvent(new ElbWaveCancelEvent(w.wave_id))}
              >
                <p>
                  The wave stops before its next group. Deploys already running finish; later groups are left untouched.
                </p>
              </elb-confirm-button>`
      }
    </section>`;
  }
}

customElements.define('elb-wave-view', ElbWaveView);

declare global {
  interface HTMLElementTagNameMap {
    'elb-wave-view': ElbWaveView;
  }
}
