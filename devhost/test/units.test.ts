import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../args.js';
import { hostConfigFrom, resolveSettingRefs } from '../config.js';
import { validateInstanceId } from '../durable/engine.js';
import type { InstanceRecord } from '../durable/history.js';
import { retryDelayMs, retryTimedOut } from '../durable/retry.js';
import { matchesFilter, pageOf, parseFilter } from '../durable/status.js';
import { expandBraces, expandMain } from '../glob.js';
import { nextOccurrence, parseSchedule } from '../ncrontab.js';
import { compareRoutes, compileRoute, matchRoute } from '../routes.js';
import { tempDir } from './harness.js';

const segs = (p: string): string[] => p.split('/').filter(Boolean);

describe('route templates', () => {
  it('matches parameters, constraints, optional and catch-all segments', () => {
    const route = compileRoute('items/{id:int:range(1,10)}/{*rest}');
    expect(matchRoute(route, segs('items/3/a/b'))).toEqual({ id: '3', rest: 'a/b' });
    expect(matchRoute(route, segs('items/3'))).toEqual({ id: '3' });
    expect(matchRoute(route, segs('items/11/a'))).toBeUndefined();
    expect(matchRoute(route, segs('ITEMS/3'))).toEqual({ id: '3' });
    expect(matchRoute(compileRoute('a/{b?}'), segs('a'))).toEqual({});
    expect(matchRoute(compileRoute('a/{b=x}'), segs('a'))).toEqual({ b: 'x' });
    expect(matchRoute(compileRoute('g/{id:guid}'), segs('g/0f8fad5b-d9cb-469f-a165-70867728950e'))).toEqual({
      id: '0f8fad5b-d9cb-469f-a165-70867728950e',
    });
    expect(matchRoute(compileRoute('g/{id:guid}'), segs('g/nope'))).toBeUndefined();
    expect(matchRoute(compileRoute('r/{v:regex(^v[0-9]+$)}'), segs('r/v12'))).toEqual({ v: 'v12' });
    expect(matchRoute(compileRoute('l/{v:length(2,3)}'), segs('l/abcd'))).toBeUndefined();
  });

  it('orders literals before parameters before catch-alls', () => {
    const routes = ['items/{*rest}', 'items/{id}', 'items/special', 'items/{id:int}']
      .map(compileRoute)
      .sort(compareRoutes);
    expect(routes.map((r) => r.template)).toEqual(['items/special', 'items/{id:int}', 'items/{id}', 'items/{*rest}']);
  });

  it('rejects templates it cannot serve faithfully, with a code', () => {
    expect(() => compileRoute('a/{b:unknown}')).toThrow(expect.objectContaining({ code: 'bad_route' }));
    expect(() => compileRoute('a/{*b}/c')).toThrow(expect.objectContaining({ code: 'bad_route' }));
    expect(() => compileRoute('a/{b?}/c')).toThrow(expect.objectContaining({ code: 'bad_route' }));
    expect(() => compileRoute('a/x{b}')).toThrow(expect.objectContaining({ code: 'bad_route' }));
  });
});

describe('NCRONTAB schedules', () => {
  it('computes the next occurrence for six-field expressions (UTC)', () => {
    const from = new Date('2024-03-10T10:00:07.500Z');
    expect(nextOccurrence(parseSchedule('*/5 * * * * *'), from).toISOString()).toBe('2024-03-10T10:00:10.000Z');
    expect(nextOccurrence(parseSchedule('0 */15 * * * *'), from).toISOString()).toBe('2024-03-10T10:15:00.000Z');
    expect(nextOccurrence(parseSchedule('0 30 9 * * Mon-Fri'), from).toISOString()).toBe('2024-03-11T09:30:00.000Z');
    expect(nextOccurrence(parseSchedule('0 0 0 1 Jan *'), from).toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(nextOccurrence(parseSchedule('0 0 12 29 2 *'), from).toISOString()).toBe('2028-02-29T12:00:00.000Z');
  });

  it('accepts a TimeSpan interval and rejects malformed schedules with a code', () => {
    const from = new Date('2024-01-01T00:00:00Z');
    expect(nextOccurrence(parseSchedule('00:05:00'), from).toISOString()).toBe('2024-01-01T00:05:00.000Z');
    expect(nextOccurrence(parseSchedule('1.00:00:00'), from).toISOString()).toBe('2024-01-02T00:00:00.000Z');
    expect(() => parseSchedule('* * * * *')).toThrow(expect.objectContaining({ code: 'bad_schedule' }));
    expect(() => parseSchedule('61 * * * * *')).toThrow(expect.objectContaining({ code: 'bad_schedule' }));
    expect(() => parseSchedule('0 0 0 31 2 *')).not.toThrow();
    expect(() => nextOccurrence(parseSchedule('0 0 0 31 2 *'), from)).toThrow(/never occurs/);
  });
});

describe('main glob', () => {
  it('expands braces, * and ** relative to the app, sorted', () => {
    const dir = tempDir('glob');
    for (const f of [
      'dist/functions/a.js',
      'dist/functions/b.js',
      'dist/functions/b.js.map',
      'dist/hooks.js',
      'dist/deep/x/y.js',
    ]) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '');
    }
    const rel = (files: string[]): string[] => files.map((f) => path.relative(dir, f));
    expect(rel(expandMain(dir, 'dist/functions/*.js'))).toEqual(['dist/functions/a.js', 'dist/functions/b.js']);
    expect(rel(expandMain(dir, 'dist/{functions/*.js,hooks.js}'))).toEqual([
      'dist/functions/a.js',
      'dist/functions/b.js',
      'dist/hooks.js',
    ]);
    expect(rel(expandMain(dir, 'dist/**/*.js'))).toEqual([
      'dist/deep/x/y.js',
      'dist/functions/a.js',
      'dist/functions/b.js',
      'dist/hooks.js',
    ]);
    expect(rel(expandMain(dir, './dist/hooks.js'))).toEqual(['dist/hooks.js']);
    expect(expandMain(dir, 'dist/none/*.js')).toEqual([]);
    expect(expandBraces('a{b,c{d,e}}')).toEqual(['ab', 'acd', 'ace']);
  });
});

describe('host.json and arguments', () => {
  it('reads routePrefix, hubName (with %setting%) and concurrency, with the host defaults', () => {
    expect(hostConfigFrom({}, {})).toEqual({
      routePrefix: 'api',
      hubName: 'TestHubName',
      maxConcurrentActivityFunctions: 10,
      maxConcurrentOrchestratorFunctions: 10,
    });
    const config = hostConfigFrom(
      {
        extensions: { http: { routePrefix: '' }, durableTask: { hubName: '%HUB%', maxConcurrentActivityFunctions: 2 } },
      },
      { HUB: 'elbcontrol' },
    );
    expect(config).toMatchObject({ routePrefix: '', hubName: 'elbcontrol', maxConcurrentActivityFunctions: 2 });
    expect(() => resolveSettingRefs('%MISSING%', {})).toThrow(expect.objectContaining({ code: 'unresolved_setting' }));
    expect(() => hostConfigFrom({ extensions: { durableTask: { hubName: 'a-b' } } }, {})).toThrow(
      expect.objectContaining({ code: 'bad_hub_name' }),
    );
    expect(() => hostConfigFrom({ extensions: { durableTask: { maxConcurrentActivityFunctions: 0 } } }, {})).toThrow(
      expect.objectContaining({ code: 'bad_host_json' }),
    );
  });

  it('parses the command line and refuses unknown flags', () => {
    expect(parseArgs(['--app', 'x', '--port=0'], '/w')).toEqual({
      appDir: '/w/x',
      port: 0,
      host: '127.0.0.1',
      stateDir: '/w/x/.local/devhost',
      allowUntestedDurable: false,
    });
    expect(() => parseArgs(['--app', 'x', '--bogus'])).toThrow(expect.objectContaining({ code: 'bad_arguments' }));
  });
});

describe('retry timing and instance rules', () => {
  it('computes first × backoff^k capped by the max interval', () => {
    const options = {
      firstRetryIntervalInMilliseconds: 100,
      maxNumberOfAttempts: 5,
      backoffCoefficient: 2,
      maxRetryIntervalInMilliseconds: 300,
    };
    expect([0, 1, 2, 3].map((k) => retryDelayMs(options, k))).toEqual([100, 200, 300, 300]);
    expect(retryDelayMs({ firstRetryIntervalInMilliseconds: 50, maxNumberOfAttempts: 3 }, 4)).toBe(50);
    const first = new Date('2024-01-01T00:00:00Z');
    expect(
      retryTimedOut({ ...options, retryTimeoutInMilliseconds: 1000 }, first, new Date('2024-01-01T00:00:01Z')),
    ).toBe(true);
    expect(retryTimedOut(options, first, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('validates instance ids as Azure Storage does', () => {
    expect(() => validateInstanceId('ok:id-1')).not.toThrow();
    for (const bad of ['', 'a/b', 'a#b', 'a?b', 'a\\b', 'a\nb', 'x'.repeat(257)]) {
      expect(() => validateInstanceId(bad)).toThrow(expect.objectContaining({ code: 'bad_instance_id' }));
    }
  });

  it('filters and pages instance lists with an opaque continuation token', () => {
    const rec = (id: string, status: InstanceRecord['status'], created: string): InstanceRecord =>
      ({ instanceId: id, status, createdTime: created }) as InstanceRecord;
    const records = [
      rec('c', 'Running', '2024-01-03T00:00:00Z'),
      rec('a', 'Completed', '2024-01-01T00:00:00Z'),
      rec('b', 'Failed', '2024-01-02T00:00:00Z'),
    ];
    const filter = parseFilter(
      new URLSearchParams('runtimeStatus=completed,Failed&createdTimeFrom=2024-01-01T12:00:00Z'),
    );
    expect(records.filter((r) => matchesFilter(r, filter)).map((r) => r.instanceId)).toEqual(['b']);
    const first = pageOf(records, 2, undefined);
    expect(first.page.map((r) => r.instanceId)).toEqual(['a', 'b']);
    const second = pageOf(records, 2, first.next);
    expect(second).toEqual({ page: [records[0]] });
    expect(() => pageOf(records, 2, 'garbage!')).toThrow(expect.objectContaining({ code: 'bad_continuation_token' }));
    expect(() => parseFilter(new URLSearchParams('createdTimeTo=yesterday'))).toThrow(
      expect.objectContaining({ code: 'bad_time' }),
    );
  });
});
