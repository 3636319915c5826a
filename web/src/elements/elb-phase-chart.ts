import { LitElement, css, html, nothing } from 'lit';
import type { DeploymentRecord } from '../api/types.js';
import { formatDuration, formatTimestamp } from '../core/format.js';
import { phaseChart, type ChartSegment } from '../core/history-chart.js';
import { phaseLabel } from '../core/phases.js';
import { sharedStyles } from './shared-styles.js';

/** How a segment ended: the phase a deploy failed in, or (in a cancelled deploy) the one it was cancelled in. */
const mark = (s: ChartSegment, cancelled: boolean): '' | 'failed' | 'cancelled' =>
  s.status !== 'failed' ? '' : cancelled ? 'cancelled' : 'failed';

/** A segment in words, for its tooltip and its row's accessible description. */
const segmentText = (s: ChartSegment, cancelled: boolean): string => {
  const how = mark(s, cancelled);
  return `${phaseLabel(s.name)} ${formatDuration(s.durationMs)}${how ? ` (${how})` : ''}`;
};

const isCancelled = (record: DeploymentRecord): boolean => record.status === 'cancelled';

// Distinguishable on white and from each other; a phase keeps its colour across rows.
const PALETTE = ['#0b5cad', '#8250df', '#1a7f37', '#bc4c00', '#0e7490', '#a40e26', '#6e7781', '#7a4e00'];

/** Horizontal bars of phase durations, one per deploy, on a shared time scale. */
export class ElbPhaseChart extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      figure {
        margin: 0;
      }
      .row {
        display: grid;
        grid-template-columns: 13rem 1fr 5rem;
        gap: 0.75rem;
        align-items: center;
        padding: 0.25rem 0;
      }
      .when {
        font-size: 0.875rem;
        color: var(--elb-muted);
        font-variant-numeric: tabular-nums;
      }
      .track {
        position: relative;
        height: 1.25rem;
        background: #f0f3f6;
        border-radius: 3px;
      }
      .segment {
        position: absolute;
        top: 0;
        bottom: 0;
        min-width: 2px;
        border-right: 1px solid #fff;
      }
      .segment.cancelled {
        background-image: repeating-linear-gradient(45deg, rgb(255 255 255 / 0.45) 0 4px, transparent 4px 8px);
        outline: 2px dashed #7a4e00;
        outline-offset: -2px;
      }
      .segment.failed {
        background-image: repeating-linear-gradient(45deg, rgb(255 255 255 / 0.45) 0 4px, transparent 4px 8px);
        outline: 2px solid #b42318;
        outline-offset: -2px;
      }
      .total {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      @media (max-width: 48rem) {
        .row {
          grid-template-columns: 1fr auto;
          gap: 0.125rem 0.5rem;
        }
        .when {
          grid-column: 1 / 3;
        }
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 1rem;
        margin: 0.75rem 0 0;
        padding: 0;
        list-style: none;
        font-size: 0.875rem;
      }
      .swatch {
        display: inline-block;
        width: 0.875rem;
        height: 0.875rem;
        border-radius: 2px;
        margin-right: 0.375rem;
        vertical-align: -0.125rem;
      }
    `,
  ];
  static override properties = { records: { attribute: false } };

  declare records: DeploymentRecord[];

  constructor() {
    super();
    this.records = [];
  }

  override render() {
    const chart = phaseChart(this.records);
    if (chart.phases.length === 0) return html`<p class="muted">No deploy has phase timings yet.</p>`;
    const colour = (name: string) => PALETTE[chart.phases.indexOf(name) % PALETTE.length];
    return html`<figure>
      <figcaption class="visually-hidden">
        Time spent in each deploy phase, one bar per deploy, newest first.
      </figcaption>
      ${chart.rows.map((row, index) => {
        const record = this.records[index]!;
        const cancelled = isCancelled(record);
        const description = row.segments.map((s) => segmentText(s, cancelled)).join(', ');
        return html`<div class="row">
          <span class="when">${formatTimestamp(record.started_at)}</span>
          <div
            class="track"
            role="img"
            aria-label=${`Deploy ${record.instance_id}: ${description || 'no timed phases'}`}
          >
            ${row.segments.map(
              (s) =>
                html`<span
                  class="segment ${s.status === 'failed' ? mark(s, cancelled) : s.status}"
                  title=${segmentText(s, cancelled)}
                  style="left:${(s.start * 100).toFixed(3)}%;width:${(s.width * 100).toFixed(3)}%;background-color:${colour(s.name)}"
                ></span>`,
            )}
          </div>
          <span class="total">${row.segments.length > 0 ? formatDuration(row.totalMs) : nothing}</span>
        </div>`;
      })}
      <ul class="legend" aria-label="Phases">
        ${chart.phases.map((name) => html`<li><span class="swatch" style="background-color:${colour(name)}"></span>${phaseLabel(name)}</li>`)}
        ${
          chart.rows.some((row, i) =>
            row.segments.some((seg) => mark(seg, isCancelled(this.records[i]!)) === 'cancelled'),
          )
            ? html`<li>
                <span
                  class="swatch"
                  style="background-color:#6e7781;outline:2px dashed #7a4e00;outline-offset:-2px"
                ></span
                >Phase it was cancelled in
              </li>`
            : nothing
        }
        ${
          chart.rows.some((row, i) => row.segments.some((seg) => mark(seg, isCancelled(this.records[i]!)) === 'failed'))
            ? html`<li>
                <span
                  class="swatch"
                  style="background-color:#6e7781;outline:2px solid #b42318;outline-offset:-2px"
                ></span
                >Failed phase
              </li>`
            : nothing
        }
      </ul>
    </figure>`;
  }
}

customElements.define('elb-phase-chart', ElbPhaseChart);

declare global {
  interface HTMLElementTagNameMap {
    'elb-phase-chart': ElbPhaseChart;
  }
}
