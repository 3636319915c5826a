// The app's own health and its OpenAPI description.
import { apiDocument } from '../core/api-spec';
import { assertAuthModeAllowed } from '../core/auth';
import { httpRoute, json } from './lib/http';
import { adapters } from '../services/composition';

// Settings are checked when the app loads: a bad configuration, or the no-auth mode in Azure, stops the start.
assertAuthModeAllowed(adapters().config.authMode, process.env);

interface Check {
  status: 'ok' | 'failed';
  detail: string;
}

async function check(work: () => Promise<string>): Promise<Check> {
  try {
    return { status: 'ok', detail: await work() };
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    return {
      status: 'failed',
      detail:
        typeof code === 'string' ? code : err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'error',
    };
  }
}

httpRoute('healthz', {
  GET: async () => {
    const config = adapters().config;
    const [storage, exec, registry] = await Promise.all([
      check(async () => {
        await adapters().deployments.list(config.targets[0]!.name, 1);
        return 'tables reachable';
      }),
      check(async () => {
        const res = await fetch(`${config.execUpstream}/healthz`, { signal: AbortSignal.timeout(5000) });
        const body = (await res.json().catch(() => ({}))) as { status?: string };
        if (!res.ok || body.status !== 'ok') throw new Error(`exec server answered ${res.status}`);
        return 'exec server ok';
      }),
      check(async () => {
        await adapters().requestRegistry.resolveTag(config.image.repository, config.pinnedTag);
        return `${config.image.repository}:${config.pinnedTag} resolvable`;
      }),
    ]);
    const ok = storage.status === 'ok' && exec.status === 'ok' && registry.status === 'ok';
    return json(ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', checks: { storage, exec, registry } });
  },
});

httpRoute('openApiDocument', {
  GET: async () => json(200, apiDocument()),
});
