import { LitElement, css, html, nothing } from 'lit';
import { describeError, api } from '../api/client.js';
import type { OpenApiOperation } from '../api/types.js';
import {
  buildTryRequest,
  curlCommand,
  exampleValue,
  operationDetail,
  type OperationDetail,
  type TryRequest,
} from '../core/try-it.js';
import { sharedStyles } from './shared-styles.js';
import './elb-copy-button.js';

type TryAnswer = Awaited<ReturnType<typeof api.tryIt>>;

let rowIds = 0;

/**
 * One operation of the live API: a button that opens its parameters, request body schema and responses, and
 * there Try it (sent through the server's proxy, which adds the token) and Copy curl (the token as $ELB_API_TOKEN).
 */
export class ElbEndpointRow extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .toggle {
        all: unset;
        box-sizing: border-box;
        width: 100%;
        display: grid;
        grid-template-columns: 5rem minmax(12rem, max-content) 1fr 1rem;
        gap: 0.75rem;
        align-items: baseline;
        padding: 0.5rem 0.75rem;
        cursor: pointer;
      }
      .toggle:focus-visible {
        outline: 2px solid #0969da;
        outline-offset: -2px;
      }
      .toggle:hover {
        background: #f6f8fa;
      }
      .chevron::before {
        content: '▸';
      }
      .toggle[aria-expanded='true'] .chevron::before {
        content: '▾';
      }
      .path {
        overflow-wrap: anywhere;
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
      :host([deprecated]) .path {
        text-decoration: line-through;
      }
      .panel {
        padding: 0.25rem 0.75rem 0.75rem;
        border-top: 1px dashed var(--elb-border);
      }
      h4 {
        margin: 0.75rem 0 0.25rem;
        font-size: 0.875rem;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        table-layout: fixed;
      }
      td input {
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.25rem 0.5rem 0.25rem 0;
        vertical-align: top;
        overflow-wrap: anywhere;
      }
      input,
      textarea {
        font: inherit;
        padding: 0.25rem 0.5rem;
        border: 1px solid #8c959f;
        border-radius: 6px;
        max-width: 100%;
        box-sizing: border-box;
      }
      textarea {
        width: 100%;
        font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
        font-size: 0.8125rem;
      }
      pre {
        margin: 0.25rem 0;
        padding: 0.5rem;
        background: #f6f8fa;
        border-radius: 6px;
        overflow: auto;
        max-height: 18rem;
        font-size: 0.8125rem;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.75rem;
      }
      .result header {
        display: flex;
        gap: 0.75rem;
        align-items: baseline;
        flex-wrap: wrap;
      }
      .status-ok {
        color: #116329;
        font-weight: 700;
      }
      .status-bad {
        color: #b42318;
        font-weight: 700;
      }
      @media (max-width: 40rem) {
        .toggle {
          grid-template-columns: 4.5rem minmax(0, 1fr) 1rem;
          gap: 0.25rem 0.5rem;
          padding: 0.5rem;
        }
        .toggle .summary {
          grid-column: 1 / 3;
          grid-row: 2;
        }
        .panel {
          padding: 0.25rem 0.5rem 0.5rem;
        }
        th.desc,
        td.desc {
          display: none;
        }
      }
    `,
  ];
  static override properties = {
    operation: { attribute: false },
    document: { attribute: false },
    target: { type: String },
    baseUrl: { attribute: false },
    open: { state: true },
    values: { state: true },
    bodyText: { state: true },
    sending: { state: true },
    answer: { state: true },
    error: { state: true },
  };

  declare operation: OpenApiOperation;
  declare document: unknown;
  declare target: string;
  /** The service's address (the summary's base_url): curl targets it; null → `$ELB_API_URL`. */
  declare baseUrl: string | null;
  declare open: boolean;
  declare values: Record<string, string>;
  declare bodyText: string | null;
  declare sending: boolean;
  declare answer: TryAnswer | null;
  declare error: { code: string; message: string } | null;
  private readonly rowId = `op-${++rowIds}`;
  private detailCache: OperationDetail | null = null;
  private abort: AbortController | null = null;

  constructor() {
    super();
    this.document = null;
    this.target = '';
    this.baseUrl = null;
    this.open = false;
    this.values = {};
    this.bodyText = null;
    this.sending = false;
    this.answer = null;
    this.error = null;
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('document') || changed.has('operation')) this.detailCache = null;
    if (this.operation) this.toggleAttribute('deprecated', this.operation.deprecated);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.abort?.abort();
  }

  private detail(): OperationDetail {
    this.detailCache ??= operationDetail(this.document, this.operation.method, this.operation.path);
    return this.detailCache;
  }

  private toggle(): void {
    this.open = !this.open;
    const body = this.detail().requestBody;
    if (this.open && this.bodyText === null && body)
      this.bodyText = JSON.stringify(exampleValue(body.schema) ?? {}, null, 2);
  }

  private built(): { request: TryRequest } | { error: string } {
    const { method, path } = this.operation;
    return buildTryRequest(
      method,
      path,
      this.detail().parameters,
      this.values,
      this.detail().requestBody ? this.bodyText : null,
    );
  }

  private async send(): Promise<void> {
    const built = this.built();
    if ('error' in built) {
      this.error = { code: 'invalid_input', message: built.error };
      this.answer = null;
      return;
    }
    this.abort?.abort();
    this.abort = new AbortController();
    this.sending = true;
    this.error = null;
    try {
      this.answer = await api.tryIt(this.target, built.request, this.abort.signal);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return;
      this.answer = null;
      this.error = describeError(error);
    } finally {
      this.sending = false;
    }
  }

  private renderParameters(detail: OperationDetail) {
    if (detail.parameters.length === 0)
      return html`<h4>Parameters</h4>
        <p class="muted">None.</p>`;
    return html`<h4>Parameters</h4>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">In</th>
            <th scope="col">Type</th>
            <th scope="col" class="desc">Description</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          ${detail.parameters.map((p) => {
            const key = `${p.in}:${p.name}`;
            const editable = p.in === 'path' || p.in === 'query';
            return html`<tr>
              <td><code>${p.name}</code>${p.required ? html` <span class="badge">required</span>` : nothing}</td>
              <td>${p.in}</td>
              <td><code>${p.type}</code></td>
              <td class="desc">${p.description ?? ''}</td>
              <td>
                ${
                  editable
                    ? html`<input
                        id=${`${this.rowId}-${key}`}
                        aria-label=${`${p.name} (${p.in} parameter)`}
                        .value=${this.values[key] ?? ''}
                        ?required=${p.required}
                        @input=${(e: Event) => (this.values = { ...this.values, [key]: (e.target as HTMLInputElement).value })}
                      />`
                    : html`<span class="muted">not sent</span>`
                }
              </td>
            </tr>`;
          })}
        </tbody>
      </table>`;
  }

  private renderBody(detail: OperationDetail) {
    const body = detail.requestBody;
    if (!body) return nothing;
    return html`<h4>Request body <span class="muted">${body.contentType}${body.required ? ', required' : ''}</span></h4>
      <details>
        <summary>Schema</summary>
        <pre>${JSON.stringify(body.schema ?? {}, null, 2)}</pre>
      </details>
      <label for=${`${this.rowId}-body`}>Body to send (JSON)</label>
      <textarea
        id=${`${this.rowId}-body`}
        rows="6"
        spellcheck="false"
        .value=${this.bodyText ?? ''}
        @input=${(e: Event) => (this.bodyText = (e.target as HTMLTextAreaElement).value)}
      ></textarea>`;
  }

  private renderResponses(detail: OperationDetail) {
    if (detail.responses.length === 0) return nothing;
    return html`<h4>Responses</h4>
      <ul class="plain">
        ${detail.responses.map(
          (r) =>
            html`<li>
              <code>${r.status}</code> ${r.description}
              ${
                r.schema !== null
                  ? html`<details>
                      <summary>Schema of ${r.status}</summary>
                      <pre>${JSON.stringify(r.schema, null, 2)}</pre>
                    </details>`
                  : nothing
              }
            </li>`,
        )}
      </ul>`;
  }

  private renderResult() {
    if (this.sending) return html`<p class="muted">Sending…</p>`;
    if (this.error) return html`<div class="notice error">${this.error.message} <code>${this.error.code}</code></div>`;
    const a = this.answer;
    if (!a) return nothing;
    const ok = a.status < 400;
    const body =
      a.body_kind === 'json' ? JSON.stringify(a.body, null, 2) : a.body_kind === 'text' ? String(a.body) : '';
    return html`<section class="result" aria-label="Response">
      <header>
        <h4>Response</h4>
        <span class=${ok ? 'status-ok' : 'status-bad'}>HTTP ${a.status}</span>
        <span class="muted">${a.duration_ms} ms</span>
      </header>
      <details>
        <summary>Headers (${Object.keys(a.headers).length})</summary>
        <pre>
${Object.entries(a.headers)
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')}</pre>
      </details>
      ${a.body_kind === 'empty' ? html`<p class="muted">No body.</p>` : html`<pre>${body}</pre>`}
    </section>`;
  }

  override render() {
    const op = this.operation;
    const panelId = `${this.rowId}-panel`;
    const button = html`<button
      class="toggle"
      type="button"
      aria-expanded=${this.open ? 'true' : 'false'}
      aria-controls=${panelId}
      @click=${this.toggle}
    >
      <span class="method ${op.method}">${op.method}</span>
      <code class="path">${op.path}</code>
      <span class="summary"
        >${op.summary ?? op.operationId ?? ''}${op.deprecated ? html` <span class="badge">deprecated</span>` : nothing}</span
      >
      <span class="chevron" aria-hidden="true"></span>
    </button>`;
    // One template whether open or not, so the button stays the same element and keeps focus as the row opens.
    return html`${button}${this.open ? this.renderPanel(panelId) : nothing}`;
  }

  private renderPanel(panelId: string) {
    const op = this.operation;
    const detail = this.detail();
    const built = this.built();
    const curl = 'request' in built ? curlCommand(this.baseUrl, built.request) : '';
    return html`<div class="panel" id=${panelId} role="region" aria-label=${`${op.method} ${op.path}`}>
      ${this.renderParameters(detail)} ${this.renderBody(detail)} ${this.renderResponses(detail)}
      <div class="actions">
        <button type="button" class="primary" ?disabled=${this.sending} @click=${this.send}>Try it</button>
        ${
          curl
            ? html`<elb-copy-button label="Copy curl" .value=${curl}></elb-copy-button>`
            : html`<button type="button" disabled>Copy curl</button>`
        }
      </div>
      <div role="status" aria-live="polite">${this.renderResult()}</div>
    </div>`;
  }
}

customElements.define('elb-endpoint-row', ElbEndpointRow);

declare global {
  interface HTMLElementTagNameMap {
    'elb-endpoint-row': ElbEndpointRow;
  }
}
