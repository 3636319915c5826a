import { html, nothing, type TemplateResult } from 'lit';

export interface ReadViewOptions<T> {
  /** What was read, for the error sentence ("the targets"). */
  what: string;
  /** The status line while the first answer is awaited. */
  loading: string;
  retry: () => void;
  render: (value: T) => unknown;
}

/**
 * How the Overview and History pages show a read: its error as an alert (saying whether an older answer is still
 * shown), then the answer, or — before the first one — a loading status or, after a failure, Try again.
 */
export function readView<T>(
  read: { value: T | null; error: { code: string; message: string } | null },
  options: ReadViewOptions<T>,
): TemplateResult {
  const { value, error } = read;
  // Trying again cannot conjure up a target the server does not have; the list of targets can help.
  if (error?.code === 'unknown_target' && value === null) return unknownTargetView(error.message);
  return html`${
    error
      ? html`<div class="notice error" role="alert">
          Could not read ${options.what}: ${error.message}
          <code>${error.code}</code>${value !== null ? ' Showing the last answer; retrying.' : ''}
        </div>`
      : nothing
  }
  ${
    value !== null
      ? options.render(value)
      : error
        ? html`<button type="button" @click=${options.retry}>Try again</button>`
        : html`<p class="muted" role="status">${options.loading}</p>`
  }`;
}

/** A URL naming a target the server does not have: say so once and link to the targets that exist. */
export function unknownTargetView(message: string): TemplateResult {
  return html`<div class="card">
    <div class="notice error" role="alert">${message}</div>
    <p><a href="/">See the list of targets</a> and pick one of them.</p>
  </div>`;
}
