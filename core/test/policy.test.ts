import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DEFAULT_POLICY, UpdatePolicy } from '../contract/policy';
import { Env, loadConfig } from '../config';

const REGISTRY_ID = '/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/elbacr01';
const load = (env: Env) => loadConfig({ ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ...env });
const target = (name: string, extra: object = {}) => ({ name, kind: 'kubeconfig', kubeconfig: 'k', ...extra });

describe('update policy', () => {
  it('defaults to today’s behaviour: follow the pin, deploy at once, report drift', () => {
    expect(z.parse(UpdatePolicy, {})).toEqual(DEFAULT_POLICY);
    const c = load({ ELB_TARGETS: JSON.stringify([target('a')]) });
    expect(c.targets[0]!.policy).toEqual(DEFAULT_POLICY);
    expect(c.waves).toEqual([]);
  });

  it('reads a range, approvals and a window', () => {
    const policy = {
      mode: 'approve',
      track: { range: '~3.4' },
      approvalTimeoutHours: 48,
      window: { days: ['sat', 'sun'], start: '02:00', end: '05:00', timeZone: 'Europe/Stockholm' },
      drift: 'correct',
    };
    const c = load({ ELB_TARGETS: JSON.stringify([target('a', { policy })]) });
    expect(c.targets[0]!.policy).toEqual(policy);
  });

  it.each([
    [{ mode: 'sometimes' }, /policy\.mode/],
    [{ track: { range: 'latest' } }, /semver range/],
    [{ track: { tag: 'bad tag' } }, /valid image tag/],
    [{ track: { tag: '3.4', range: '~3.4' } }, /track/],
    [{ window: { days: [], start: '02:00', end: '05:00', timeZone: 'UTC' } }, /at least one day/],
    [{ window: { days: ['sat', 'sat'], start: '02:00', end: '05:00', timeZone: 'UTC' } }, /twice/],
    [{ window: { days: ['sat'], start: '2:00', end: '05:00', timeZone: 'UTC' } }, /HH:MM/],
    [{ window: { days: ['sat'], start: '02:00', end: '02:00', timeZone: 'UTC' } }, /must differ/],
    [{ window: { days: ['sat'], start: '02:00', end: '05:00', timeZone: 'Mars/Olympus' } }, /IANA time zone/],
    [{ approvalTimeoutHours: 0 }, /approvalTimeoutHours/],
    [{ surprise: true }, /surprise|unrecognized/i],
  ])('refuses %j when the settings load', (policy, message) => {
    expect(() => load({ ELB_TARGETS: JSON.stringify([target('a', { policy })]) })).toThrow(message);
  });
});

describe('ELB_WAVES', () => {
  const targets = JSON.stringify([target('canary'), target('prod-a'), target('prod-b')]);

  it('reads groups in order with a default soak time', () => {
    const waves = JSON.stringify([
      { name: 'canary', targets: ['canary'], soakSeconds: 60 },
      { name: 'prod', targets: ['prod-a', 'prod-b'] },
    ]);
    expect(load({ ELB_TARGETS: targets, ELB_WAVES: waves }).waves).toEqual([
      { name: 'canary', targets: ['canary'], soakSeconds: 60 },
      { name: 'prod', targets: ['prod-a', 'prod-b'], soakSeconds: 300 },
    ]);
  });

  it.each([
    ['not json', /not valid JSON/],
    [JSON.stringify([{ name: 'x', targets: ['nope'] }]), /not a configured target/],
    [
      JSON.stringify([
        { name: 'x', targets: ['canary'] },
        { name: 'y', targets: ['canary'] },
      ]),
      /in groups "x" and "y"/,
    ],
    [
      JSON.stringify([
        { name: 'x', targets: ['canary'] },
        { name: 'x', targets: ['prod-a'] },
      ]),
      /named twice/,
    ],
    [JSON.stringify([{ name: 'x', targets: [] }]), /at least one target/],
    [JSON.stringify([{ name: 'x', targets: ['canary'], soakSeconds: -1 }]), /soakSeconds/],
  ])('refuses %s', (waves, message) => {
    expect(() => load({ ELB_TARGETS: targets, ELB_WAVES: waves })).toThrow(message);
  });
});
