// Runs one command: no shell, its own process group, stdin written while stdout/stderr are read, output capped
// (then drained so the child never blocks on a full pipe), and the whole group killed on timeout or cancel.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';

import type { GroupHooks } from './process-groups';

export type StreamName = 'stdout' | 'stderr';

/** Where streamed output goes. `write` returning false pauses the child's pipes until `drained` resolves. */
export interface OutputSink {
  write(stream: StreamName, chunk: Buffer): boolean;
  drained(): Promise<void>;
}

export interface RunSpec {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: Buffer | undefined;
  timeoutMs: number;
  killGraceMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** When set, output is handed here instead of being collected. The cap still applies. */
  sink?: OutputSink;
  /** Told when the command's process group starts and when it has been killed (process-groups.ts). */
  groups?: GroupHooks;
}

export interface RunOutcome {
  exitCode: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
  /** Set when the program could not be started at all. */
  spawnError?: string;
}

export const EXIT_TIMED_OUT = 124;
export const EXIT_CANNOT_RUN = 126;
export const EXIT_NOT_FOUND = 127;
export const EXIT_CANCELLED = 130;
/** How long to wait for pipes to close after the child exited (a escaped grandchild may hold them). */
const PIPE_CLOSE_GRACE_MS = 2000;

export function runCommand(spec: RunSpec): Promise<RunOutcome> {
  const started = process.hrtime.bigint();
  return new Promise<RunOutcome>((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let finished = false;
    let killTimer: NodeJS.Timeout | undefined;

    const child = spawn(spec.executable, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      // A new process group, so a timeout or cancel reaches everything the command started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });

    if (child.pid !== undefined) spec.groups?.started(child.pid);
    const out = capture(child.stdout, 'stdout');
    const err = capture(child.stderr, 'stderr');

    child.stdin.on('error', () => {
      // EPIPE: the command exited or closed stdin without reading it all; its exit status tells the story.
    });
    if (spec.stdin && spec.stdin.length > 0) child.stdin.end(spec.stdin);
    else child.stdin.end();

    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, spec.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      terminate();
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    child.once('error', (e: NodeJS.ErrnoException) => {
      // Spawn failed (ENOENT, EACCES): no process exists, so there is nothing to kill or wait for.
      finish(e.code === 'ENOENT' ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN, null, `${e.code ?? 'error'}: cannot start`);
    });

    child.once('exit', (code, signal) => {
      // Whatever the command left running in its group is an orphan of this request: end it now.
      killGroup('SIGKILL');
      const settle = (): void => finish(code ?? 128 + signalNumber(signal), signal, undefined);
      let pending = 2;
      const closed = (): void => {
        if (--pending === 0) {
          clearTimeout(pipeTimer);
          settle();
        }
      };
      const pipeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        settle();
      }, PIPE_CLOSE_GRACE_MS);
      out.done.then(closed, closed);
      err.done.then(closed, closed);
    });

    function terminate(): void {
      if (finished || child.pid === undefined) return;
      killGroup('SIGTERM');
      killTimer ??= setTimeout(() => killGroup('SIGKILL'), spec.killGraceMs);
    }

    function killGroup(sig: NodeJS.Signals): void {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    }

    function finish(code: number, signal: NodeJS.Signals | null, spawnError: string | undefined): void {
      if (finished) return;
      finished = true;
      if (child.pid !== undefined) spec.groups?.ended(child.pid);
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      let exitCode = code;
      if (timedOut) exitCode = EXIT_TIMED_OUT;
      else if (cancelled) exitCode = EXIT_CANCELLED;
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out.chunks),
        stderr: Buffer.concat(err.chunks),
        stdoutTruncated: out.truncated,
        stderrTruncated: err.truncated,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        timedOut,
        cancelled,
        ...(spawnError ? { spawnError } : {}),
      });
    }

    function capture(stream: Readable, name: StreamName) {
      const state = { chunks: [] as Buffer[], size: 0, truncated: false, done: Promise.resolve() };
      state.done = new Promise<void>((done) => {
        stream.once('close', done);
        stream.once('error', () => done());
      });
      stream.on('data', (chunk: Buffer) => {
        const room = spec.maxOutputBytes - state.size;
        if (room <= 0) {
          state.truncated = true;
          return; // keep reading and dropping so the child never blocks on a full pipe
        }
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (part.length < chunk.length) state.truncated = true;
        state.size += part.length;
        if (spec.sink) {
          if (!spec.sink.write(name, part)) {
            child.stdout.pause();
            child.stderr.pause();
            void spec.sink.drained().then(() => {
              child.stdout.resume();
              child.stderr.resume();
            });
          }
        } else state.chunks.push(part);
      });
      return state;
    }
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
