// The result shapes of POST /exec built from what the runner reports. Pure.
import type { Outcome } from './audit';
import type { ExecResult, ExecStepResult } from './protocol';
import { EXIT_CANCELLED, EXIT_NOT_FOUND, type RunOutcome } from './runner';

export function toStepResult(o: RunOutcome, streaming: boolean): ExecStepResult {
  return {
    exit_code: o.exitCode,
    stdout: streaming ? '' : decodeUtf8(o.stdout),
    stderr: streaming ? '' : decodeUtf8(o.stderr),
    stdout_truncated: o.stdoutTruncated,
    stderr_truncated: o.stderrTruncated,
    duration_ms: Math.round(o.durationMs),
    timed_out: o.timedOut,
    ...(o.cancelled ? { cancelled: true } : {}),
  };
}

export function emptyStep(durationMs: number): ExecStepResult {
  return {
    exit_code: 0,
    stdout: '',
    stderr: '',
    stdout_truncated: false,
    stderr_truncated: false,
    duration_ms: Math.round(durationMs),
    timed_out: false,
  };
}

/** The answer for a request cancelled before any command ran. */
export function notRun(requestId: string, multiStep: boolean, durationMs: number): ExecResult {
  return {
    request_id: requestId,
    ...emptyStep(durationMs),
    exit_code: EXIT_CANCELLED,
    cancelled: true,
    ...(multiStep ? { steps: [] } : {}),
  };
}

export function notFound(binary: string): RunOutcome {
  return {
    exitCode: EXIT_NOT_FOUND,
    signal: null,
    stdout: Buffer.alloc(0),
    stderr: Buffer.from(`exec: ${binary} is not installed on the exec server\n`),
    stdoutTruncated: false,
    stderrTruncated: false,
    durationMs: 0,
    timedOut: false,
    cancelled: false,
  };
}

export function stepOutcome(last: ExecStepResult | undefined, signal: AbortSignal): Outcome {
  if (last?.cancelled) return abortOutcome(signal);
  if (last?.timed_out) return 'timed_out';
  return last && last.exit_code !== 0 ? 'failed' : 'ok';
}

export function abortOutcome(signal: AbortSignal): Outcome {
  return signal.reason === 'client_aborted' ? 'client_aborted' : 'cancelled';
}

/** Decodes UTF-8, dropping a multi-byte character the output cap cut in half. */
export function decodeUtf8(buf: Buffer): string {
  let end = buf.length;
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && ((buf[end - back - 1] as number) & 0xc0) === 0x80) back++;
  const lead = buf[end - back - 1];
  if (lead !== undefined && lead >= 0xc0) {
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (back + 1 < need) end = end - back - 1;
  }
  return buf.subarray(0, end).toString('utf8');
}
