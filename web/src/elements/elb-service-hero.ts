import { LitElement, css, html, nothing } from 'lit';
import { clusterStopped } from '../core/cluster.js';
import type { TargetSummary } from '../api/types.js';
import { shortDigest } from '../core/format.js';
import { exposureLabel, swaggerAccess, versionPill, type SwaggerAccess } from '../core/reachability.js';
import { sharedStyles } from './shared-styles.js';
import './elb-copy-button.js';

/**
 * The top of /docs: the version pill, how the service is reached (exposure and scheme chips), its address, and its
 * Swagger UI when this browser can reach it — otherwise why not, and the spec read through elb-control instead
 * (docs/dashboard.md "Is the service reachable from the browser").
 */
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
      .title-row {
        display: flex;
        flex-wrap: wrap;
        align-items: baseline;
        gap: 0.25rem 0.75rem;
      }
      .pill {
        background: #fff;
        color: #0b3d73;
        border-radius: 999px;
        padding: 0.125rem 0.625rem;
        font-weight: 600;
        font-size: 0.875rem;
        white-space: nowrap;
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 0.375rem;
        list-style: none;
        padding: 0;
        margin: 0 0 0.75rem;
      }
      .chip {
        border: 1px solid rgb(255 255 255 / 0.6);
        border-radius: 999px;
        padding: 0.0625rem 0.625rem;
        font-size: 0.875rem;
        font-weight: 600;
      }
      .reach-note {
        border: 1px solid rgb(255 255 255 / 0.6);
        border-radius: 6px;
        padding: 0.5rem 0.75rem;
        margin: 0 0 0.75rem;
        max-width: 60rem;
      }
      .reach-note a {
        color: #fff;
      }
      .hero :focus-visible {
        outline-color: #fff;
      }
    `,
  ];
  static override properties = {
    summary: { attribute: false },
    specVersion: { attribute: false },
    pageHost: { attribute: false },
  };

  declare summary: TargetSummary | null;
  /** `info.version` of the live spec, used when the summary has no API version yet. */
  declare specVersion: string | null;
  /** The host this page is served from (the reachability rule compares it with the service's address). */
  declare pageHost: string;

  constructor() {
    super();
    this.summary = null;
    this.specVersion = null;
    this.pageHost = location.hostname;
  }

  private renderFacts() {
    const summary = this.summary!;
    const deployed = summary.deployed;
    const service = summary.service;
    return html`<dl>
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
    if (clusterStopped(this.summary!)) return 'The cluster is stopped, so the service does not answer until it runs.';
    if (service.error_code === 'cluster_unavailable') {
      return 'Cannot reach the cluster, so the service state is unknown.';
    }
    if (service.error) return 'The cluster could not be read, so the service state is unknown.';
    return service.installed
      ? 'The service has no external address yet.'
      : 'The service is not installed on this target.';
  }

  private renderChips() {
    const service = this.summary!.service;
    const exposure = exposureLabel(service.exposure);
    const scheme = service.scheme === 'https' ? 'HTTPS' : service.scheme === 'http' ? 'HTTP' : null;
    if (!exposure && !scheme) return nothing;
    return html`<ul class="chips" aria-label="How the service is reached">
      ${exposure ? html`<li class="chip" id="exposure-chip">${exposure}</li>` : nothing}
      ${scheme ? html`<li class="chip" id="scheme-chip">${scheme}</li>` : nothing}
    </ul>`;
  }

  /** Why there is no Swagger UI link, and what to use instead: the spec as elb-control reads it. */
  private renderReachNote(access: SwaggerAccess) {
    if (access.kind !== 'private' && access.kind !== 'loopback_elsewhere') return nothing;
    const summary = this.summary!;
    const address = summary.service.external_ip;
    const spec = `/api/targets/${encodeURIComponent(summary.target)}/openapi/spec`;
    const why =
      access.kind === 'private'
        ? html`<strong>${address}</strong> is a private address (an internal load balancer): only machines inside its
            network reach it, and this page is not served from there, so there is no Swagger UI link.`
        : html`<strong>${address}</strong> is a loopback address: only a browser on the machine running the cluster
            reaches it, so there is no Swagger UI link.`;
    return html`<p class="reach-note" id="reach-note">
      ${why} Use elb-control as the proxy: the endpoints on this page are read through it, and so is the
      <a href=${spec} target="_blank" rel="noopener noreferrer"
        >OpenAPI document<span class="visually-hidden"> (through elb-control, opens in a new tab)</span></a
      >.
    </p>`;
  }

  override render() {
    const summary = this.summary;
    if (!summary) return nothing;
    const service = summary.service;
    const deployed = summary.deployed;
    // The live spec's own word first: the recorded version is what the last deploy's probe read.
    const pill = versionPill(this.specVersion ?? service.api_version, deployed?.tag ?? null);
    const access = swaggerAccess(service, this.pageHost);
    return html`<section class="hero" aria-labelledby="hero-title">
      <div class="title-row">
        <h1 id="hero-title">elb-openapi API</h1>
        ${pill ? html`<span class="pill" id="version-pill"><span class="visually-hidden">Version </span>${pill}</span>` : nothing}
      </div>
      <p class="subtitle">
        Target <strong>${summary.target}</strong> ·
        ${summary.kind}${summary.namespace ? html` · namespace <code>${summary.namespace}</code>` : nothing}
      </p>
      ${this.renderChips()}
      ${
        service.base_url
          ? html`<div class="url-row">
              <span class="visually-hidden">Service base URL:</span>
              <code class="url" id="base-url">${service.base_url}</code>
              <elb-copy-button .value=${service.base_url} label="Copy URL"></elb-copy-button>
              ${
                access.kind === 'link'
                  ? html`<a class="button" href=${access.url} target="_blank" rel="noopener noreferrer"
                      >Open Swagger UI<span class="visually-hidden"> (opens in a new tab)</span></a
                    >`
                  : nothing
              }
            </div>`
          : html`<p class="url-row" id="service-line">${this.serviceLine()}</p>`
      }
      ${this.renderReachNote(access)} ${service.installed || deployed ? this.renderFacts() : nothing}
    </section>`;
  }
}

customElements.define('elb-service-hero', ElbServiceHero);

declare global {
  interface HTMLElementTagNameMap {
    'elb-service-hero': ElbServiceHero;
  }
}
