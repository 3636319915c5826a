// Runs a request's steps in its work dir, one after another, stopping at the first that does not succeed. Before
// each step its path arguments are checked again with symlinks followed, and kubeconfigs are read and checked
// (docs/exec.md, Paths checked at run time).
import { promises as fs } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';

import { clusterIdentity } from './cluster-identity';
import type { Executables } from './executables';
import { HttpError } from './http-answers';
import { checkKubeconfig } from './kubeconfig-check';
import type { CacheLease, KubectlCaches } from './kubectl-cache';
import { NdjsonSink, startStream } from './ndjson';
import type { Decision, Policy } from './policy';
import type { GroupHooks } from './process-groups';
import type { ExecErrorBody, ExecStepResult } from './protocol';
import type { ExecInput } from './request';
import { emptyStep, notFound, toStepResult } from './results';
import { EXIT_CANNOT_RUN, runCommand, type RunOutcome } from './runner';
import type { ExecSettings } from './settings';
import { realPathInside } from './workdir';

export type Allowed = Extract<Decision, { allowed: true }>;

export interface StepsContext {
  settings: ExecSettings;
  policy: Policy;
  parentEnv: NodeJS.ProcessEnv;
  executables: Executables;
  groups: GroupHooks | undefined;
  /** Per-cluster kubectl cache dirs; undefined when the shared cache is off (EXEC_KUBECTL_CACHE_MAX_BYTES=0). */
  kubectlCaches: KubectlCaches | undefined;
}

export interface StepsRun {
  res: http.ServerResponse;
  streaming: boolean;
  input: ExecInput;
  decisions: Allowed[];
  workDir: string;
  signal: AbortSignal;
}

export async function runSteps(
  ctx: StepsContext,
  run: StepsRun,
): Promise<{ results: ExecStepResult[]; error?: ExecErrorBody }> {
  const { settings: s, policy } = ctx;
  const { res, streaming, input, decisions, workDir, signal } = run;
  const results: ExecStepResult[] = [];
  const roots = [workDir, ...policy.pathRoots];
  const env = childEnv(ctx, workDir);
  for (const [i, step] of input.steps.entries()) {
    const decision = decisions[i] as Allowed;
    const { denial, kubeconfig } = await checkPaths(policy, decision, workDir, roots);
    if (denial) {
      // Before anything ran the request can still be refused as a whole; later, the step reports it.
      if (results.length === 0) {
        throw new HttpError(403, 'denied_by_policy', denial.message, 'denied', {
          rule: denial.rule,
          ...(input.multiStep ? { step: i } : {}),
        });
      }
      results.push({
        ...emptyStep(0),
        exit_code: EXIT_CANNOT_RUN,
        stderr: `exec: denied by policy: ${denial.message}`,
      });
      return { results, error: { code: 'denied_by_policy', ...denial } };
    }
    if (streaming) startStream(res);
    const executable = await ctx.executables.resolve(decision.executable, policy.env.path);
    let outcome: RunOutcome;
    if (!executable) {
      outcome = notFound(decision.binary);
    } else {
      const sink = streaming
        ? new NdjsonSink(res, s.maxLineBytes, s.clientTimeoutMs, input.multiStep ? i : undefined)
        : undefined;
      const cache = await clusterCache(ctx, decision, kubeconfig, workDir);
      outcome = await runCommand({
        executable,
        // The server's own flag goes first; the policy let no caller name it (docs/exec.md, The kubectl cache).
        args: cache ? [`${cache.flag}=${cache.lease.dir}`, ...decision.args] : decision.args,
        cwd: workDir,
        env,
        stdin: step.stdin,
        timeoutMs: step.timeoutSeconds * 1000,
        killGraceMs: s.killGraceMs,
        maxOutputBytes: s.maxOutputBytes,
        signal,
        sink,
        groups: ctx.groups,
      }).finally(() => cache?.lease.release());
      sink?.flush();
      if (outcome.spawnError) {
        outcome = {
          ...outcome,
          stderr: Buffer.from(`exec: cannot start ${decision.binary} (${outcome.spawnError})\n`),
        };
      }
    }
    results.push(toStepResult(outcome, streaming));
    if (outcome.exitCode !== 0 || outcome.cancelled || outcome.timedOut) break;
  }
  return { results };
}

/** Children get only what the policy names, with the request's work dir as HOME and TMPDIR. */
function childEnv(ctx: StepsContext, workDir: string): Record<string, string> {
  const policyEnv = ctx.policy.env;
  const env: Record<string, string> = { PATH: policyEnv.path, HOME: workDir, TMPDIR: workDir, LANG: 'C.UTF-8' };
  for (const name of policyEnv.pass) {
    const value = ctx.parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, policyEnv.set);
  return env;
}

/**
 * The cache dir of the cluster this step's kubeconfig names, when its binary has one (`cluster_cache`) and the
 * kubeconfig tells for certain which server and credential it uses (a single `--kubeconfig`, read and checked).
 */
async function clusterCache(
  ctx: StepsContext,
  decision: Allowed,
  kubeconfig: Array<{ text: string; resolved: string }>,
  workDir: string,
): Promise<{ flag: string; lease: CacheLease } | undefined> {
  const flag = ctx.policy.binaries.get(decision.binary)?.clusterCacheFlag;
  const only = kubeconfig.length === 1 ? kubeconfig[0] : undefined;
  if (!flag || !ctx.kubectlCaches || !only) return undefined;
  const identity = clusterIdentity(only.text, path.dirname(only.resolved), workDir, decision.flags);
  const lease = identity && (await ctx.kubectlCaches.acquire(identity));
  return lease ? { flag, lease } : undefined;
}

/**
 * Path arguments must still resolve inside the allowed directories once symlinks are followed. Returns the
 * kubeconfigs read on the way (for the cluster cache), or what refused the step.
 */
async function checkPaths(
  policy: Policy,
  decision: Allowed,
  workDir: string,
  roots: string[],
): Promise<{ denial?: { rule: string; message: string }; kubeconfig: Array<{ text: string; resolved: string }> }> {
  const kubeconfig: Array<{ text: string; resolved: string }> = [];
  const deny = (denial: { rule: string; message: string }) => ({ denial, kubeconfig });
  for (const p of decision.paths) {
    const { ok, resolved } = await realPathInside(workDir, p.value, roots);
    if (!ok) {
      return deny({
        rule: 'path_roots',
        message: `${decision.binary}: ${p.where} points outside the allowed directories`,
      });
    }
    if (p.kubeconfig) {
      const text = await readKubeconfig(resolved);
      if (text === undefined) continue; // kubectl reports a missing kubeconfig itself
      if (text === TOO_BIG) return deny({ rule: 'kubeconfig.format', message: 'kubeconfig is larger than 4 MiB' });
      const problem = checkKubeconfig(text, path.dirname(resolved), roots, policy.kubeconfigExecCommands);
      if (problem) return deny(problem);
      if (!kubeconfig.some((k) => k.resolved === resolved)) kubeconfig.push({ text, resolved });
    }
  }
  return { kubeconfig };
}

const TOO_BIG = Symbol('too big');

async function readKubeconfig(file: string): Promise<string | typeof TOO_BIG | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return undefined;
    if (stat.size > 4 * 1024 * 1024) return TOO_BIG;
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}
