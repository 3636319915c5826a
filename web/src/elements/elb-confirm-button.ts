import { LitElement, css, html, nothing } from 'lit';
import { ElbConfirmEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/**
 * A button whose action needs a confirmation: it opens a modal question built on the native <dialog> (focus is
 * trapped and Escape cancels for free) and fires `elb-confirm` only when the user confirms. The safe choice has
 * focus when the question opens, so Enter never destroys anything by accident. The slot is the question's text.
 */
export class ElbConfirmButton extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      dialog {
        border: 1px solid var(--elb-border);
        border-radius: 8px;
        padding: 1.25rem 1.5rem;
        max-width: 32rem;
        color: var(--elb-fg);
      }
      dialog::backdrop {
        background: rgb(15 23 42 / 0.45);
      }
    `,
  ];
  static override properties = {
    label: { type: String },
    variant: { type: String },
    disabled: { type: Boolean },
    heading: { type: String },
    confirmLabel: { type: String, attribute: 'confirm-label' },
    cancelLabel: { type: String, attribute: 'cancel-label' },
    description: { type: String },
  };

  /** The button's text. */
  declare label: string;
  /** `primary` or `danger` styles the button; `danger` also styles the confirming choice. */
  declare variant: '' | 'primary' | 'danger';
  declare disabled: boolean;
  declare heading: string;
  declare confirmLabel: string;
  declare cancelLabel: string;
  /** Why the button is disabled, or other advice, announced with the button (aria-describedby). */
  declare description: string;

  constructor() {
    super();
    this.label = '';
    this.variant = '';
    this.disabled = false;
    this.heading = 'Are you sure?';
    this.confirmLabel = 'Confirm';
    this.cancelLabel = 'Cancel';
    this.description = '';
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  private ask(): void {
    const dialog = this.dialog;
    if (dialog && !dialog.open) {
      dialog.returnValue = '';
      dialog.showModal();
    }
  }

  private answer(confirmed: boolean): void {
    this.dialog?.close(confirmed ? 'confirm' : 'cancel');
  }

  private onClose(): void {
    if (this.dialog?.returnValue === 'confirm') this.dispatchEvent(new ElbConfirmEvent());
  }

  override render() {
    return html`<button
        type="button"
        class=${this.variant}
        ?disabled=${this.disabled}
        aria-describedby=${this.description ? 'description' : nothing}
        @click=${this.ask}
      >
        ${this.label}
      </button>
      ${this.description ? html`<span id="description" hidden>${this.description}</span>` : nothing}
      <dialog aria-labelledby="title" @close=${this.onClose}>
        <h2 id="title">${this.heading}</h2>
        <slot></slot>
        <div class="actions">
          <button type="button" autofocus @click=${() => this.answer(false)}>${this.cancelLabel}</button>
          <button
            type="button"
            class=${this.variant === 'danger' ? 'danger' : 'primary'}
            @click=${() => this.answer(true)}
          >
            ${this.confirmLabel}
          </button>
        </div>
      </dialog>`;
  }
}

customElements.define('elb-confirm-button', ElbConfirmButton);

declare global {
  interface HTMLElementTagNameMap {
    'elb-confirm-button': ElbConfirmButton;
  }
}
