// Geometry of the History page's phase-timing chart: one horizontal bar per deploy, its phases laid end to end
// in the order they ran, all bars on a shared time scale so slow deploys and slow phases stand out.
import type { DeploymentRecord, PhaseStatus } from '../api/types.js';

export interface ChartSegment {
  name: string;
  status: PhaseStatus;
  /** Offset and width as fractions (0..1) of the longest deploy in the chart. */
  start: number;
  width: number;
  durationMs: number;
}

export interface ChartRow {
  instanceId: string;
  totalMs: number;
  segments: ChartSegment[];
}

export interface PhaseChart {
  scaleMs: number;
  rows: ChartRow[];
  /** Phase names in the order they first appear, for the legend and colours. */
  phases: string[];
}

export function phaseChart(records: readonly DeploymentRecord[]): PhaseChart {
  const phases: string[] = [];
  for (const record of records) for (const p of record.phases) if (!phases.includes(p.name)) phases.push(p.name);
  const totals = records.map((record) => record.phases.reduce((sum, p) => sum + p.durationMs, 0));
  const scaleMs = Math.max(1, ...totals);
  return {
    scaleMs,
    phases,
    rows: records.map((record, index) => {
      let offset = 0;
      const segments = record.phases.map((p) => {
        const segment = {
          name: p.name,
          status: p.status,
          start: offset / scaleMs,
          width: p.durationMs / scaleMs,
          durationMs: p.durationMs,
        };
        offset += p.durationMs;
        return segment;
      });
      return { instanceId: record.instance_id, totalMs: totals[index]!, segments };
    }),
  };
}
