import { LitElement, css, html, nothing } from 'lit';
import type { OpenApiOperation } from '../api/types.js';
import { groupEndpoints } from '../core/endpoints.js';
import { sharedStyles } from './shared-styles.js';

/** The live API's operations grouped by tag, with a text filter. */
export class ElbEndpointList extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .filter {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: center;
        margin-bottom: 0.75rem;
      }
      input {
        font: inherit;
        padding: 0.375rem 0.625rem;
        border: 1px solid #8c959f;
        border-radius: 6px;
        min-width: 0;
        width: 16rem;
        max-width: 100%;
      }
      section {
        margin-top: 1rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        border: 1px solid var(--elb-border);
        border-radius: 6px;
      }
      li {
        display: grid;
        grid-template-columns: 5rem minmax(12rem, max-content) 1fr;
        gap: 0.75rem;
        align-items: baseline;
        padding: 0.5rem 0.75rem;
        border-bottom: 1px solid #eaeef2;
      }
      li:last-child {
        border-bottom: none;
      }
      .path {
        overflow-wrap: anywhere;
      }
      /* Narrow screens: method and path on one line, the summary under them; nothing scrolls sideways. */
      @media (max-width: 40rem) {
        li {
          grid-template-columns: 4.5rem minmax(0, 1fr);
          gap: 0.25rem 0.5rem;
          padding: 0.5rem;
        }
        li > :last-child {
          grid-column: 1 / 3;
        }
      }
      .method {
        font-weight: 700;
        font-size: 0.8125rem;
        text-align: center;
        border-radius: 4px;
        padding: 0.125rem 0;
        color: #fff;
        background: #57606a;
      }
      .GET {
        background: #0b5cad;
      }
      .POST {
        background: #116329;
      }
      .PUT,
      .PATCH {
        background: #7a4e00;
      }
      .DELETE {
        background: #b42318;
      }
      .deprecated .path {
        text-decoration: line-through;
      }
    `,
  ];
  static override properties = {
    operations: { attribute: false },
    filter: { state: true },
  };

  declare operations: OpenApiOperation[];
  declare filter: string;

  constructor() {
    super();
    this.operations = [];
    this.filter = '';
  }

  override render() {
    const groups = groupEndpoints(this.operations, this.filter);
    const shown = new Set(groups.flatMap((g) => g.operations)).size;
    return html`<div class="filter">
        <label for="filter">Filter endpoints</label>
        <input
          id="filter"
          type="search"
          placeholder="e.g. jobs, POST, /v1"
          .value=${this.filter}
          @input=${(e: Event) => (this.filter = (e.target as HTMLInputElement).value)}
        />
        <span class="muted" role="status">${shown} of ${this.operations.length} endpoints shown</span>
      </div>
      ${groups.length === 0 ? html`<p class="muted">No endpoint matches “${this.filter}”.</p>` : nothing}
      ${groups.map(
        (group) =>
          html`<section aria-label=${`${group.tag} endpoints`}>
            <h3>${group.tag} <span class="muted">(${group.operations.length})</span></h3>
            <ul>
              ${group.operations.map(
                (op) =>
                  html`<li class=${op.deprecated ? 'deprecated' : ''}>
                    <span class="method ${op.method}">${op.method}</span>
                    <code class="path">${op.path}</code>
                    <span
                      >${op.summary ?? op.operationId ?? ''}${op.deprecated ? html` <span class="badge">deprecated</span>` : nothing}</span
                    >
                  </li>`,
              )}
            </ul>
          </section>`,
      )}`;
  }
}

customElements.define('elb-endpoint-list', ElbEndpointList);

declare global {
  interface HTMLElementTagNameMap {
    'elb-endpoint-list': ElbEndpointList;
  }
}
