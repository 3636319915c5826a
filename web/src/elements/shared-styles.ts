// Styles every element adopts: type scale, buttons, cards, badges, a visible focus ring. Colours were picked
// for WCAG AA contrast on white (axe checks it in the browser tests).
import { css } from 'lit';

export const sharedStyles = css`
  :host {
    --elb-fg: #1b1f24;
    --elb-muted: #4f5862;
    --elb-border: #d0d7de;
    --elb-surface: #ffffff;
    --elb-accent: #0b5cad;
    --elb-accent-fg: #ffffff;
    --elb-ok: #116329;
    --elb-warn-bg: #fff8c5;
    --elb-warn-border: #d4a72c;
    --elb-danger: #b42318;
    --elb-danger-bg: #ffebe9;
    --elb-focus: #0969da;
    box-sizing: border-box;
    color: var(--elb-fg);
    font-size: 1rem;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2,
  h3,
  h4 {
    margin: 0 0 0.5rem;
    line-height: 1.25;
  }
  h2 {
    font-size: 1.25rem;
  }
  h3 {
    font-size: 1.0625rem;
  }
  p {
    margin: 0.25rem 0 0.75rem;
  }
  code,
  .mono {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.875rem;
  }
  .card {
    background: var(--elb-surface);
    border: 1px solid var(--elb-border);
    border-radius: 8px;
    padding: 1rem 1.25rem;
    margin: 0 0 1rem;
  }
  .muted {
    color: var(--elb-muted);
  }
  button,
  .button {
    font: inherit;
    font-size: 0.9375rem;
    display: inline-flex;
    align-items: center;
    gap: 0.375rem;
    min-height: 2.25rem;
    padding: 0.375rem 0.875rem;
    border-radius: 6px;
    border: 1px solid var(--elb-border);
    background: #f6f8fa;
    color: var(--elb-fg);
    cursor: pointer;
    text-decoration: none;
  }
  button:hover:not([disabled]),
  .button:hover {
    background: #eef1f4;
  }
  button.primary {
    background: var(--elb-accent);
    border-color: var(--elb-accent);
    color: var(--elb-accent-fg);
  }
  button.primary:hover:not([disabled]) {
    background: #094a8c;
  }
  button.danger {
    color: var(--elb-danger);
    border-color: #e8b4b0;
  }
  button[disabled] {
    cursor: not-allowed;
    opacity: 0.65;
  }
  :focus-visible {
    outline: 3px solid var(--elb-focus);
    outline-offset: 2px;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
    margin-top: 0.75rem;
  }
  .badge {
    display: inline-block;
    white-space: nowrap;
    padding: 0.0625rem 0.5rem;
    border-radius: 999px;
    border: 1px solid var(--elb-border);
    background: #f6f8fa;
    font-size: 0.875rem;
    font-weight: 600;
  }
  .badge.accent {
    background: #ddf4ff;
    border-color: #54aeff;
    color: #0a3069;
  }
  .badge.ok {
    background: #dafbe1;
    border-color: #4ac26b;
    color: var(--elb-ok);
  }
  .badge.danger {
    background: var(--elb-danger-bg);
    border-color: #ff8182;
    color: var(--elb-danger);
  }
  .badge.warn {
    background: var(--elb-warn-bg);
    border-color: var(--elb-warn-border);
    color: #5c4400;
  }
  .notice {
    border-radius: 6px;
    padding: 0.625rem 0.875rem;
    margin: 0.5rem 0;
    border: 1px solid var(--elb-border);
  }
  .notice.warn {
    background: var(--elb-warn-bg);
    border-color: var(--elb-warn-border);
  }
  .notice.error {
    background: var(--elb-danger-bg);
    border-color: #ff8182;
  }
  .notice.ok {
    background: #dafbe1;
    border-color: #4ac26b;
  }
  .blocked {
    color: var(--elb-danger);
    font-weight: 600;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  table {
    border-collapse: collapse;
    width: 100%;
  }
  th,
  td {
    text-align: left;
    padding: 0.5rem 0.625rem;
    border-bottom: 1px solid var(--elb-border);
    vertical-align: top;
  }
  td code {
    white-space: nowrap;
  }
  th {
    font-size: 0.875rem;
    color: var(--elb-muted);
    font-weight: 600;
  }
  a {
    color: var(--elb-accent);
  }
`;

/**
 * What the three pages add: the page itself, its title, and tables that reflow on narrow screens: below 48rem each
 * row becomes a block and each cell is labelled by its column (`data-label`), so nothing scrolls sideways.
 */
export const pageStyles = css`
  :host {
    display: block;
  }
  h1 {
    font-size: 1.5rem;
    margin: 0 0 1rem;
    overflow-wrap: anywhere;
  }
  .table-wrap {
    overflow-x: auto;
  }
  @media (max-width: 48rem) {
    .table-wrap {
      overflow-x: visible;
      padding: 0.25rem 0.75rem;
    }
    table.reflow,
    table.reflow tbody,
    table.reflow tr,
    table.reflow th,
    table.reflow td {
      display: block;
      width: 100%;
    }
    table.reflow thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
    }
    table.reflow tr {
      padding: 0.5rem 0;
      border-bottom: 1px solid var(--elb-border);
    }
    table.reflow tr:last-child {
      border-bottom: none;
    }
    table.reflow th,
    table.reflow td {
      border: none;
      padding: 0.125rem 0;
      overflow-wrap: anywhere;
    }
    table.reflow td code {
      white-space: normal;
      overflow-wrap: anywhere;
    }
    table.reflow td[data-label]::before {
      content: attr(data-label) ': ';
      font-weight: 600;
      color: var(--elb-muted);
      font-size: 0.875rem;
    }
  }
`;
