// Faults on demand: what a test or a person can make the simulated cluster do wrong, and how each is matched.

export type FaultType =
  | 'image_pull'
  | 'crash_loop'
  | 'unschedulable'
  | 'lb_ip'
  | 'api_latency'
  | 'api_errors'
  | 'build_fail'
  | 'build_slow'
  | 'arm_errors';

interface Base {
  id: string;
  type: FaultType;
  created_at: string;
}

export interface ImagePullFault extends Base {
  type: 'image_pull';
  /** `repo`, `repo:tag`, `repo@sha256:…` or `sha256:…`, optionally with the registry host in front. */
  image: string;
}
export interface CrashLoopFault extends Base {
  type: 'crash_loop';
  image?: string;
  namespace?: string;
  /** Only pods created from the second the fault was armed crash (a bad rollout); running pods keep running. */
  new_pods?: boolean;
}
export interface UnschedulableFault extends Base {
  type: 'unschedulable';
  namespace?: string;
}
export interface LbIpFault extends Base {
  type: 'lb_ip';
  mode: 'slow' | 'never';
  delay_ms?: number;
  namespace?: string;
}
export interface ApiLatencyFault extends Base {
  type: 'api_latency';
  ms: number;
}
export interface ApiErrorsFault extends Base {
  type: 'api_errors';
  rate: number;
  status: 500 | 503;
}

/** The next ACR Tasks run fails (status Failed with `message`); used up by that run. */
export interface BuildFailFault extends Base {
  type: 'build_fail';
  message?: string;
}
/** The next ACR Tasks run takes `delay_ms` instead of the sim's build delay; used up by that run. */
export interface BuildSlowFault extends Base {
  type: 'build_slow';
  delay_ms: number;
}

/** Resource Manager answers every management request 503 while armed (tokens are still issued); until cleared. */
export interface ArmErrorsFault extends Base {
  type: 'arm_errors';
}

export type Fault =
  | ImagePullFault
  | CrashLoopFault
  | UnschedulableFault
  | LbIpFault
  | ApiLatencyFault
  | ApiErrorsFault
  | BuildFailFault
  | BuildSlowFault
  | ArmErrorsFault;

export class FaultInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,250}$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A run error message: one line of printable text. */
const MESSAGE = /^[\x20-\x7e]{1,200}$/;

function optString(input: Record<string, unknown>, key: string, re: RegExp): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !re.test(v)) throw new FaultInputError('invalid_fault', `"${key}" is not valid`);
  return v;
}

function reqNumber(input: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = input[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new FaultInputError('invalid_fault', `"${key}" must be a number from ${min} to ${max}`);
  }
  return v;
}

/** Validates a fault request body (from the control API or the CLI) into a Fault. */
export function parseFault(input: unknown, id: string, now: string): Fault {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new FaultInputError('invalid_fault', 'a fault must be a JSON object with a "type"');
  }
  const o = input as Record<string, unknown>;
  const base = { id, created_at: now };
  const ns = optString(o, 'namespace', NAMESPACE);
  switch (o.type) {
    case 'image_pull': {
      const image = optString(o, 'image', IMAGE);
      if (!image) throw new FaultInputError('invalid_fault', 'image_pull needs "image" (repo, repo:tag or a digest)');
      return { ...base, type: 'image_pull', image };
    }
    case 'crash_loop': {
      const image = optString(o, 'image', IMAGE);
      if (o.new_pods !== undefined && typeof o.new_pods !== 'boolean')
        throw new FaultInputError('invalid_fault', '"new_pods" must be true or false');
      return {
        ...base,
        type: 'crash_loop',
        ...(image ? { image } : {}),
        ...(ns ? { namespace: ns } : {}),
        ...(o.new_pods ? { new_pods: true } : {}),
      };
    }
    case 'unschedulable':
      return { ...base, type: 'unschedulable', ...(ns ? { namespace: ns } : {}) };
    case 'lb_ip': {
      if (o.mode !== 'slow' && o.mode !== 'never')
        throw new FaultInputError('invalid_fault', 'lb_ip needs "mode": "slow" or "never"');
      if (o.mode === 'slow') {
        return {
          ...base,
          type: 'lb_ip',
          mode: 'slow',
          delay_ms: reqNumber(o, 'delay_ms', 0, 3_600_000),
          ...(ns ? { namespace: ns } : {}),
        };
      }
      return { ...base, type: 'lb_ip', mode: 'never', ...(ns ? { namespace: ns } : {}) };
    }
    case 'api_latency':
      return { ...base, type: 'api_latency', ms: reqNumber(o, 'ms', 0, 120_000) };
    case 'api_errors': {
      const status = o.status === undefined ? 503 : o.status;
      if (status !== 500 && status !== 503) throw new FaultInputError('invalid_fault', '"status" must be 500 or 503');
      return { ...base, type: 'api_errors', rate: reqNumber(o, 'rate', 0, 1), status };
    }
    case 'build_fail': {
      const message = optString(o, 'message', MESSAGE);
      return { ...base, type: 'build_fail', ...(message ? { message } : {}) };
    }
    case 'build_slow':
      return { ...base, type: 'build_slow', delay_ms: reqNumber(o, 'delay_ms', 0, 3_600_000) };
    case 'arm_errors':
      return { ...base, type: 'arm_errors' };
    default:
      throw new FaultInputError(
        'unknown_fault_type',
        'type must be one of image_pull, crash_loop, unschedulable, lb_ip, api_latency, api_errors, build_fail, ' +
          'build_slow, arm_errors',
      );
  }
}

export class FaultRegistry {
  private faults: Fault[] = [];
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  add(input: unknown): Fault {
    const fault = parseFault(input, `f${++this.seq}-${Date.now().toString(36)}`, new Date().toISOString());
    this.faults.push(fault);
    this.changed();
    return fault;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    if (this.faults.length !== before) this.changed();
    return this.faults.length !== before;
  }

  clear(): number {
    const n = this.faults.length;
    this.faults = [];
    if (n) this.changed();
    return n;
  }

  list(): Fault[] {
    return [...this.faults];
  }

  restore(faults: Fault[]): void {
    this.faults = [...faults];
  }

  /** Removes and returns the oldest fault of `type` (one-shot faults: the next build). */
  take<T extends FaultType>(type: T): Extract<Fault, { type: T }> | undefined {
    const f = this.of(type)[0];
    if (f) this.remove(f.id);
    return f;
  }

  of<T extends FaultType>(type: T): Extract<Fault, { type: T }>[] {
    return this.faults.filter((f): f is Extract<Fault, { type: T }> => f.type === type);
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
