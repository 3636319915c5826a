import { LitElement, css, html } from 'lit';
import { ElbConfirmEvent } from './events.js';
import { sharedStyles } from './shared-styles.js';

/**
 * A modal question built on the native <dialog> (focus is trapped and Escape cancels for free). The safe
 * choice has focus when it opens, so Enter never destroys anything by accident.
 */
export class ElbConfirmDialog extends LitElement {
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
    heading: { type: String },
    confirmLabel: { type: String, attribute: 'confirm-label' },
    cancelLabel: { type: String, attribute: 'cancel-label' },
    danger: { type: Boolean },
  };

  declare heading: string;
  declare confirmLabel: string;
  declare cancelLabel: string;
  declare danger: boolean;

  constructor() {
    super();
    this.heading = 'Are you sure?';
    this.confirmLabel = 'Confirm';
    this.cancelLabel = 'Cancel';
    this.danger = false;
  }

  private get dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  async show(): Promise<void> {
    await this.updateComplete;
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
    this.dispatchEvent(new ElbConfirmEvent(this.dialog?.returnValue === 'confirm'));
  }

  override render() {
    return html`<dialog aria-labelledby="title" @close=${this.onClose}>
      <h2 id="title">${this.heading}</h2>
      <slot></slot>
      <div class="actions">
        <button type="button" autofocus @click=${() => this.answer(false)}>${this.cancelLabel}</button>
        <button type="button" class=${this.danger ? 'danger' : 'primary'} @click=${() => this.answer(true)}>
          ${this.confirmLabel}
        </button>
      </div>
    </dialog>`;
  }
}

customElements.define('elb-confirm-dialog', ElbConfirmDialog);

declare global {
  interface HTMLElementTagNameMap {
    'elb-confirm-dialog': ElbConfirmDialog;
  }
}
