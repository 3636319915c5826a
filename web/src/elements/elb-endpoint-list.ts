import { LitElement, css, html, nothing } from 'lit';
import type { OpenApiOperation } from '../api/types.js';
import { groupEndpoints } from '../core/endpoints.js';
import { sharedStyles } from './shared-styles.js';
import './elb-endpoint-row.js';

/** The live API's operations grouped by tag, with a text filter and method chips; each row opens (elb-endpoint-row). */
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
        border-bottom: 1px solid #eaeef2;
      }
      li:last-child {
        border-bottom: none;
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 0.375rem;
        border: none;
        margin: 0;
        padding: 0;
      }
      .chips legend {
        float: left;
        margin-right: 0.25rem;
      }
      .chip {
        font: inherit;
        font-size: 0.8125rem;
        font-weight: 600;
        padding: 0.125rem 0.625rem;
        border-radius: 999px;
        border: 1px solid #8c959f;
        background: #fff;
        color: #24292f;
        cursor: pointer;
      }
      .chip[aria-pressed='true'] {
        background: #0b5cad;
        border-color: #0b5cad;
        color: #fff;
      }
    `,
  ];
  static override properties = {
    operations: { attribute: false },
    document: { attribute: false },
    target: { type: String },
    baseUrl: { attribute: false },
    filter: { state: true },
    methods: { state: true },
  };

  declare operations: OpenApiOperation[];
  /** The live openapi.json the operations come from: rows open to its parameters, bodies and responses. */
  declare document: unknown;
  declare target: string;
  declare baseUrl: string | null;
  declare filter: string;
  /** Methods chosen with the chips; none chosen shows every method. */
  declare methods: ReadonlySet<string>;

  constructor() {
    super();
    this.operations = [];
    this.document = null;
    this.target = '';
    this.baseUrl = null;
    this.filter = '';
    this.methods = new Set();
  }

  private toggleMethod(method: string): void {
    const next = new Set(this.methods);
    if (!next.delete(method)) next.add(method);
    this.methods = next;
  }

  override render() {
    const present = [...new Set(this.operations.map((op) => op.method))];
    const chosen = this.operations.filter((op) => this.methods.size === 0 || this.methods.has(op.method));
    const groups = groupEndpoints(chosen, this.filter);
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
        <fieldset class="chips">
          <legend class="visually-hidden">Methods</legend>
          ${present.map(
            (m) =>
              html`<button
                type="button"
                class="chip"
                aria-pressed=${this.methods.has(m) ? 'true' : 'false'}
                @click=${() => this.toggleMethod(m)}
              >
                ${m}
              </button>`,
          )}
        </fieldset>
        <span class="muted" role="status">${shown} of ${this.operations.length} endpoints shown</span>
      </div>
      ${groups.length === 0 ? html`<p class="muted">No endpoint matches the filter.</p>` : nothing}
      ${groups.map(
        (group) =>
          html`<section aria-label=${`${group.tag} endpoints`}>
            <h3>${group.tag} <span class="muted">(${group.operations.length})</span></h3>
            <ul>
              ${group.operations.map(
                (op) =>
                  html`<li>
                    <elb-endpoint-row
                      .operation=${op}
                      .document=${this.document}
                      .target=${this.target}
                      .baseUrl=${this.baseUrl}
                    ></elb-endpoint-row>
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
