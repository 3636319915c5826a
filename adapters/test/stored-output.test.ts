// A deploy's output in the history, stored whole across table columns (adapters/stored-output.ts): round trips of
// large outputs through the DeploymentStore against a real Azurite (started here on a free port), and what happens
// above the record's hard limit (a visible, parseable cut, never a null output).
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployOutput } from '../../core/deploy-model';
import { queuedDeploymentRecord, type DeploymentRecord } from '../../core/deployment-record';
import { azuriteTablesUrl, startAzuriteTables, stopProcess } from '../../test/support/node-process';
import { freePorts } from '../../test/support/stack';
import { DeploymentStore } from '../state-store';
import {
  fitOutputJson,
  MAX_OUTPUT_CHARS,
  OUTPUT_PART_CHARS,
  outputColumns,
  outputFromColumns,
  TRUNCATION_MARKER,
} from '../stored-output';
import { tableClient } from '../tables';

let azurite: ChildProcess | undefined;
let tablesUrl = '';

beforeAll(async () => {
  const [port] = (await freePorts(1)) as [number];
  const started = await startAzuriteTables(port);
  azurite = started.child;
  tablesUrl = azuriteTablesUrl(port);
}, 120_000);

afterAll(async () => {
  if (azurite) await stopProcess(azurite);
});

/** A line of `kubectl apply` output, with the quotes, tab and newline JSON escapes. ASCII only: Azurite 3.35 was seen
 * to turn a 3-byte UTF-8 character of a large entity into three U+FFFD, so multi-byte text is checked below without
 * it (column splitting, surrogate pairs). */
const LINE = 'deployment.apps/"elb-openapi"\tconfigured (ok)\n';
/** The same with characters of 2, 3 and 4 UTF-8 bytes (the last two UTF-16 units). */
const WIDE_LINE = 'deployment.apps/"elb-openapi"\tconfigured — ok é 🚀\n';

function applyOutput(chars: number, line = LINE): string {
  return line.repeat(Math.ceil(chars / line.length)).slice(0, chars);
}

function output(deployId: string, apply: string, clusterState = 'unchanged'): DeployOutput {
  return {
    status: 'failed',
    deploy_id: deployId,
    target: 'local',
    namespace: 'elb-openapi',
    reason: 'update',
    requester: 'tester',
    workload_identity: null,
    openapi_deploy: {
      status: 'failed',
      image: 'registry/elb-openapi@sha256:' + 'a'.repeat(64),
      tag: '3.4',
      digest: 'sha256:' + 'a'.repeat(64),
      external_ip: null,
      base_url: null,
      api_version: null,
      apply_output: apply,
      ready_replicas: 0,
      desired_replicas: 1,
      error: 'rollout failed',
    },
    previous_image: null,
    error: { code: 'rollout_failed', message: 'pods crash-looped' },
    rollback: null,
    cancel_requested: false,
    cluster_state: clusterState,
    timeline: [],
    started_at: '2026-01-01T00:00:00.000Z',
    finished_at: '2026-01-01T00:05:00.000Z',
    elapsed_seconds: 300,
  };
}

function record(deployId: string, out: DeployOutput | null, second = 0): DeploymentRecord {
  const queued = queuedDeploymentRecord({
    deployId,
    target: 'local',
    reason: 'update',
    requester: 'tester',
    requestedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    tag: '3.4',
    digest: null,
  });
  return { ...queued, status: out ? 'failed' : queued.status, output: out };
}

type RawRow = Record<string, unknown> & { partitionKey: string; rowKey: string };

async function rawRows(table: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of (await tableClient(table, tablesUrl)).listEntities<RawRow>()) rows.push(row);
  return rows;
}

describe('DeploymentStore: the output stored whole (Azurite)', () => {
  it('round-trips a 200 KB output exactly, in columns that each stay under the 64 KiB property limit', async () => {
    const table = 'outputlarge';
    const store = new DeploymentStore(tableClient(table, tablesUrl), 10);
    const big = output('local-big', applyOutput(200_000));
    await store.create(record('local-big', big));
    expect((await store.get('local', 'local-big'))?.output).toEqual(big);
    expect((await store.findAny('local-big'))?.output).toEqual(big);
    expect((await store.list('local'))[0]?.output).toEqual(big);

    const [row] = await rawRows(table);
    const parts = row!.outputParts as number;
    expect(parts).toBe(Math.ceil(JSON.stringify(big).length / OUTPUT_PART_CHARS));
    for (let part = 0; part < parts; part++) {
      const column = row![part === 0 ? 'output' : `output${part}`] as string;
      expect(column.length).toBeLessThanOrEqual(OUTPUT_PART_CHARS);
    }
  });

  it('replaces a large output by a small one without leaving old parts behind', async () => {
    const table = 'outputshrink';
    const store = new DeploymentStore(tableClient(table, tablesUrl), 10);
    await store.create(record('local-s', output('local-s', applyOutput(120_000))));
    const small = output('local-s', 'deployment.apps/elb-openapi unchanged\n');
    await store.update('local', 'local-s', { output: small });
    expect((await store.get('local', 'local-s'))?.output).toEqual(small);
    const [row] = await rawRows(table);
    expect(row!.outputParts).toBe(1);
    expect(Object.keys(row!).filter((k) => /^output\d+$/.test(k))).toEqual([]);
    await store.update('local', 'local-s', { output: null });
    expect((await store.get('local', 'local-s'))?.output).toBeNull();
  });

  it('above the record limit keeps the JSON valid and marks the cut, keeping head, tail and every other field', async () => {
    const table = 'outputhuge';
    const store = new DeploymentStore(tableClient(table, tablesUrl), 10);
    const apply = applyOutput(1_000_000);
    const huge = output('local-huge', apply);
    await store.create(record('local-huge', huge));
    const stored = (await store.get('local', 'local-huge'))?.output;
    expect(stored, 'the output is never dropped').not.toBeNull();
    const { apply_output: cut, ...restDeploy } = stored!.openapi_deploy;
    const { apply_output: _full, ...expectedDeploy } = huge.openapi_deploy;
    expect(restDeploy).toEqual(expectedDeploy);
    expect({ ...stored!, openapi_deploy: null }).toEqual({ ...huge, openapi_deploy: null });

    const marker = TRUNCATION_MARKER.exec(cut);
    expect(marker, 'a marker says what was left out').not.toBeNull();
    const omitted = Number(marker![1]);
    const [head, tail] = cut.split(/\n…\[elb-control: \d+ characters omitted: the stored record is limited\]…\n/) as [
      string,
      string,
    ];
    expect(head.length + omitted + tail.length).toBe(apply.length);
    expect(apply.startsWith(head)).toBe(true);
    expect(apply.endsWith(tail)).toBe(true);
    expect(JSON.stringify(stored).length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    // As much as fits is kept: the cut is within a marker's length of the limit.
    expect(JSON.stringify(stored).length).toBeGreaterThan(MAX_OUTPUT_CHARS - 300);
  });

  it('cuts the longest strings first when several are large', async () => {
    const store = new DeploymentStore(tableClient('outputtwo', tablesUrl), 10);
    // The cluster state alone is over the limit: the apply output goes down to its minimum, then the state is cut.
    const two = output('local-two', applyOutput(500_000), 'x'.repeat(450_000));
    await store.create(record('local-two', two));
    const stored = (await store.get('local', 'local-two'))!.output!;
    expect(TRUNCATION_MARKER.test(stored.openapi_deploy.apply_output)).toBe(true);
    expect(TRUNCATION_MARKER.test(stored.cluster_state)).toBe(true);
    expect(JSON.stringify(stored).length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS);
    expect(JSON.stringify(stored).length).toBeGreaterThan(MAX_OUTPUT_CHARS - 300);
    expect(stored.openapi_deploy.apply_output.length).toBeLessThan(400);
  });

  it('reads a row written before outputs were split: a whole one as it was, one the old 30,000 cut broke as null', async () => {
    const table = 'outputlegacy';
    const store = new DeploymentStore(tableClient(table, tablesUrl), 10);
    await store.create(record('local-old', null, 1));
    await store.create(record('local-cut', null, 2));
    const client = await tableClient(table, tablesUrl);
    const rows = await rawRows(table);
    const whole = output('local-old', 'configured\n');
    const rowOf = (id: string): RawRow => rows.find((r) => r.deployId === id)!;
    await client.updateEntity({ ...rowOf('local-old'), output: JSON.stringify(whole) }, 'Merge');
    const broken = JSON.stringify(output('local-cut', applyOutput(40_000))).slice(0, 30_000);
    await client.updateEntity({ ...rowOf('local-cut'), output: broken }, 'Merge');
    expect((await store.get('local', 'local-old'))?.output).toEqual(whole);
    expect((await store.get('local', 'local-cut'))?.output).toBeNull();
  });

  it('reads columns that no longer match the contract as their empty values, and keeps the rest of the row', async () => {
    const table = 'outputodd';
    const store = new DeploymentStore(tableClient(table, tablesUrl), 10);
    const good = output('local-odd', 'configured\n');
    await store.create(record('local-odd', good, 1));
    const [row] = await rawRows(table);
    // As another version, or a hand edit, might leave them: valid JSON of the wrong shape, and a status no one knows.
    await (
      await tableClient(table, tablesUrl)
    ).updateEntity(
      {
        ...row!,
        timeline: JSON.stringify([{ phase: 'warp_drive', status: 'engaged' }]),
        phaseSeconds: JSON.stringify({ apply: 'slow' }),
        error: JSON.stringify({ code: 42 }),
        status: 'exploded',
        output: JSON.stringify({ ...good, status: 'maybe' }),
      },
      'Merge',
    );
    const read = (await store.get('local', 'local-odd'))!;
    expect(read).toMatchObject({ timeline: [], phase_seconds: {}, error: null, status: 'failed', output: null });
    expect(read).toMatchObject({ deploy_id: 'local-odd', target: 'local', requester: expect.any(String) });
    // The history answer still lists it.
    expect((await store.list('local')).map((r) => r.deploy_id)).toContain('local-odd');
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('stored-output (no storage)', () => {
  it('splits and joins multi-byte text exactly, and cuts it above the limit without breaking a character', () => {
    const wide = output('d', applyOutput(200_000, WIDE_LINE));
    const columns = outputColumns(fitOutputJson(wide));
    expect(outputFromColumns(columns)).toEqual(wide);
    const huge = output('d', applyOutput(1_000_000, WIDE_LINE));
    const cut = (outputFromColumns<DeployOutput>(outputColumns(fitOutputJson(huge))) as DeployOutput).openapi_deploy
      .apply_output;
    expect(TRUNCATION_MARKER.test(cut)).toBe(true);
    expect(LONE_SURROGATE.test(cut)).toBe(false);
  });

  it('never splits a surrogate pair across columns', () => {
    // 🚀 is two UTF-16 units; an odd offset puts a pair on every naive boundary.
    const json = JSON.stringify({ s: 'x' + '🚀'.repeat(50_000) });
    const columns = outputColumns(json);
    const parts = columns.outputParts as number;
    expect(parts).toBeGreaterThan(3);
    for (let part = 0; part < parts; part++) {
      const column = columns[part === 0 ? 'output' : `output${part}`] as string;
      expect(LONE_SURROGATE.test(column), `column ${part}`).toBe(false);
    }
    expect(outputFromColumns(columns)).toEqual(JSON.parse(json));
  });

  it('refuses, with a code, an output whose size is not in a few long strings', () => {
    const many = { items: Array.from({ length: 5_000 }, (_, i) => `item ${i} `.repeat(20)) };
    expect(() => fitOutputJson(many, 100_000)).toThrow(expect.objectContaining({ code: 'record_too_large' }));
  });

  it('leaves an output that fits untouched, and reads a missing part as no output', () => {
    const small = output('d', 'ok\n');
    expect(fitOutputJson(small)).toBe(JSON.stringify(small));
    const columns = outputColumns(JSON.stringify(output('d', applyOutput(70_000))));
    delete columns.output2;
    expect(outputFromColumns(columns)).toBeNull();
  });
});
