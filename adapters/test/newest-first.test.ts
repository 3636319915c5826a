// The two bounded per-target logs — the token audit trail and the policy changes — on a real Azurite (started here on
// a free port): newest first, per target, bounded, a rerun with the same audit id recorded once, a row that does not
// parse left out, and a target name with a quote kept to its own partition.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../core/contract/policy';
import { AuditStore } from '../audit-store';
import { PolicyChangeStore } from '../policy-changes';
import { tableClient } from '../tables';
import { azuriteTablesUrl, startAzuriteTables, stopProcess } from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';

let azurite: ChildProcess;
let tablesUrl = '';

beforeAll(async () => {
  const [port] = (await freePorts(1)) as [number];
  azurite = (await startAzuriteTables(port)).child;
  tablesUrl = azuriteTablesUrl(port);
}, 120_000);

afterAll(async () => {
  if (azurite) await stopProcess(azurite);
});

const settle = () => new Promise((ok) => setTimeout(ok, 300));

describe('the token audit trail', () => {
  it('lists newest first per target, keeps the newest `limit`, and records a rerun once', async () => {
    const audit = new AuditStore(await tableClient('audittest', tablesUrl), 3);
    for (const actor of ['a', 'b', 'c', 'd']) {
      await audit.record('prod', 'token_reveal', actor);
      await new Promise((ok) => setTimeout(ok, 5));
    }
    await audit.record("o'neil", 'token_reveal', 'x');
    await settle();
    expect((await audit.list('prod')).map((r) => r.actor)).toEqual(['d', 'c', 'b']);
    expect((await audit.list('prod', 2)).map((r) => r.actor)).toEqual(['d', 'c']);
    expect((await audit.list("o'neil")).map((r) => r.actor)).toEqual(['x']);
    const first = await audit.record('prod', 'token_rotate', 'e', 'rot-1');
    const again = await audit.record('prod', 'token_rotate', 'e', 'rot-1');
    expect(again).toEqual(first);
    expect((await audit.list('prod')).filter((r) => r.audit_id === 'rot-1')).toHaveLength(1);
  });
});

describe('the policy changes', () => {
  it('lists newest first, bounded, and leaves out a row that does not parse', async () => {
    const client = await tableClient('policytest', tablesUrl);
    const changes = new PolicyChangeStore(client, 2);
    for (const [i, mode] of (['approve', 'manual', 'auto'] as const).entries()) {
      await changes.record({
        target: 'prod',
        actor: `deployer${i}`,
        at: new Date(Date.UTC(2026, 11, 7, 12, i)).toISOString(),
        action: 'set',
        before: DEFAULT_POLICY,
        before_source: 'configuration',
        after: { ...DEFAULT_POLICY, mode },
        after_source: 'api',
      });
    }
    await settle();
    expect((await changes.list('prod')).map((r) => r.actor)).toEqual(['deployer2', 'deployer1']);
    await client.createEntity({ partitionKey: 'prod', rowKey: '0', actor: 'hand', at: 'x', before: '{' });
    expect((await changes.list('prod')).map((r) => r.actor)).toEqual(['deployer2', 'deployer1']);
  });
});
