import { randomUUID } from 'node:crypto';
import { format } from 'node:util';
import type { CoreBinding, RegisteredFunction, Registry } from './registry.js';

/** The parts of the app's own @azure/functions module the devhost constructs objects with. */
export interface FunctionsLib {
  InvocationContext: new (init: Record<string, unknown>) => InvocationContextLike;
  HttpRequest: new (init: Record<string, unknown>) => unknown;
  HttpResponse: new (init?: Record<string, unknown>) => unknown;
}

export interface InvocationContextLike {
  invocationId: string;
  extraInputs: { set(name: string, value: unknown): void };
  extraOutputs: { get(name: string): unknown };
}

export interface InvocationOutcome {
  invocationId: string;
  context: InvocationContextLike;
  result?: unknown;
  /** Set when the function (or a hook) threw; undefined means success. */
  error?: unknown;
  durationMs: number;
}

export interface InvokerOptions {
  lib: FunctionsLib;
  registry: Registry;
  /** The durable client binding value for this host (URLs carry the real port). */
  durableClientValue: () => unknown;
  /** Where log lines go (one line per call). */
  write: (line: string) => void;
}

const OUT_OF_PROC_LABEL = '\n\n$OutOfProcData$:';

/**
 * Calls registered functions the way the Node worker does: a fresh InvocationContext built from the function's
 * bindings, the durable client input filled in, preInvocation hooks (which may replace the handler or the inputs),
 * handler(...inputs, context), postInvocation hooks (which may replace the result or the error), and one log line.
 */
export class Invoker {
  constructor(private readonly options: InvokerOptions) {}

  async invoke(
    fn: RegisteredFunction,
    triggerValue: unknown,
    triggerMetadata: Record<string, unknown> = {},
  ): Promise<InvocationOutcome> {
    const started = performance.now();
    const invocationId = randomUUID();
    const context = this.createContext(fn, invocationId, triggerMetadata);
    const hookData: Record<string, unknown> = {};
    let inputs: unknown[] = [triggerValue];
    let result: unknown;
    let error: unknown;
    try {
      const pre: Record<string, unknown> = {
        hookData,
        invocationContext: context,
        inputs,
        functionCallback: fn.handler,
      };
      for (const hook of [...this.options.registry.hooks.preInvocation]) await hook(pre);
      inputs = pre.inputs as unknown[];
      const handler = pre.functionCallback as (...args: unknown[]) => unknown;
      result = await handler(...inputs, context);
    } catch (err) {
      error = err ?? new Error('The function threw a falsy value.');
    }
    try {
      const post: Record<string, unknown> = { hookData, invocationContext: context, inputs, result, error };
      for (const hook of [...this.options.registry.hooks.postInvocation]) await hook(post);
      result = post.result;
      error = post.error === null ? undefined : post.error;
    } catch (err) {
      error = err;
    }
    const durationMs = performance.now() - started;
    this.logInvocation(fn.name, invocationId, durationMs, error);
    return error === undefined
      ? { invocationId, context, result, durationMs }
      : { invocationId, context, result, error, durationMs };
  }

  private createContext(
    fn: RegisteredFunction,
    invocationId: string,
    triggerMetadata: Record<string, unknown>,
  ): InvocationContextLike {
    const bindings = Object.entries(fn.metadata.bindings);
    const extraInputs: CoreBinding[] = [];
    const extraOutputs: CoreBinding[] = [];
    let returnBinding: CoreBinding | undefined;
    for (const [key, binding] of bindings) {
      if (binding === fn.trigger) continue;
      if (key === '$return') returnBinding = binding;
      else if (binding.direction === 'out') extraOutputs.push(binding);
      else extraInputs.push(binding);
    }
    const context = new this.options.lib.InvocationContext({
      invocationId,
      functionName: fn.name,
      logHandler: (level: string, ...args: unknown[]) => this.userLog(fn.name, level, args),
      options: { trigger: fn.trigger, return: returnBinding, extraInputs, extraOutputs },
      triggerMetadata,
    });
    for (const binding of extraInputs) {
      if (binding.type === 'durableClient' || binding.type === 'orchestrationClient') {
        context.extraInputs.set(binding.name, this.options.durableClientValue());
      }
    }
    return context;
  }

  private userLog(functionName: string, level: string, args: unknown[]): void {
    const text = format(...args).replace(/\r?\n/g, '\n    ');
    this.options.write(`${new Date().toISOString()} [${functionName}] ${level}: ${text}`);
  }

  private logInvocation(name: string, invocationId: string, durationMs: number, error: unknown): void {
    const outcome = error === undefined ? 'Succeeded' : 'Failed';
    let line = `${new Date().toISOString()} Executed 'Functions.${name}' (${outcome}, Id=${invocationId}, Duration=${Math.round(durationMs)}ms)`;
    if (error !== undefined) line += ` Error: ${errorSummary(error)}`;
    this.options.write(line);
  }
}

/** One-line error text; an orchestrator failure's out-of-process state is reduced to its error message. */
export function errorSummary(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  const at = text.indexOf(OUT_OF_PROC_LABEL);
  if (at >= 0) {
    try {
      const state = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as { error?: string };
      text = state.error ?? text.slice(0, at);
    } catch {
      text = text.slice(0, at);
    }
  }
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
