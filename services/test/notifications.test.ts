// notify(): which deliveries it starts, that the same event is started once per destination, and that it never
// throws into its caller nor waits long. The Durable client here is a small recording stand-in (the unit under test
// is what notify asks of it); the real client, devhost and delivery run in test/e2e/notifications.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DurableClient } from 'durable-functions';
import { deliveryInstanceId, NOTIFY_ORCHESTRATOR, NotifyRoute } from '../../core/notifications';
import { notify } from '../notifications';

type Client = Pick<DurableClient, 'getStatus' | 'startNew'>;

/** Remembers the instances started; getStatus answers 404 for unknown ones, as Durable does. */
function recordingClient(over: Partial<Client> = {}) {
  const started = new Map<string, unknown>();
  const client = {
    getStatus: async (id: string) => {
      if (!started.has(id)) throw new Error('Durable answered 404 Not Found');
      return { instanceId: id } as never;
    },
    startNew: async (name: string, options?: { instanceId?: string; input?: unknown }) => {
      expect(name).toBe(NOTIFY_ORCHESTRATOR);
      started.set(options!.instanceId!, options!.input);
      return options!.instanceId!;
    },
    ...over,
  } as Client;
  return { client, started };
}

const routes: NotifyRoute[] = [
  { name: 'all', format: 'json', kinds: null, targets: null },
  { name: 'failures', format: 'teams', kinds: ['deploy_failed'], targets: null },
  { name: 'prod-only', format: 'slack', kinds: null, targets: ['prod'] },
];
const config = { notifications: routes };

afterEach(() => vi.restoreAllMocks());

describe('notify', () => {
  it('starts one delivery per destination that takes the event, with the name (not a URL) in the input', async () => {
    const { client, started } = recordingClient();
    const ids = await notify(client, { kind: 'deploy_failed', target: 'prod', deploy_id: 'd1' }, config);
    expect(ids).toHaveLength(3);
    const inputs = [...started.values()] as { destination: string; event: { kind: string; id: string } }[];
    expect(inputs.map((i) => i.destination).sort()).toEqual(['all', 'failures', 'prod-only']);
    expect(ids[0]).toBe(deliveryInstanceId(inputs[0]!.event.id, inputs[0]!.destination));
    expect(JSON.stringify(inputs)).not.toMatch(/https?:/);
    const canary = await notify(client, { kind: 'deploy_started', target: 'canary', deploy_id: 'd2' }, config);
    expect(canary).toHaveLength(1);
  });

  it('delivers the same event once: a second notify for it starts nothing', async () => {
    const { client, started } = recordingClient();
    const event = { kind: 'deploy_succeeded' as const, target: 'prod', deploy_id: 'd1' };
    expect(await notify(client, event, config)).toHaveLength(2);
    expect(await notify(client, { ...event, time: '2030-01-01T00:00:00Z' }, config)).toEqual([]);
    expect(started.size).toBe(2);
  });

  it('sends nothing when no destination is configured', async () => {
    const { client, started } = recordingClient();
    expect(await notify(client, { kind: 'deploy_failed', target: 'prod' }, { notifications: [] })).toEqual([]);
    expect(started.size).toBe(0);
  });

  it('never throws: a failing client is logged in one line without its message', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client } = recordingClient({
      getStatus: async () => {
        throw new Error('storage https://acct.table.core.windows.net/?sig=SECRET unavailable');
      },
      startNew: async () => {
        throw Object.assign(new Error('https://acct.table.core.windows.net/?sig=SECRET'), { code: 'ECONNRESET' });
      },
    });
    await expect(notify(client, { kind: 'deploy_failed', target: 'prod' }, config)).resolves.toEqual([]);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^notify: deploy_failed for prod/);
      expect(line).not.toContain('SECRET');
      expect(line).not.toContain('https://');
    }
  });

  it('never throws on invalid settings either', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client } = recordingClient();
    const broken = {
      get notifications(): NotifyRoute[] {
        throw new Error('ELB_NOTIFY_WEBHOOKS[0].url: must be an https URL');
      },
    };
    await expect(notify(client, { kind: 'deploy_started', target: 'prod' }, broken)).resolves.toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('tells an unresolved setting once per process, and sends nothing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client, started } = recordingClient();
    const off = { notifications: [], notificationsProblem: 'ELB_NOTIFY_WEBHOOKS is a Key Vault reference …' };
    await notify(client, { kind: 'deploy_started', target: 'prod' }, off);
    await notify(client, { kind: 'deploy_succeeded', target: 'prod' }, off);
    expect(started.size).toBe(0);
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      'notify: ELB_NOTIFY_WEBHOOKS is a Key Vault reference …',
    ]);
  });

  it('returns within its budget when the Durable client hangs', async () => {
    vi.useFakeTimers();
    try {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const { client } = recordingClient({ getStatus: () => new Promise(() => undefined) });
      const pending = notify(client, { kind: 'deploy_started', target: 'prod' }, config);
      await vi.advanceTimersByTimeAsync(5000);
      await expect(pending).resolves.toEqual([]);
      expect(String(warn.mock.calls[0]![0])).toContain('did not answer in time');
    } finally {
      vi.useRealTimers();
    }
  });
});
