// The local stack's keys end to end (scripts/dev/local-run.sh all): the devhost's key files, `push-image` reaching
// the Event Grid webhook with the system key through the sim, and the same routes refused without it.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

describe('local stack keys', () => {
  it('keeps the keys in 0600 files under the state dir and out of every log', async () => {
    const dir = join(stack.localDir, 'devhost', 'keys');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['master', 'system']) expect(statSync(join(dir, `${name}.key`)).mode & 0o777).toBe(0o600);
    const keys = stack.hostKeys();
    const pushed = await stack.run('push-image', 'elb-openapi:9.9', '--broken', 'image-pull');
    expect(pushed.code, pushed.stderr).toBe(0);
    // The sim delivered the event with the system key, and the devhost accepted it.
    expect(JSON.parse(pushed.stdout)).toMatchObject({ event: { delivered: true, status: 202 } });
    for (const part of ['api', 'sim', 'web', 'terminal-exec', 'azurite']) {
      const log = readFileSync(stack.logFile(part), 'utf8');
      expect(log, part).not.toContain(keys.system);
      expect(log, part).not.toContain(keys.master);
    }
    expect(stack.output()).not.toContain(keys.system);
  });

  it('refuses the Durable API and the Event Grid webhook without the system key', async () => {
    const base = `http://127.0.0.1:${stack.ports.api}`;
    const start = await fetch(`${base}/runtime/webhooks/durabletask/orchestrators/deployOpenApi/forged`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
      body: '{}',
    });
    expect(start.status).toBe(401);
    expect(await start.json()).toMatchObject({ code: 'unauthorized' });
    const list = await fetch(`${base}/runtime/webhooks/durabletask/instances/`);
    expect(list.status).toBe(401);
    const event = await fetch(`${base}/runtime/webhooks/EventGrid?functionName=acrImagePushed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
      body: '[]',
    });
    expect(event.status).toBe(401);
    const keyed = await fetch(`${base}/runtime/webhooks/durabletask/instances/`, {
      headers: { 'x-functions-key': stack.hostKeys().system },
    });
    expect(keyed.status).toBe(200);
  });
});
