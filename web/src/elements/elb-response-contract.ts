import { LitElement, css, html, nothing } from 'lit';
import { responseContract } from '../core/try-it.js';
import { sharedStyles } from './shared-styles.js';

/**
 * The live service's response contract as its own openapi.json declares it: how it authenticates, which error
 * statuses its operations answer and with which schemas. What the document does not declare is said, not guessed.
 */
export class ElbResponseContract extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-bottom: 1rem;
      }
      section {
        border: 1px solid var(--elb-border);
        border-radius: 6px;
        padding: 0.75rem;
      }
      h3 {
        margin: 0 0 0.5rem;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.375rem 1rem;
        margin: 0;
      }
      dt {
        font-weight: 600;
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      ul {
        margin: 0;
        padding-left: 1.25rem;
      }
      @media (max-width: 40rem) {
        dl {
          grid-template-columns: 1fr;
        }
        dd {
          margin-bottom: 0.5rem;
        }
      }
    `,
  ];
  static override properties = { document: { attribute: false } };

  declare document: unknown;

  constructor() {
    super();
    this.document = null;
  }

  override render() {
    const c = responseContract(this.document);
    const scope =
      c.authScope === 'all'
        ? 'required on every operation'
        : c.authScope === 'some'
          ? 'required on some operations'
          : 'the document does not mark which operations need it';
    return html`<section aria-labelledby="contract-title">
      <h3 id="contract-title">Response contract</h3>
      <dl>
        <dt>Authentication</dt>
        <dd>
          ${
            c.auth.length > 0
              ? html`${c.auth.map((a, i) => html`${i > 0 ? ', ' : ''}<code>${a}</code>`)} (${scope})`
              : html`Not declared in the document. Try it sends the service's token for you; from a shell, send it as
                  <code>X-ELB-API-Token: $ELB_API_TOKEN</code>.`
          }
        </dd>
        <dt>Error answers</dt>
        <dd>
          ${
            c.errors.length > 0
              ? html`<ul>
                  ${c.errors.map(
                    (e) =>
                      html`<li>
                        <code>${e.status}</code> ${e.descriptions.join('; ')}
                        <span class="muted">(${e.operations} ${e.operations === 1 ? 'operation' : 'operations'})</span>
                      </li>`,
                  )}
                </ul>`
              : html`No error statuses are declared; expect the service's defaults.`
          }
        </dd>
        ${
          c.errorSchemas.length > 0
            ? html`<dt>Error schemas</dt>
                <dd>${c.errorSchemas.map((s, i) => html`${i > 0 ? ', ' : ''}<code>${s}</code>`)}</dd>`
            : nothing
        }
        <dt>Content types</dt>
        <dd>
          ${
            c.contentTypes.length > 0
              ? c.contentTypes.map((t, i) => html`${i > 0 ? ', ' : ''}<code>${t}</code>`)
              : html`Not declared.`
          }
        </dd>
      </dl>
    </section>`;
  }
}

customElements.define('elb-response-contract', ElbResponseContract);

declare global {
  interface HTMLElementTagNameMap {
    'elb-response-contract': ElbResponseContract;
  }
}
