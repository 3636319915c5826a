// Runs a request's steps in its work dir, one after another, stopping at the first that does not succeed. Before
// each step its path arguments are checked again with symlinks followed, and kubeconfigs are read and checked
// (docs/exec.md, Paths checked at run time).
import { promises as fs } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';

import type { Executables } from './executables';
import { HttpError } from './http-answers';
import { checkKubeconfig } from './kubeconfig-check';
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
    const denial = await checkPaths(policy, decision, workDir, roots);
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
      outcome = await runCommand({
        executable,
        args: decision.args,
        cwd: workDir,
        env,
        stdin: step.stdin,
        timeoutMs: step.timeoutSeconds * 1000,
        killGraceMs: s.killGraceMs,
        maxOutputBytes: s.maxOutputBytes,
        signal,
        sink,
        groups: ctx.groups,
      });
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

/** Path arguments must still resolve inside the allowed directories once symlinks are followed. */
async function checkPaths(
  policy: Policy,
  decision: Allowed,
  workDir: string,
  roots: string[],
): Promise<{ rule: string; message: string } | undefined> {
  for (const p of decision.paths) {
    const { ok, resolved } = await realPathInside(workDir, p.value, roots);
    if (!ok) {
      return { rule: 'path_roots', message: `${decision.binary}: ${p.where} points outside the allowed directories` };
    }
    if (p.kubeconfig) {
      const text = await readKubeconfig(resolved);
      if (text === undefined) continue; // kubectl reports a missing kubeconfig itself
      if (text === TOO_BIG) return { rule: 'kubeconfig.format', message: 'kubeconfig is larger than 4 MiB' };
      const problem = checkKubeconfig(text, path.dirname(resolved), roots, policy.kubeconfigExecCommands);
      if (problem) return problem;
    }
  }
  return undefined;
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
