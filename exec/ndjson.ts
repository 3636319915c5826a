// POST /exec/stream: output as NDJSON records, one per line, lines longer than the cap cut and flagged; the summary
// is always the last record.
import type * as http from 'node:http';

import type { ExecResult, ExecStreamLine, ExecStreamSummary } from './protocol';
import type { OutputSink, StreamName } from './runner';

export const NDJSON_HEADERS = { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } as const;

export class NdjsonSink implements OutputSink {
  private readonly partial: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
  private readonly partialSize: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private readonly skipping: Record<StreamName, boolean> = { stdout: false, stderr: false };

  constructor(
    private readonly res: http.ServerResponse,
    private readonly maxLineBytes: number,
    private readonly stuckMs: number,
    private readonly step: number | undefined,
  ) {}

  write(stream: StreamName, chunk: Buffer): boolean {
    let ok = true;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!this.skipping[stream]) {
        const room = this.maxLineBytes - this.partialSize[stream];
        if (piece.length > room) {
          this.partial[stream].push(piece.subarray(0, room));
          ok = this.emit(stream, true) && ok;
          this.skipping[stream] = true;
        } else {
          this.partial[stream].push(piece);
          this.partialSize[stream] += piece.length;
        }
      }
      if (nl === -1) break;
      if (this.skipping[stream]) this.skipping[stream] = false;
      else ok = this.emit(stream, false) && ok;
      start = nl + 1;
    }
    return ok;
  }

  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.res.destroyed) return resolve();
      // A client that stops reading is stuck: drop it (which kills the command) rather than wait forever.
      const timer = setTimeout(() => this.res.destroy(), this.stuckMs);
      const done = (): void => {
        clearTimeout(timer);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
  }

  /** Emits what is left of an unterminated last line. */
  flush(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partialSize[stream] > 0) this.emit(stream, false);
      this.skipping[stream] = false;
    }
  }

  private emit(stream: StreamName, truncated: boolean): boolean {
    const line = Buffer.concat(this.partial[stream]).toString('utf8');
    this.partial[stream] = [];
    this.partialSize[stream] = 0;
    if (this.res.destroyed) return true;
    const record: ExecStreamLine = {
      stream,
      line,
      ...(truncated ? { truncated: true } : {}),
      ...(this.step !== undefined ? { step: this.step } : {}),
    };
    return this.res.write(`${JSON.stringify(record)}\n`);
  }
}

/** Streamed answers carried the output as lines already; the summary keeps only the figures. */
export function streamSummary(result: ExecResult): ExecStreamSummary {
  const { stdout: _out, stderr: _err, steps, ...figures } = result;
  return {
    summary: true,
    ...figures,
    ...(steps ? { steps: steps.map(({ stdout: _o, stderr: _e, ...step }) => step) } : {}),
  };
}

export function startStream(res: http.ServerResponse): void {
  if (!res.headersSent) res.writeHead(200, NDJSON_HEADERS);
}

export function endStream(res: http.ServerResponse, summary: ExecStreamSummary): void {
  res.end(`${JSON.stringify(summary)}\n`);
}
