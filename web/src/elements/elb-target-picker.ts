import { LitElement, css, html, nothing } from 'lit';
import { ElbTargetChangeEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/** Chooses the target (cluster) a page shows; hidden when there is only one. */
export class ElbTargetPicker extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        margin-bottom: 1rem;
      }
      select {
        font: inherit;
        padding: 0.25rem 0.5rem;
        border: 1px solid #8c959f;
        border-radius: 6px;
        margin-left: 0.5rem;
      }
    `,
  ];
  static override properties = {
    targets: { attribute: false },
    selected: { type: String },
  };

  declare targets: string[];
  declare selected: string | null;

  constructor() {
    super();
    this.targets = [];
    this.selected = null;
  }

  override render() {
    if (this.targets.length < 2) return nothing;
    return html`<label
      >Target
      <select
        @change=${(e: Event) => this.dispatchEvent(new ElbTargetChangeEvent((e.target as HTMLSelectElement).value))}
      >
        ${this.targets.map((name) => html`<option value=${name} ?selected=${name === this.selected}>${name}</option>`)}
      </select></label
    >`;
  }
}

customElements.define('elb-target-picker', ElbTargetPicker);

declare global {
  interface HTMLElementTagNameMap {
    'elb-target-picker': ElbTargetPicker;
  }
}
