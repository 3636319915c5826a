/** A binding as @azure/functions hands it to the core API (type, name, direction, plus trigger-specific fields). */
export interface CoreBinding {
  type: string;
  name: string;
  direction: 'in' | 'out' | 'inout';
  [key: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
}

/** The function exactly as the worker would call it: handler(...inputs, invocationContext). */
export type FunctionHandler = (...args: unknown[]) => unknown;

export interface RegisteredFunction {
  name: string;
  metadata: CoreFunctionMetadata;
  handler: FunctionHandler;
  /** The binding whose type ends in "Trigger". */
  trigger: CoreBinding;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation' | 'log';
export type HookCallback = (coreContext: Record<string, unknown>) => unknown;

/** Everything the app registered while it was loaded. */
export class Registry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks: Record<HookName, HookCallback[]> = {
    appStart: [],
    appTerminate: [],
    preInvocation: [],
    postInvocation: [],
    log: [],
  };

  byTriggerType(type: string): RegisteredFunction[] {
    return [...this.functions.values()].filter((f) => f.trigger.type === type);
  }

  /** Function names are case-insensitive in the Functions host. */
  find(name: string, triggerType?: string): RegisteredFunction | undefined {
    const lower = name.toLowerCase();
    for (const fn of this.functions.values()) {
      if (fn.name.toLowerCase() === lower && (triggerType === undefined || fn.trigger.type === triggerType)) return fn;
    }
    return undefined;
  }
}
