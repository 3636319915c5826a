// Dismissed deploy results, remembered in localStorage (see core/dismissals.ts). Storage may be blocked or full
// (private modes, policies): then dismissals last as long as the page, never an error.
import { parseDismissed, withDismissed } from '../core/dismissals.js';

const KEY = 'elb-control.dismissed-deploys';
/** This page's own dismissals, in case storage refuses them. */
const inPage = new Set<string>();

function stored(): string[] {
  try {
    return parseDismissed(localStorage.getItem(KEY));
  } catch {
    return [];
  }
}

export const dismissals = {
  /** Read from storage each time, so a dismissal made in another tab counts here too. */
  has(deployId: string): boolean {
    return inPage.has(deployId) || stored().includes(deployId);
  },
  add(deployId: string): void {
    inPage.add(deployId);
    try {
      localStorage.setItem(KEY, JSON.stringify(withDismissed(stored(), deployId)));
    } catch {
      // Kept for this page only.
    }
  },
};
