import { describe, expect, it } from 'vitest';
import { installCoreStandin } from '../core-standin.js';
import { Registry } from '../registry.js';

// Contract with @azure/functions 4.x: it looks up '@azure/functions-core' lazily on the first registration and
// hands it (metadata, handler). This file must load @azure/functions only after the stand-in is installed.
describe('@azure/functions-core stand-in', () => {
  it('captures app.* and df.app.* registrations and hooks instead of dropping them in test mode', () => {
    const registry = new Registry();
    const uninstall = installCoreStandin(registry, () => undefined);
    try {
      /* eslint-disable @typescript-eslint/no-require-imports -- loaded after the stand-in, as the devhost does */
      const { app } = require('@azure/functions') as typeof import('@azure/functions');
      const df = require('durable-functions') as typeof import('durable-functions');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const handler = async (): Promise<{ body: string }> => ({ body: 'x' });
      app.http('plain', { route: 'p/{id:int}', methods: ['GET'], handler });
      df.app.client.http('client', { route: 'c', handler: async () => ({}) });
      df.app.orchestration('orch', function* (context) {
        return yield context.df.callActivity('act');
      });
      df.app.activity('act', { handler: () => 1 });
      app.hook.preInvocation(() => undefined);

      const plain = registry.find('PLAIN');
      expect(plain?.handler).toBe(handler);
      expect(plain?.trigger).toMatchObject({
        type: 'httpTrigger',
        route: 'p/{id:int}',
        methods: ['GET'],
        direction: 'in',
      });
      expect(plain?.metadata.bindings.$return).toMatchObject({ type: 'http', direction: 'out' });
      const client = registry.find('client');
      expect(Object.values(client?.metadata.bindings ?? {}).some((b) => b.type === 'durableClient')).toBe(true);
      expect(registry.find('orch')?.trigger.type).toBe('orchestrationTrigger');
      expect(registry.find('act')?.trigger.type).toBe('activityTrigger');
      expect(registry.hooks.preInvocation).toHaveLength(1);
      expect(() => app.get('plain', handler)).toThrow(/registered twice/);
    } finally {
      uninstall();
    }
  });
});
