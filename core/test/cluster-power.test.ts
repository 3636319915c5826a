// A target's AKS cluster power state without I/O: which targets have one (aks, or a kubeconfig declaring
// seedCluster), when it counts as stopped, what the summary and a refused deploy say, and how a start is judged.
import { describe, expect, it } from 'vitest';
import { clusterRefOf } from '../../adapters/cluster-power';
import { clusterStoppedError, isStopped, judgeStart, stoppedProblem } from '../cluster-power';
import { loadConfig } from '../config';
import { parseTarget } from '../targets';

const SUB = '00000000-0000-0000-0000-000000000000';
const kube = parseTarget({ name: 'plain', kind: 'kubeconfig', kubeconfig: '/k' }, 0);
const declared = parseTarget(
  {
    name: 'local',
    kind: 'kubeconfig',
    kubeconfig: '/k',
    seedCluster: { subscriptionId: SUB, resourceGroup: 'elb-sim', clusterName: 'aks-elb-sim' },
  },
  0,
);
const aks = parseTarget(
  { name: 'prod', kind: 'aks', subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'aks-prod' },
  0,
);
const view = (power_state: string, provisioning_state: string) => ({ power_state, provisioning_state });

describe('cluster power state', () => {
  it('reads an aks target and a kubeconfig target that declares its cluster; a plain kubeconfig has none', () => {
    expect(clusterRefOf(aks)).toEqual({ subscriptionId: SUB, resourceGroup: 'rg', clusterName: 'aks-prod' });
    expect(clusterRefOf(declared)).toEqual({
      subscriptionId: SUB,
      resourceGroup: 'elb-sim',
      clusterName: 'aks-elb-sim',
    });
    expect(clusterRefOf(kube)).toBeNull();
  });

  it('counts Stopped and a stop in progress as stopped; Running, Starting, unknown and none are not', () => {
    expect(isStopped(view('Stopped', 'Succeeded'))).toBe(true);
    expect(isStopped(view('Running', 'Stopping'))).toBe(true);
    expect(isStopped(view('Running', 'Succeeded'))).toBe(false);
    expect(isStopped(view('Stopped', 'Starting'))).toBe(false);
    expect(isStopped(view('Unknown', 'Unknown'))).toBe(false);
    expect(isStopped(null)).toBe(false);
  });

  it('says a stopped cluster as cluster_stopped (a local hint only on a local run), and refuses with 409', () => {
    const local = loadConfig({ ELB_AUTH_MODE: 'none', ELB_LOCAL_DIR: '/tmp/x' });
    const azure = loadConfig({ ELB_AUTH_MODE: 'none' });
    expect(stoppedProblem(local, declared)).toMatchObject({ part: 'cluster', code: 'cluster_stopped' });
    expect(stoppedProblem(local, declared).hint).toContain('local-run.sh cluster start');
    expect(stoppedProblem(azure, declared).hint).toBeNull();
    const err = clusterStoppedError(declared);
    expect([err.code, err.status]).toEqual(['cluster_stopped', 409]);
    expect(err.message).toContain('/api/targets/local/cluster/start');
  });

  it('judges a start: running only with Running, Succeeded and an answering API; Failed is final', () => {
    expect(judgeStart(view('Running', 'Succeeded'), null)).toEqual({ state: 'running' });
    expect(judgeStart(view('Running', 'Succeeded'), 'ECONNREFUSED')).toEqual({
      state: 'starting',
      detail: 'running; its API does not answer yet (ECONNREFUSED)',
    });
    expect(judgeStart(view('Stopped', 'Starting'), null)).toEqual({
      state: 'starting',
      detail: 'power Stopped, provisioning Starting',
    });
    // Right after the request ARM may still read the stop: keep waiting, the timeout bounds it.
    expect(judgeStart(view('Stopped', 'Succeeded'), null).state).toBe('starting');
    const failed = judgeStart(view('Stopped', 'Failed'), null);
    expect(failed.state).toBe('failed');
    expect(failed.state === 'failed' && failed.error.code).toBe('cluster_start_failed');
  });
});
