import { LitElement, html } from 'lit';
import { sharedStyles } from './shared-styles.js';

/** Copies a value to the clipboard and says so in a polite live region. */
export class ElbCopyButton extends LitElement {
  static override styles = [sharedStyles];
  static override properties = {
    value: { type: String },
    label: { type: String },
    result: { state: true },
  };

  declare value: string;
  declare label: string;
  declare result: '' | 'copied' | 'failed';

  constructor() {
    super();
    this.value = '';
    this.label = 'Copy';
    this.result = '';
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.value);
      this.result = 'copied';
    } catch {
      // Clipboard access needs a secure context and permission; say so instead of failing silently.
      this.result = 'failed';
    }
  }

  override render() {
    return html`<button type="button" @click=${this.copy} aria-label=${`${this.label}: ${this.value}`}>
        ${this.result === 'copied' ? 'Copied' : this.label}</button
      ><span class="visually-hidden" role="status"
        >${this.result === 'copied' ? 'Copied to the clipboard.' : this.result === 'failed' ? 'Copy failed: the browser blocked clipboard access. Select the text and copy it by hand.' : ''}</span
      >`;
  }
}

customElements.define('elb-copy-button', ElbCopyButton);

declare global {
  interface HTMLElementTagNameMap {
    'elb-copy-button': ElbCopyButton;
  }
}
