// Everything that changes a cluster goes through the exec server (the only holder of cluster-admin rights):
// server-side applies, and for AKS the credentials and workload-identity `az` commands. A kubeconfig target's
// file travels in the request's `files` and lives only in the request's private work dir.
import { readFile } from 'node:fs/promises';
import { DomainError } from '../core/errors';
import { FIELD_MANAGER } from '../core/manifests';
import { AksTarget, Target } from '../core/targets';
import { aksClusterArgs, azLogin, ExecStepSpec } from '../core/workload-identity';
import { ExecClient, ExecError, ExecResult, ExecStep } from './exec-client';
import { appConfig, execToken } from './settings';

const MAX_OUTPUT_IN_RESULT = 4000;

/** The app's exec client: a restarting exec server is waited for up to ELB_DEPENDENCY_RETRY_SECONDS. */
export function execClient(): ExecClient {
  const config = appConfig();
  return new ExecClient({
    baseUrl: config.execUpstream,
    token: execToken(),
    retryForMs: config.timings.dependencyRetrySeconds * 1000,
  });
}

/** kubectl's words for "the API server could not be reached": the request never reached the cluster. */
const KUBECTL_UNREACHABLE =
  /Unable to connect to the server|connection refused|no such host|i\/o timeout|the server is currently unable/i;

/** The argv of the apply: server-side, owned by elb-control, taking over fields other managers left behind. */
export function applyArgv(): string[] {
  return [
    'kubectl',
    '--kubeconfig',
    'kubeconfig',
    'apply',
    '--server-side',
    `--field-manager=${FIELD_MANAGER}`,
    '--force-conflicts',
    '-f',
    '-',
  ];
}

/** Steps that put an AKS cluster's kubeconfig (kubelogin, managed identity) into the work dir as `kubeconfig`. */
export function aksCredentialSteps(t: AksTarget, execIdentityClientId: string | null): ExecStepSpec[] {
  return [
    azLogin(execIdentityClientId),
    {
      argv: [
        'az',
        'aks',
        'get-credentials',
        ...aksClusterArgs(t),
        '--file',
        'kubeconfig',
        '--overwrite-existing',
        '--only-show-errors',
      ],
      timeout_seconds: 120,
    },
    {
      argv: [
        'kubelogin',
        'convert-kubeconfig',
        '--login',
        'msi',
        ...(execIdentityClientId ? ['--client-id', execIdentityClientId] : []),
        '--kubeconfig',
        'kubeconfig',
      ],
      timeout_seconds: 60,
    },
  ];
}

export interface ApplyOutcome {
  output: string;
}

export class ClusterExec {
  constructor(
    private readonly client: ExecClient = execClient(),
    private readonly timeoutSeconds = appConfig().execTimeoutSeconds,
    private readonly execIdentityClientId: string | null = process.env.ELB_EXEC_IDENTITY_CLIENT_ID || null,
    private readonly retrySeconds = appConfig().timings.dependencyRetrySeconds,
  ) {}

  /**
   * `kubectl apply --server-side` of the documents on stdin, against the target's cluster. An apply that certainly
   * did not reach the cluster (exec server or cluster API down) is tried again with backoff for
   * ELB_DEPENDENCY_RETRY_SECONDS (the exec client itself waits that long for its server).
   */
  async apply(target: Target, document: string): Promise<ApplyOutcome> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.applyOnce(target, document);
      } catch (err) {
        const unreachableCluster =
          err instanceof DomainError && err.code === 'cluster_unavailable' && err.details.not_applied === true;
        if (!unreachableCluster || Date.now() - started >= this.retrySeconds * 1000) throw err;
        await new Promise((ok) => setTimeout(ok, Math.min(4000, 250 * 2 ** attempt)));
      }
    }
  }

  private async applyOnce(target: Target, document: string): Promise<ApplyOutcome> {
    const apply: ExecStep = { argv: applyArgv(), stdin: document, timeout_seconds: this.timeoutSeconds };
    const result =
      target.kind === 'kubeconfig'
        ? await this.run({
            argv: apply.argv,
            stdin: apply.stdin,
            timeout_seconds: apply.timeout_seconds,
            files: { kubeconfig: await readKubeconfig(target.kubeconfig, target.name) },
          })
        : await this.run({ steps: [...aksCredentialSteps(target, this.execIdentityClientId), apply] });
    if (result.timed_out)
      throw new DomainError('apply_timeout', `kubectl apply did not finish within ${this.timeoutSeconds}s`, 504);
    if (result.exit_code !== 0 && KUBECTL_UNREACHABLE.test(result.stderr)) {
      // kubectl could not reach the API server, so nothing was applied; a partial apply would name the objects.
      const applied = /(serverside-applied|configured|created|unchanged)\b/.test(result.stdout);
      throw new DomainError(
        'cluster_unavailable',
        `kubectl could not reach the cluster API: ${firstLines(result.stderr)}`,
        503,
        applied ? {} : { not_applied: true },
      );
    }
    if (result.exit_code !== 0) {
      throw new DomainError(
        'apply_failed',
        `kubectl apply failed (exit ${result.exit_code}): ${firstLines(result.stderr)}`,
        502,
      );
    }
    return { output: result.stdout.slice(0, MAX_OUTPUT_IN_RESULT).trim() };
  }

  /** Runs `az` steps for an AKS target (after `az login --identity`); returns each step's stdout. */
  async az(steps: ExecStepSpec[]): Promise<string[]> {
    const result = await this.run({ steps: [azLogin(this.execIdentityClientId), ...steps] });
    const all = result.steps ?? [result];
    const failed = all.find((s) => s.exit_code !== 0 || s.timed_out);
    if (failed || all.length !== steps.length + 1) {
      const bad = failed ?? all.at(-1)!;
      const what = bad.timed_out ? 'timed out' : `exit ${bad.exit_code}`;
      throw new DomainError('workload_identity_failed', `az failed (${what}): ${firstLines(bad.stderr)}`, 502);
    }
    return all.slice(1).map((s) => s.stdout);
  }

  private async run(request: Parameters<ExecClient['run']>[0]): Promise<ExecResult> {
    try {
      return await this.client.run(request);
    } catch (err) {
      if (err instanceof ExecError) {
        throw new DomainError(
          err.code === 'denied_by_policy' ? 'exec_denied' : 'exec_unavailable',
          `exec server: ${err.message}`,
          502,
          err.notRun ? { not_applied: true } : {},
        );
      }
      throw err;
    }
  }
}

async function readKubeconfig(path: string, target: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new DomainError('kubeconfig_unreadable', `the kubeconfig of target "${target}" cannot be read`, 502);
  }
}

/** The first lines of a command's stderr, for an error message (the exec server already redacts secrets). */
function firstLines(text: string, max = 400): string {
  const t = text.trim().split('\n').slice(0, 4).join(' | ');
  return t.length > max ? `${t.slice(0, max)}…` : t || '(no output)';
}
