import { LitElement, css, html } from 'lit';
import { parseRoute, routeHref, type PageName, type Route } from '../core/routes.js';
import type { ElbTargetChangeEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';
import './elb-docs-page.js';
import './elb-history-page.js';
import './elb-overview-page.js';

const PAGES: { page: PageName; label: string }[] = [
  { page: 'overview', label: 'Overview' },
  { page: 'docs', label: 'API' },
  { page: 'history', label: 'History' },
];

const TITLES: Record<Route['page'], string> = {
  overview: 'Overview',
  docs: 'API',
  history: 'History',
  not_found: 'Page not found',
};

/** The shell: navigation, client-side routing over the History API, and the current page. */
export class ElbApp extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      header {
        background: #0d1117;
        color: #fff;
      }
      .bar {
        max-width: 72rem;
        margin: 0 auto;
        padding: 0.25rem 1.25rem;
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.25rem 2rem;
        min-height: 3.25rem;
      }
      .brand {
        font-weight: 700;
        font-size: 1.0625rem;
      }
      nav ul {
        display: flex;
        gap: 0.25rem;
        list-style: none;
        margin: 0;
        padding: 0;
      }
      nav a {
        display: block;
        color: #e6edf3;
        text-decoration: none;
        padding: 0.375rem 0.75rem;
        border-radius: 6px;
      }
      nav a:hover {
        background: rgb(255 255 255 / 0.1);
      }
      nav a[aria-current='page'] {
        background: rgb(255 255 255 / 0.18);
        color: #fff;
        font-weight: 600;
      }
      header :focus-visible {
        outline-color: #fff;
      }
      main {
        max-width: 72rem;
        margin: 0 auto;
        padding: 1.25rem;
      }
      h1 {
        font-size: 1.5rem;
        margin: 0 0 1rem;
      }
      main:focus {
        outline: none;
      }
      @media (max-width: 40rem) {
        .bar {
          gap: 0.25rem 1rem;
          padding: 0.25rem 0.75rem;
        }
        main {
          padding: 1rem 0.75rem;
        }
      }
    `,
  ];
  static override properties = { route: { state: true } };

  declare route: Route;

  constructor() {
    super();
    this.route = parseRoute(location.pathname, location.search);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('popstate', this.onPopState);
    this.addEventListener('click', this.onClick);
    document.title = `${TITLES[this.route.page]} · elb-control`;
  }

  override disconnectedCallback(): void {
    window.removeEventListener('popstate', this.onPopState);
    this.removeEventListener('click', this.onClick);
    super.disconnectedCallback();
  }

  private readonly onPopState = (): void => {
    this.route = parseRoute(location.pathname, location.search);
  };

  private navigate(href: string): void {
    const url = new URL(href, location.href);
    if (url.pathname + url.search !== location.pathname + location.search) history.pushState(null, '', url);
    const previous = this.route.page;
    this.route = parseRoute(url.pathname, url.search);
    document.title = `${TITLES[this.route.page]} · elb-control`;
    // Move focus to the new page so keyboard and screen-reader users start at its content.
    if (previous !== this.route.page)
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('main')?.focus());
  }

  /** Same-origin links inside the app (including inside pages' shadow roots) navigate without a reload. */
  private readonly onClick = (event: MouseEvent): void => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    const anchor = event.composedPath().find((node): node is HTMLAnchorElement => node instanceof HTMLAnchorElement);
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api')) return;
    event.preventDefault();
    this.navigate(url.href);
  };

  private onTargetChange(event: ElbTargetChangeEvent): void {
    const page = this.route.page === 'not_found' ? 'overview' : this.route.page;
    this.navigate(routeHref(page, event.targetName));
  }

  private renderPage() {
    const target = this.route.target;
    switch (this.route.page) {
      case 'docs':
        return html`<elb-docs-page .target=${target}></elb-docs-page>`;
      case 'history':
        return html`<elb-history-page .target=${target}></elb-history-page>`;
      case 'overview':
        return html`<elb-overview-page></elb-overview-page>`;
      case 'not_found':
        return html`<h1>Page not found</h1>
          <div class="card">
            <p>
              The dashboard has no page at <code>${location.pathname}</code>. Its pages are
              <a href=${routeHref('overview', target)}>Overview</a> (every target),
              <a href=${routeHref('docs', target)}>API</a> (the elb-openapi service) and
              <a href=${routeHref('history', target)}>History</a> (past deploys).
            </p>
          </div>`;
    }
  }

  override render() {
    return html`<header>
        <div class="bar">
          <span class="brand">elb-control</span>
          <nav aria-label="Pages">
            <ul>
              ${PAGES.map(
                ({ page, label }) =>
                  html`<li>
                    <a
                      href=${routeHref(page, this.route.target)}
                      aria-current=${this.route.page === page ? 'page' : 'false'}
                      >${label}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
        </div>
      </header>
      <main id="main" tabindex="-1" @elb-target-change=${this.onTargetChange}>${this.renderPage()}</main>`;
  }
}

customElements.define('elb-app', ElbApp);

declare global {
  interface HTMLElementTagNameMap {
    'elb-app': ElbApp;
  }
}
