// Geometry of the History page's phase-timing chart: one horizontal bar per deploy, one segment per phase,
// all bars on a shared time scale so slow deploys and slow phases stand out.
import type { DeploymentRecord, PhaseStatus } from '../api/types.js';
import { parseTime } from './format.js';

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

/** Only phases with both timestamps are drawn; skipped or never-started phases have no duration to show. */
export function phaseChart(records: readonly DeploymentRecord[]): PhaseChart {
  const phases: string[] = [];
  const measured = records.map((record) => {
    const timed = record.timeline.flatMap((entry) => {
      const start = parseTime(entry.startedAt);
      const end = parseTime(entry.endedAt);
      if (start === null || end === null || end < start) return [];
      if (!phases.includes(entry.name)) phases.push(entry.name);
      return [{ name: entry.name, status: entry.status, start, end }];
    });
    const origin = timed.length > 0 ? Math.min(...timed.map((t) => t.start)) : 0;
    const totalMs = timed.length > 0 ? Math.max(...timed.map((t) => t.end)) - origin : 0;
    return { record, timed, origin, totalMs };
  });
  const scaleMs = Math.max(1, ...measured.map((m) => m.totalMs));
  return {
    scaleMs,
    phases,
    rows: measured.map(({ record, timed, origin, totalMs }) => ({
      instanceId: record.instance_id,
      totalMs,
      segments: timed.map((t) => ({
        name: t.name,
        status: t.status,
        start: (t.start - origin) / scaleMs,
        width: (t.end - t.start) / scaleMs,
        durationMs: t.end - t.start,
      })),
    })),
  };
}
