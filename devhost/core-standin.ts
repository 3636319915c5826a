import Module from 'node:module';
import { DevhostError } from './errors.js';
import type { CoreFunctionMetadata, FunctionHandler, HookCallback, HookName, Registry } from './registry.js';

type ModuleLoad = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleWithLoad = Module as unknown as { _load: ModuleLoad };

/**
 * Installs a stand-in for `@azure/functions-core`, the module the real Node worker injects. @azure/functions looks it up
 * once and caches the answer, so this must run before the app's first `app.*` call; registrations then land in the
 * registry instead of being dropped in "test mode". Returns a function that removes the hook.
 */
export function installCoreStandin(
  registry: Registry,
  systemLog: (level: string, message: string) => void,
): () => void {
  let programmingModel: unknown;
  const standin = {
    setProgrammingModel(model: unknown): void {
      programmingModel = model;
    },
    getProgrammingModel(): unknown {
      return programmingModel;
    },
    registerFunction(metadata: CoreFunctionMetadata, handler: FunctionHandler): { dispose(): void } {
      if (registry.find(metadata.name)) {
        throw new DevhostError('duplicate_function', `A function named '${metadata.name}' is registered twice.`);
      }
      const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in' && /trigger$/i.test(b.type));
      if (!trigger) throw new DevhostError('no_trigger', `Function '${metadata.name}' has no trigger binding.`);
      registry.functions.set(metadata.name, { name: metadata.name, metadata, handler, trigger });
      return { dispose: () => registry.functions.delete(metadata.name) };
    },
    registerHook(name: HookName, callback: HookCallback): { dispose(): void } {
      const list = registry.hooks[name];
      if (!list) throw new DevhostError('unknown_hook', `Unknown hook '${String(name)}'.`);
      list.push(callback);
      return {
        dispose: () => {
          const at = list.indexOf(callback);
          if (at >= 0) list.splice(at, 1);
        },
      };
    },
    log(level: string, category: string, message: string): void {
      if (category === 'system' && (level === 'debug' || level === 'trace')) return;
      systemLog(level, message);
    },
  };
  const originalLoad = moduleWithLoad._load;
  moduleWithLoad._load = function load(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return standin;
    return originalLoad.call(this, request, parent, isMain);
  };
  return () => {
    moduleWithLoad._load = originalLoad;
  };
}
