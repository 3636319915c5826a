/**
 * elb-devhost benchmarks (run: node --import tsx bench/devhost/bench.ts [--activities N]).
 *  1. Host overhead per activity call: an orchestration that calls a no-op activity N times in sequence, and one
 *     that fans out N calls; the activity itself does nothing, so the time is the host's (replay, persistence, dispatch).
 *  2. Cost of one replay as history grows (10, 100, 1000, 3000 events), through the real durable-functions executor.
 *  3. Cost of persisting an instance of that size (write + fsync + rename).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventType, type HistoryEvent, makeEvent } from '../../devhost/durable/history.js';
import { replay } from '../../devhost/durable/replay.js';
import { InstanceStore } from '../../devhost/durable/store.js';
import { startDevhost } from '../../devhost/host.js';
import { runningInstance } from '../../test/support/durable-instance.js';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const argN = process.argv.indexOf('--activities');
const N = argN > 0 ? Number(process.argv[argN + 1]) : 200;

const APP = `
const df = require('durable-functions');
df.app.activity('noop', { handler: (i) => i });
df.app.orchestration('chain', function* (context) {
  const n = context.df.getInput();
  for (let i = 0; i < n; i++) yield context.df.callActivity('noop', i);
  return n;
});
df.app.orchestration('fan', function* (context) {
  const n = context.df.getInput();
  const tasks = [];
  for (let i = 0; i < n; i++) tasks.push(context.df.callActivity('noop', i));
  return (yield context.df.Task.all(tasks)).length;
});
// Replays a history of k completed activities: the orchestration asks for one more than history holds.
df.app.orchestration('replayProbe', function* (context) {
  const n = context.df.getInput();
  for (let i = 0; i <= n; i++) yield context.df.callActivity('noop', i);
});
`;

function benchApp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-devhost-bench-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench', main: 'index.js' }));
  fs.writeFileSync(
    path.join(dir, 'host.json'),
    JSON.stringify({ version: '2.0', extensions: { durableTask: { hubName: 'BenchHub' } } }),
  );
  fs.writeFileSync(path.join(dir, 'index.js'), APP);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** A history of `activities` completed activities in one episode each, as the devhost writes it. */
function historyWith(activities: number): HistoryEvent[] {
  const t = new Date();
  const h: HistoryEvent[] = [
    makeEvent(EventType.OrchestratorStarted, t),
    makeEvent(EventType.ExecutionStarted, t, { Name: 'replayProbe', Input: String(activities) }),
  ];
  for (let i = 0; i < activities; i++) {
    h.push(
      makeEvent(EventType.TaskScheduled, t, { Name: 'noop', Input: String(i) }, i),
      makeEvent(EventType.OrchestratorCompleted, t),
    );
    h.push(
      makeEvent(EventType.OrchestratorStarted, t),
      makeEvent(EventType.TaskCompleted, t, { TaskScheduledId: i, Result: String(i) }),
    );
  }
  for (const e of h) e.IsPlayed = true;
  return h;
}

async function waitDone(url: string, id: string, systemKey: string): Promise<void> {
  for (;;) {
    const res = await fetch(`${url}/runtime/webhooks/durabletask/instances/${id}`, {
      headers: { 'x-functions-key': systemKey },
    });
    const body = (await res.json()) as { runtimeStatus: string };
    if (body.runtimeStatus === 'Completed') return;
    if (body.runtimeStatus === 'Failed') throw new Error(`${id} failed`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function main(): Promise<void> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-devhost-bench-state-'));
  const host = await startDevhost({ appDir: benchApp(), port: 0, host: '127.0.0.1', stateDir, write: () => undefined });
  const fnRegistry = host.registry;
  console.log(`elb-devhost bench (node ${process.version}, ${os.cpus().length} cpu)`);

  for (const name of ['chain', 'fan']) {
    const start = performance.now();
    const res = await fetch(`${host.url}/runtime/webhooks/durabletask/orchestrators/${name}`, {
      method: 'POST',
      headers: { 'x-functions-key': host.keys.system },
      body: String(N),
    });
    const { id } = (await res.json()) as { id: string };
    await waitDone(host.url, id, host.keys.system);
    const ms = performance.now() - start;
    console.log(
      `${name === 'chain' ? 'sequential' : 'fan-out   '} ${N} activities: ${ms.toFixed(0)} ms total, ${(ms / N).toFixed(2)} ms per activity call`,
    );
  }

  // Replay cost, measured on the real replay path (invoker + executor + task mapping), without HTTP or disk.
  const { Invoker } = await import('../../devhost/invoke.js');
  /* eslint-disable-next-line @typescript-eslint/no-require-imports -- the app's own copy, as the host loads it */
  const lib = require(path.join(REPO_ROOT, 'node_modules', '@azure', 'functions'));
  const invoker = new Invoker({ lib, registry: fnRegistry, durableClientValue: () => ({}), write: () => undefined });
  const { loadDurableInternals } = await import('../../devhost/durable/internals.js');
  const internals = loadDurableInternals(require);
  const probe = fnRegistry.find('replayProbe');
  if (!probe) throw new Error('replayProbe not registered');
  const store = new InstanceStore(fs.mkdtempSync(path.join(os.tmpdir(), 'elb-devhost-bench-store-')), 'BenchHub');
  for (const events of [10, 100, 1000, 3000]) {
    const activities = Math.max(1, Math.round((events - 2) / 4));
    const history = historyWith(activities);
    const rec = runningInstance({
      instanceId: `probe-${events}`,
      name: 'replayProbe',
      input: String(activities),
      history,
    });
    const runs = events >= 1000 ? 10 : 50;
    await replay(rec, probe, invoker, internals); // warm-up
    let start = performance.now();
    for (let i = 0; i < runs; i++) {
      const result = await replay(rec, probe, invoker, internals);
      if (result.outcome.kind !== 'running' || result.work.length !== activities + 1)
        throw new Error('unexpected replay result');
    }
    const replayMs = (performance.now() - start) / runs;
    start = performance.now();
    for (let i = 0; i < runs; i++) store.save(rec);
    const saveMs = (performance.now() - start) / runs;
    const kb = Buffer.byteLength(JSON.stringify(rec)) / 1024;
    console.log(
      `replay of ${String(history.length).padStart(4)} history events: ${replayMs.toFixed(2)} ms; persist (${kb.toFixed(0)} KiB, fsync): ${saveMs.toFixed(2)} ms`,
    );
  }
  await host.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
