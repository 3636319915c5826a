import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DurableApi, type DevhostProcess, killAll, startDevhost, tempDir, waitFor } from './harness.js';

// kill -9 in the middle of orchestrations, then a new devhost on the same state dir must finish them.
afterAll(() => killAll());

async function kill9(host: DevhostProcess): Promise<void> {
  host.proc.kill('SIGKILL');
  await host.exited;
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('durability across kill -9', () => {
  it('resumes an orchestration whose durable timer was pending, firing the timer at its time', async () => {
    const stateDir = tempDir('restart-timer');
    let host = await startDevhost({ stateDir });
    let api = new DurableApi(host.url, host.keys.system);
    const id = await api.startId('waitThenGreet', { timerMs: 3000 });
    const timer = await waitFor(
      async () =>
        (await api.status(id, '?showHistory=true'))?.historyEvents?.find((e) => e.EventType === 'TimerCreated'),
      { what: 'the timer to be created' },
    );
    await kill9(host);
    host = await startDevhost({ stateDir });
    api = new DurableApi(host.url, host.keys.system);
    expect(host.output()).toContain('resumed 1 unfinished orchestration instance(s)');
    const done = await api.waitForStatus(id, ['Completed', 'Failed']);
    expect(done.output).toBe('Hello after timer');
    const history = (await api.status(id, '?showHistory=true'))?.historyEvents ?? [];
    const fired = history.find((e) => e.EventType === 'TimerFired');
    expect(Date.parse(String(fired?.Timestamp))).toBeGreaterThanOrEqual(Date.parse(String(timer.FireAt)));
    expect(history.filter((e) => e.EventType === 'TaskScheduled')).toHaveLength(2);
    await kill9(host);
  });

  it('runs an activity that was in flight at the crash again (at-least-once) and completes the orchestration', async () => {
    const stateDir = tempDir('restart-activity');
    const marks = tempDir('restart-marks');
    const env = { FIXTURE_MARK_DIR: marks };
    let host = await startDevhost({ stateDir, env });
    let api = new DurableApi(host.url, host.keys.system);
    const id = await api.startId('slowThenGreet', { ms: 2500 });
    await waitFor(() => (lines(path.join(marks, 'slow-start.log')).includes(id) ? true : undefined), {
      what: 'the slow activity to start',
    });
    await kill9(host);
    expect(lines(path.join(marks, 'slow-end.log'))).not.toContain(id);
    host = await startDevhost({ stateDir, env });
    api = new DurableApi(host.url, host.keys.system);
    const done = await api.waitForStatus(id, ['Completed', 'Failed']);
    expect(done.output).toEqual({ slept: 'slept 2500', greeting: 'Hello after slow' });
    expect(lines(path.join(marks, 'slow-start.log')).filter((k) => k === id)).toHaveLength(2);
    expect(lines(path.join(marks, 'slow-end.log')).filter((k) => k === id)).toHaveLength(1);
    await kill9(host);
  });

  it('finishes every instance after repeated kills at arbitrary moments', async () => {
    const stateDir = tempDir('restart-chaos');
    // Attempt counters in files, so the flaky activities' "fail N times" holds across restarts.
    const env = { FIXTURE_MARK_DIR: tempDir('chaos-marks') };
    let host = await startDevhost({ stateDir, env });
    let api = new DurableApi(host.url, host.keys.system);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await api.startId('sequence', { name: `n${i}`, timerMs: 300 }));
      ids.push(await api.startId('fanOut', {}));
      ids.push(await api.startId('parent'));
    }
    for (const delay of [150, 400, 700]) {
      await new Promise((r) => setTimeout(r, delay));
      await kill9(host);
      host = await startDevhost({ stateDir, env });
      api = new DurableApi(host.url, host.keys.system);
    }
    for (const id of ids) {
      const done = await api.waitForStatus(id, ['Completed', 'Failed'], 60_000);
      expect({ id, status: done.runtimeStatus, output: done.runtimeStatus === 'Failed' ? done.output : 'ok' }).toEqual({
        id,
        status: 'Completed',
        output: 'ok',
      });
    }
    await kill9(host);
  });
});
