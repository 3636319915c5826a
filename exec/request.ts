// Validation of the JSON body of POST /exec and /exec/stream (docs/contracts.md). Pure: it turns untrusted input
// into a normalised request or a 400 error with a machine-readable code. The wire shape is exec/protocol.ts.
import { REQUEST_FIELDS, STEP_FIELDS } from './protocol';

export interface ExecLimits {
  maxStdinBytes: number;
  defaultTimeoutSeconds: number;
  maxTimeoutSeconds: number;
  maxSteps: number;
  maxFiles: number;
  maxArgs: number;
  maxArgBytes: number;
}

export interface StepInput {
  argv: string[];
  stdin: Buffer | undefined;
  timeoutSeconds: number;
}

export interface ExecInput {
  requestId: string | undefined;
  steps: StepInput[];
  files: Array<{ name: string; content: string }>;
  /** True when the caller sent `steps` (the answer then lists each step). */
  multiStep: boolean;
}

export class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const REQUEST_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** Flat names only, no dot files: a request cannot plant `.kube/config` or `.azure/...` in its HOME. */
const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function parseExecRequest(body: unknown, limits: ExecLimits): ExecInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequest('invalid_body', 'the request body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!(REQUEST_FIELDS as readonly string[]).includes(key)) {
      throw new BadRequest('unknown_field', `unknown field "${printable(key)}"`);
    }
  }
  let requestId: string | undefined;
  if (b.request_id !== undefined) {
    if (typeof b.request_id !== 'string' || !REQUEST_ID_RE.test(b.request_id)) {
      throw new BadRequest('invalid_request_id', 'request_id must be 1-128 letters, digits, ".", "_", ":" or "-"');
    }
    requestId = b.request_id;
  }
  const defaultTimeout =
    b.timeout_seconds === undefined ? limits.defaultTimeoutSeconds : timeout(b.timeout_seconds, 'timeout_seconds');

  let steps: StepInput[];
  const multiStep = b.steps !== undefined;
  if (multiStep) {
    if (b.argv !== undefined || b.stdin !== undefined) {
      throw new BadRequest('argv_or_steps', 'send either argv (with stdin) or steps, not both');
    }
    if (!Array.isArray(b.steps) || b.steps.length === 0 || b.steps.length > limits.maxSteps) {
      throw new BadRequest('invalid_steps', `steps must be an array of 1 to ${limits.maxSteps} steps`);
    }
    steps = b.steps.map((raw, i) => {
      const where = `steps[${i}]`;
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new BadRequest('invalid_steps', `${where} must be an object`);
      }
      const s = raw as Record<string, unknown>;
      for (const key of Object.keys(s)) {
        if (!(STEP_FIELDS as readonly string[]).includes(key)) {
          throw new BadRequest('unknown_field', `unknown field "${where}.${printable(key)}"`);
        }
      }
      return {
        argv: argv(s.argv, `${where}.argv`),
        stdin: stdin(s.stdin, `${where}.stdin`),
        timeoutSeconds:
          s.timeout_seconds === undefined ? defaultTimeout : timeout(s.timeout_seconds, `${where}.timeout_seconds`),
      };
    });
  } else {
    if (b.argv === undefined) throw new BadRequest('argv_or_steps', 'argv (or steps) is required');
    steps = [{ argv: argv(b.argv, 'argv'), stdin: stdin(b.stdin, 'stdin'), timeoutSeconds: defaultTimeout }];
  }
  return { requestId, steps, files: files(b.files), multiStep };

  function argv(value: unknown, where: string): string[] {
    if (!Array.isArray(value) || value.length === 0 || value.length > limits.maxArgs) {
      throw new BadRequest('invalid_argv', `${where} must be an array of 1 to ${limits.maxArgs} strings`);
    }
    for (const [i, arg] of value.entries()) {
      if (typeof arg !== 'string') throw new BadRequest('invalid_argv', `${where}[${i}] must be a string`);
      if (arg.includes('\0')) throw new BadRequest('invalid_argv', `${where}[${i}] contains a NUL byte`);
      if (Buffer.byteLength(arg) > limits.maxArgBytes) {
        throw new BadRequest('invalid_argv', `${where}[${i}] is longer than ${limits.maxArgBytes} bytes`);
      }
    }
    const bin = value[0] as string;
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(bin)) {
      throw new BadRequest('invalid_argv', `${where}[0] must be a bare binary name (no path)`);
    }
    return value as string[];
  }

  function stdin(value: unknown, where: string): Buffer | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw new BadRequest('invalid_stdin', `${where} must be a string`);
    const buf = Buffer.from(value, 'utf8');
    if (buf.length > limits.maxStdinBytes) {
      throw new BadRequest('stdin_too_large', `${where} is larger than ${limits.maxStdinBytes} bytes`);
    }
    return buf;
  }

  function timeout(value: unknown, where: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new BadRequest('invalid_timeout', `${where} must be a whole number of seconds`);
    }
    if (value < 1 || value > limits.maxTimeoutSeconds) {
      throw new BadRequest('timeout_out_of_range', `${where} must be between 1 and ${limits.maxTimeoutSeconds}`);
    }
    return value;
  }

  function files(value: unknown): Array<{ name: string; content: string }> {
    if (value === undefined || value === null) return [];
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequest('invalid_files', 'files must be an object of file name → text');
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > limits.maxFiles) {
      throw new BadRequest('invalid_files', `at most ${limits.maxFiles} files per request`);
    }
    return entries.map(([name, content]) => {
      if (!FILE_NAME_RE.test(name)) {
        throw new BadRequest('invalid_file_name', 'file names must be plain names (letters, digits, ".", "_", "-")');
      }
      if (typeof content !== 'string') throw new BadRequest('invalid_files', `files.${name} must be a string`);
      return { name, content };
    });
  }
}

function printable(s: string): string {
  return (s.length > 40 ? `${s.slice(0, 40)}…` : s).replace(/[^\x20-\x7e]/g, '?');
}
