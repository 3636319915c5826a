import { LitElement, css, html, nothing } from 'lit';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { sharedStyles } from './shared-styles.js';
import './elb-copy-button.js';

/** The top of /docs: where the service answers, its Swagger UI, API version and what image is deployed. */
export class ElbServiceHero extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      .hero {
        background: linear-gradient(135deg, #0b3d73, #0b5cad);
        color: #fff;
        border-radius: 10px;
        padding: 1.25rem 1.5rem;
        margin-bottom: 1rem;
      }
      h1 {
        margin: 0 0 0.25rem;
        font-size: 1.5rem;
      }
      .subtitle {
        color: #dbe9f7;
        margin: 0 0 1rem;
      }
      .url-row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.5rem;
        margin-bottom: 0.75rem;
      }
      .url-row .url {
        min-width: 0;
      }
      .url {
        background: rgb(255 255 255 / 0.14);
        border-radius: 6px;
        padding: 0.375rem 0.625rem;
        font-size: 1rem;
        word-break: break-all;
      }
      .hero a.button {
        background: #fff;
        color: #0b3d73;
        border-color: #fff;
        font-weight: 600;
      }
      dl {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1.75rem;
        margin: 0;
      }
      dt {
        font-size: 0.875rem;
        color: #dbe9f7;
      }
      dd {
        margin: 0;
        font-weight: 600;
      }
      .hero :focus-visible {
        outline-color: #fff;
      }
    `,
  ];
  static override properties = {
    summary: { attribute: false },
    specVersion: { attribute: false },
  };

  declare summary: TargetSummary | null;
  /** `info.version` of the live spec, used when the summary has no API version yet. */
  declare specVersion: string | null;

  constructor() {
    super();
    this.summary = null;
    this.specVersion = null;
  }

  private renderFacts(apiVersion: string | null) {
    const summary = this.summary!;
    const deployed = summary.deployed;
    const service = summary.service;
    return html`<dl>
      <div>
        <dt>API version</dt>
        <dd>${apiVersion ?? '—'}</dd>
      </div>
      <div>
        <dt>Deployed tag</dt>
        <dd>${deployed?.tag ?? '—'}</dd>
      </div>
      <div>
        <dt>Deployed digest</dt>
        <dd><code title=${deployed?.digest ?? ''}>${shortDigest(deployed?.digest) ?? '—'}</code></dd>
      </div>
      <div>
        <dt>External IP</dt>
        <dd>${service.external_ip ?? '—'}</dd>
      </div>
    </dl>`;
  }

  /** What the hero says when there is no address. An unreachable cluster is never "no external address yet". */
  private serviceLine(): string {
    const service = this.summary!.service;
    if (service.error_code === 'cluster_unavailable') {
      return 'Cannot reach the cluster, so the service state is unknown.';
    }
    if (service.error) return 'The cluster could not be read, so the service state is unknown.';
    return service.installed
      ? 'The service has no external address yet.'
      : 'The service is not installed on this target.';
  }

  override render() {
    const summary = this.summary;
    if (!summary) return nothing;
    const service = summary.service;
    const deployed = summary.deployed;
    const apiVersion = service.api_version ?? this.specVersion;
    return html`<section class="hero" aria-labelledby="hero-title">
      <h1 id="hero-title">elb-openapi API</h1>
      <p class="subtitle">
        Target <strong>${summary.target}</strong> ·
        ${summary.kind}${summary.namespace ? html` · namespace <code>${summary.namespace}</code>` : nothing}
      </p>
      ${
        service.base_url
          ? html`<div class="url-row">
              <span class="visually-hidden">Service base URL:</span>
              <code class="url" id="base-url">${service.base_url}</code>
              <elb-copy-button .value=${service.base_url} label="Copy URL"></elb-copy-button>
              ${
                service.swagger_url
                  ? html`<a class="button" href=${service.swagger_url} target="_blank" rel="noopener noreferrer"
                      >Open Swagger UI<span class="visually-hidden"> (opens in a new tab)</span></a
                    >`
                  : nothing
              }
            </div>`
          : html`<p class="url-row" id="service-line">${this.serviceLine()}</p>`
      }
      ${service.installed || deployed ? this.renderFacts(apiVersion) : nothing}
    </section>`;
  }
}

customElements.define('elb-service-hero', ElbServiceHero);

declare global {
  interface HTMLElementTagNameMap {
    'elb-service-hero': ElbServiceHero;
  }
}
