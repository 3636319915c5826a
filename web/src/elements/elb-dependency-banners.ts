import { LitElement, css, html, nothing } from 'lit';
import type { DependencyProblem } from '../api/types.js';
import { partName } from '../core/deploy-text.js';
import { sharedStyles } from './shared-styles.js';
import './elb-copy-button.js';

/**
 * One banner per part that does not answer (the summary's `dependencies`, or a deploy start refused with 503):
 * the part, the server's message and code, and locally the command that starts it. Shown before anyone clicks.
 */
export class ElbDependencyBanners extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .notice {
        margin: 0 0 1rem;
      }
      .hint {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        margin-top: 0.375rem;
      }
      .hint code {
        white-space: normal;
        overflow-wrap: anywhere;
        background: rgb(255 255 255 / 0.7);
        padding: 0.125rem 0.375rem;
        border-radius: 4px;
      }
    `,
  ];
  static override properties = { dependencies: { attribute: false } };

  declare dependencies: DependencyProblem[];

  constructor() {
    super();
    this.dependencies = [];
  }

  /** Moves focus to the first banner (a deploy start was refused because a part is down). */
  focusRegion(): void {
    this.renderRoot.querySelector<HTMLElement>('.notice')?.focus();
  }

  override render() {
    return this.dependencies.map((dep) => {
      const name = partName(dep.part);
      return html`<div class="notice error" role="alert" tabindex="-1" data-part=${dep.part}>
        <strong>${name.charAt(0).toUpperCase() + name.slice(1)} is unavailable:</strong>
        ${dep.message} <code>${dep.code}</code>
        ${
          dep.hint
            ? html`<div class="hint">
                Locally, start it with <code>${dep.hint}</code>
                <elb-copy-button .value=${dep.hint} label="Copy command"></elb-copy-button>
              </div>`
            : nothing
        }
      </div>`;
    });
  }
}

customElements.define('elb-dependency-banners', ElbDependencyBanners);

declare global {
  interface HTMLElementTagNameMap {
    'elb-dependency-banners': ElbDependencyBanners;
  }
}
