// ACR Tasks quick builds, simulated: `scheduleRun` with a DockerBuildRequest queues a run that goes
// Queued → Running → Succeeded after the build delay and then pushes a new digest for each image name, exactly as
// a push does (sim/registry/http.ts pushImage: store + ImagePushed event). The fault API can make the next run fail
// or take longer; a run that would take longer than its `timeout` ends as Timeout. Nothing of the request that
// could hold a secret (source URL, arguments) is kept.
import { ArmError } from './errors';
import type { FaultRegistry } from '../faults';
import { REPOSITORY_NAME, TAG_NAME } from '../registry/store';

export type RunStatus = 'Queued' | 'Started' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled' | 'Error' | 'Timeout';
const TERMINAL: RunStatus[] = ['Succeeded', 'Failed', 'Canceled', 'Error', 'Timeout'];

export interface OutputImage {
  registry: string;
  repository: string;
  tag: string;
  digest: string;
}

export interface RunRecord {
  runId: string;
  status: RunStatus;
  createTime: string;
  startTime?: string;
  finishTime?: string;
  lastUpdatedTime: string;
  platform: { os: string; architecture?: string; variant?: string };
  imageNames: string[];
  isPushEnabled: boolean;
  timeoutSec: number;
  outputImages: OutputImage[];
  runErrorMessage?: string;
}

export interface BuildsSnapshot {
  seq: number;
  runs: RunRecord[];
}

export interface BuildDeps {
  faults: FaultRegistry;
  /** How long a build takes unless a build_slow fault says otherwise. */
  buildDelayMs: number;
  /** Pushes `repository:tag` to the sim registry and starts sending its event; answers the new digest. */
  push: (repository: string, tag: string) => string;
  loginServer: () => string;
  log: (line: string) => void;
}

const KEEP_RUNS = 200;
const QUEUE_MS = 200;
const SOURCE = /^(https:\/\/[^\s]{1,2000}|[A-Za-z0-9._/-]{1,500})$/;
const DOCKERFILE = /^[A-Za-z0-9._/-]{1,500}$/;
const OS = ['Linux', 'Windows'];
const ARCH = ['amd64', 'x86', '386', 'arm', 'arm64'];

export class BuildRuns {
  private runs: RunRecord[] = [];
  private seq = 0;
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly deps: BuildDeps) {}

  /** Validates a RunRequest and queues it. Throws ArmError 400 on bad input. */
  schedule(input: unknown): RunRecord {
    const req = parseDockerBuildRequest(input);
    const fail = this.deps.faults.take('build_fail');
    const slow = this.deps.faults.take('build_slow');
    const now = new Date().toISOString();
    const run: RunRecord = {
      runId: `ca${++this.seq}`,
      status: 'Queued',
      createTime: now,
      lastUpdatedTime: now,
      platform: req.platform,
      imageNames: req.imageNames,
      isPushEnabled: req.isPushEnabled,
      timeoutSec: req.timeoutSec,
      outputImages: [],
    };
    this.runs.unshift(run);
    this.runs.splice(KEEP_RUNS);
    const buildMs = slow ? slow.delay_ms : this.deps.buildDelayMs;
    const limitMs = req.timeoutSec * 1000;
    this.later(run, Math.min(QUEUE_MS, buildMs), () => this.set(run, 'Running'));
    if (buildMs > limitMs) {
      this.later(run, limitMs, () =>
        this.finish(run, 'Timeout', `the run did not finish within its timeout of ${req.timeoutSec} s`),
      );
    } else if (fail) {
      this.later(run, buildMs, () =>
        this.finish(run, 'Failed', fail.message ?? 'the Docker build failed (a build_fail fault)'),
      );
    } else {
      this.later(run, buildMs, () => this.succeed(run));
    }
    this.deps.log(`build ${run.runId} queued: ${run.imageNames.join(', ')} (${buildMs} ms)`);
    this.changed();
    return run;
  }

  get(runId: string): RunRecord | undefined {
    return this.runs.find((r) => r.runId === runId);
  }

  /** Newest first, filtered (the subset of ACR's $filter grammar in parseFilter) and cut to `top`. */
  list(filter: string | null, top: number | null): RunRecord[] {
    const match = filter ? parseFilter(filter) : () => true;
    const out = this.runs.filter(match);
    return top === null ? out : out.slice(0, top);
  }

  /** Cancels a queued or running run; a finished run is left as it is. */
  cancel(runId: string): RunRecord | undefined {
    const run = this.get(runId);
    if (run && !TERMINAL.includes(run.status)) this.finish(run, 'Canceled');
    return run;
  }

  snapshot(): BuildsSnapshot {
    return { seq: this.seq, runs: this.runs.map((r) => ({ ...r })) };
  }

  /** Runs that were in flight when the sim stopped end as Error: their timers died with the process. */
  restore(s: BuildsSnapshot | undefined): void {
    if (!s) return;
    this.seq = s.seq;
    this.runs = s.runs.map((r) => ({ ...r }));
    for (const r of this.runs)
      if (!TERMINAL.includes(r.status)) this.finish(r, 'Error', 'the sim stopped during the run');
  }

  onChange(fn: () => void): void {
    this.listeners.add(fn);
  }

  close(): void {
    for (const ts of this.timers.values()) for (const t of ts) clearTimeout(t);
    this.timers.clear();
  }

  private succeed(run: RunRecord): void {
    if (TERMINAL.includes(run.status)) return;
    try {
      if (run.isPushEnabled) {
        for (const name of run.imageNames) {
          const [repository, tag] = splitImageName(name);
          const digest = this.deps.push(repository, tag);
          run.outputImages.push({ registry: this.deps.loginServer(), repository, tag, digest });
        }
      }
      this.finish(run, 'Succeeded');
    } catch (err) {
      this.finish(run, 'Error', `the push failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private set(run: RunRecord, status: RunStatus): void {
    if (TERMINAL.includes(run.status)) return;
    run.status = status;
    run.lastUpdatedTime = new Date().toISOString();
    if (status === 'Running') run.startTime = run.lastUpdatedTime;
    this.changed();
  }

  private finish(run: RunRecord, status: RunStatus, message?: string): void {
    if (TERMINAL.includes(run.status)) return;
    for (const t of this.timers.get(run.runId) ?? []) clearTimeout(t);
    this.timers.delete(run.runId);
    run.status = status;
    run.finishTime = run.lastUpdatedTime = new Date().toISOString();
    if (message) run.runErrorMessage = message;
    this.deps.log(`build ${run.runId} ${status}${message ? `: ${message}` : ''}`);
    this.changed();
  }

  private later(run: RunRecord, ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    const list = this.timers.get(run.runId) ?? [];
    list.push(t);
    this.timers.set(run.runId, list);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** The Run resource as ARM serves it. */
export function runResource(registryId: string, r: RunRecord): Record<string, unknown> {
  return {
    id: `${registryId}/runs/${r.runId}`,
    name: r.runId,
    type: 'Microsoft.ContainerRegistry/registries/runs',
    properties: {
      runId: r.runId,
      status: r.status,
      lastUpdatedTime: r.lastUpdatedTime,
      runType: 'QuickRun',
      createTime: r.createTime,
      ...(r.startTime ? { startTime: r.startTime } : {}),
      ...(r.finishTime ? { finishTime: r.finishTime } : {}),
      outputImages: r.outputImages,
      platform: r.platform,
      agentConfiguration: { cpu: 2 },
      ...(r.runErrorMessage ? { runErrorMessage: r.runErrorMessage } : {}),
      provisioningState: 'Succeeded',
      isArchiveEnabled: false,
    },
  };
}

interface DockerBuild {
  imageNames: string[];
  isPushEnabled: boolean;
  timeoutSec: number;
  platform: { os: string; architecture?: string; variant?: string };
}

const bad = (message: string): ArmError => new ArmError(400, 'InvalidRequestContent', message);

function splitImageName(name: string): [string, string] {
  const i = name.lastIndexOf(':');
  return [name.slice(0, i), name.slice(i + 1)];
}

/** A DockerBuildRequest as the RunRequest discriminator `type` names it; the other run types are not simulated. */
export function parseDockerBuildRequest(input: unknown): DockerBuild {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw bad('the body must be a RunRequest object');
  const o = input as Record<string, unknown>;
  if (o.type !== 'DockerBuildRequest') {
    throw new ArmError(
      400,
      'UnsupportedRunRequestType',
      `the sim runs only DockerBuildRequest, not ${typeof o.type === 'string' ? `'${o.type.slice(0, 60)}'` : 'a request without "type"'}`,
    );
  }
  if (!Array.isArray(o.imageNames) || o.imageNames.length < 1 || o.imageNames.length > 10)
    throw bad('"imageNames" must list 1 to 10 images as repository:tag');
  const imageNames = o.imageNames.map((n: unknown) => {
    if (typeof n !== 'string' || !n.includes(':')) throw bad('each image name must be repository:tag');
    const [repo, tag] = splitImageName(n);
    if (!REPOSITORY_NAME.test(repo) || !TAG_NAME.test(tag))
      throw bad(`'${n.slice(0, 200)}' is not a valid repository:tag (templates such as {{.Run.ID}} are not simulated)`);
    return n;
  });
  if (o.isPushEnabled !== undefined && typeof o.isPushEnabled !== 'boolean')
    throw bad('"isPushEnabled" must be a boolean');
  if (typeof o.sourceLocation !== 'string' || !SOURCE.test(o.sourceLocation))
    throw bad(
      '"sourceLocation" must be an https URL (a git repository, optionally #ref:context) or an uploaded source path',
    );
  if (typeof o.dockerFilePath !== 'string' || !DOCKERFILE.test(o.dockerFilePath))
    throw bad('"dockerFilePath" must be a relative path such as Dockerfile or docker/Dockerfile');
  const p = o.platform as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null || typeof p.os !== 'string' || !OS.includes(p.os))
    throw bad('"platform" must be {"os":"Linux"|"Windows"[,"architecture"]}');
  if (p.architecture !== undefined && (typeof p.architecture !== 'string' || !ARCH.includes(p.architecture)))
    throw bad(`"platform.architecture" must be one of ${ARCH.join(', ')}`);
  if (p.variant !== undefined && (typeof p.variant !== 'string' || !/^v[678]$/.test(p.variant)))
    throw bad('"platform.variant" must be v6, v7 or v8');
  let timeoutSec = 3600;
  if (o.timeout !== undefined) {
    if (typeof o.timeout !== 'number' || !Number.isInteger(o.timeout) || o.timeout < 1 || o.timeout > 28800)
      throw bad('"timeout" must be whole seconds from 1 to 28800');
    timeoutSec = o.timeout;
  }
  if (o.arguments !== undefined && !Array.isArray(o.arguments)) throw bad('"arguments" must be a list');
  return {
    imageNames,
    isPushEnabled: o.isPushEnabled !== false,
    timeoutSec,
    platform: {
      os: p.os,
      ...(typeof p.architecture === 'string' ? { architecture: p.architecture } : {}),
      ...(typeof p.variant === 'string' ? { variant: p.variant } : {}),
    },
  };
}

/**
 * ACR's run filter, the part the sim understands: clauses `field eq 'value'` joined by `and`, with field one of
 * RunId, Status, OutputImageManifests (`repository:tag`), case-insensitive. Anything else is 400 InvalidFilter.
 */
export function parseFilter(filter: string): (r: RunRecord) => boolean {
  if (filter.length > 1000) throw new ArmError(400, 'InvalidFilter', 'the $filter is too long');
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m = c.trim().match(/^(\w+)\s+eq\s+'([^']{0,300})'$/i);
    if (!m) throw new ArmError(400, 'InvalidFilter', `unsupported $filter clause '${c.trim().slice(0, 100)}'`);
    const field = m[1]!.toLowerCase();
    const value = m[2]!;
    if (field === 'runid') return (r: RunRecord) => r.runId === value;
    if (field === 'status') return (r: RunRecord) => r.status.toLowerCase() === value.toLowerCase();
    if (field === 'outputimagemanifests')
      return (r: RunRecord) => r.outputImages.some((i) => `${i.repository}:${i.tag}` === value);
    throw new ArmError(
      400,
      'InvalidFilter',
      `the sim filters runs by RunId, Status or OutputImageManifests, not '${m[1]}'`,
    );
  });
  return (r) => clauses.every((c) => c(r));
}
