import { LitElement, css, html, nothing, type TemplateResult } from 'lit';
import { fillNamespace, readableMessage } from '../core/deploy-text.js';
import { sharedStyles } from './shared-styles.js';

const MAX_DEPTH = 4;

function humanKey(key: string): string {
  const words = key
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

interface EventLike {
  kind?: unknown;
  name?: unknown;
  reason: string;
  message: string;
  type?: unknown;
  count?: unknown;
}

/** Kubernetes events (`{kind, name, reason, message, type?, count?}`) read best as one line each. */
function isEventList(value: unknown[]): value is EventLike[] {
  return value.every(
    (item) =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as EventLike).reason === 'string' &&
      typeof (item as EventLike).message === 'string',
  );
}

function renderEvent(event: EventLike): TemplateResult {
  const object = [event.kind, event.name].filter((part) => typeof part === 'string').join('/');
  const count = typeof event.count === 'number' && event.count > 1 ? ` ×${event.count}` : '';
  const warning = event.type === 'Warning';
  return html`<li>
    ${warning ? html`<span class="badge warn">Warning</span> ` : nothing}<strong>${event.reason}</strong>${count}
    ${object ? html`<code>${object}</code>` : nothing}: ${event.message}
  </li>`;
}

/**
 * Renders server-provided evidence of any JSON shape as readable text (Lit escapes every value). Strings get the
 * real namespace in their commands and phase labels instead of raw phase names.
 */
function renderValue(value: unknown, depth: number, namespace: string | null): TemplateResult | string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') {
    const text = fillNamespace(readableMessage(value), namespace);
    return text.includes('\n') ? html`<pre>${text}</pre>` : text;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (depth >= MAX_DEPTH) return html`<code>${JSON.stringify(value)}</code>`;
  if (Array.isArray(value)) {
    if (value.length === 0) return '—';
    if (isEventList(value))
      return html`<ul class="events">
        ${value.map(renderEvent)}
      </ul>`;
    return html`<ul>
      ${value.map((item) => html`<li>${renderValue(item, depth + 1, namespace)}</li>`)}
    </ul>`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '—';
  return html`<dl>
    ${entries.map(
      ([key, item]) =>
        html`<dt>${humanKey(key)}</dt>
          <dd>${renderValue(item, depth + 1, namespace)}</dd>`,
    )}
  </dl>`;
}

/** A titled block of diagnostics (events, likely cause, what to do) or a rollback report. */
export class ElbDiagnostics extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-top: 0.75rem;
      }
      dl {
        margin: 0;
        display: grid;
        grid-template-columns: minmax(8rem, max-content) 1fr;
        gap: 0.25rem 1rem;
      }
      dt {
        font-weight: 600;
        color: var(--elb-muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      ul {
        margin: 0;
        padding-left: 1.25rem;
      }
      ul.events {
        list-style: none;
        padding-left: 0;
      }
      ul.events li + li {
        margin-top: 0.25rem;
      }
      pre {
        margin: 0;
        white-space: pre-wrap;
        font-size: 0.875rem;
        max-height: 16rem;
        overflow: auto;
        background: #f6f8fa;
        padding: 0.5rem;
        border-radius: 4px;
      }
    `,
  ];
  static override properties = {
    heading: { type: String },
    data: { attribute: false },
    namespace: { attribute: false },
  };

  declare heading: string;
  declare data: unknown;
  /** The target's namespace, for `<namespace>` in suggested commands. */
  declare namespace: string | null;

  constructor() {
    super();
    this.heading = 'Diagnostics';
    this.data = null;
    this.namespace = null;
  }

  override render() {
    if (this.data === null || this.data === undefined) return nothing;
    return html`<h3>${this.heading}</h3>
      ${renderValue(this.data, 0, this.namespace)}`;
  }
}

customElements.define('elb-diagnostics', ElbDiagnostics);

declare global {
  interface HTMLElementTagNameMap {
    'elb-diagnostics': ElbDiagnostics;
  }
}
