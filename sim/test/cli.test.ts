// The elb-sim process: READY lines, the kubeconfig, and state that survives a restart.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsCli, spawnTsCli } from '../../test/support/ts-cli';
import { eventually, getJson, kubectl, randomLoopbackStart } from './support';

const SIM_CLI = join(__dirname, '..', 'cli.ts');
const stateDir = mkdtempSync(join(tmpdir(), 'elb-sim-cli-'));
const armStateDir = mkdtempSync(join(tmpdir(), 'elb-sim-cli-arm-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(armStateDir, { recursive: true, force: true });
});

async function startCli(extra: string[] = []): Promise<{ child: ChildProcess; k8s: string; registry: string }> {
  const child = spawnTsCli(SIM_CLI, [
    '--k8s-port',
    '0',
    '--registry-port',
    '0',
    '--state-dir',
    stateDir,
    '--no-webhook',
    '--lb-ip-start',
    randomLoopbackStart(),
    '--ready-delay-ms',
    '200',
    '--lb-delay-ms',
    '200',
    ...extra,
  ]);
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.resume();
  const lines = await eventually(
    () => (out.split('\n').filter((l) => l.startsWith('READY')).length >= 2 ? out : undefined),
    'two READY lines',
    60_000,
  );
  const k8s = lines.match(/^READY sim-k8s (http:\/\/127\.0\.0\.1:\d+)$/m)![1]!;
  const registry = lines.match(/^READY sim-registry (http:\/\/127\.0\.0\.1:\d+)$/m)![1]!;
  return { child, k8s, registry };
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

describe('elb-sim CLI', () => {
  it('prints READY lines for the ARM endpoint and the AKS API server, and logs where the CA is (not the identity secret)', async () => {
    const child = spawnTsCli(SIM_CLI, [
      ...['--k8s-port', '0', '--registry-port', '0', '--arm-port', '0', '--aks-port', '0'],
      ...['--state-dir', armStateDir, '--no-webhook'],
      ...['--lb-ip-start', randomLoopbackStart()],
    ]);
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    await eventually(() => /IDENTITY_ENDPOINT=/.test(err), 'the identity endpoint log line', 60_000);
    const arm = out.match(/^READY sim-arm (https:\/\/127\.0\.0\.1:\d+)$/m)![1]!;
    expect(out).toMatch(/^READY sim-aks https:\/\/127\.0\.0\.1:\d+$/m);
    const caPath = err.match(/NODE_EXTRA_CA_CERTS=(\S+)/)![1]!;
    expect(readFileSync(caPath, 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(err).toContain(`IDENTITY_ENDPOINT=${arm}/msi/token`);
    const secret = readFileSync(err.match(/IDENTITY_HEADER is in (\S+)\)/)![1]!, 'utf8');
    expect(secret.length).toBeGreaterThan(20);
    expect(out + err).not.toContain(secret);
    expect(await stop(child)).toBe(0);
  });

  it('prints READY lines, writes the kubeconfig, and keeps cluster and registry state across a restart', async () => {
    const first = await startCli();
    const kubeconfig = readFileSync(join(stateDir, 'kubeconfig'), 'utf8');
    expect(kubeconfig).toContain(`server: ${first.k8s}`);
    expect(kubeconfig).toMatch(/current-context: elb-sim/);
    const kc = join(stateDir, 'kubeconfig');
    const created = await kubectl(
      kc,
      ['apply', '--server-side', '--field-manager=t', '-f', '-'],
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: kept}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: kept}\ndata: {a: "1"}\n',
    );
    expect(created.stderr).toBe('');
    const pushed = await getJson(`${first.registry}/_sim/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"repository":"elb-openapi","tag":"3.4"}',
    });
    const cm = JSON.parse((await kubectl(kc, ['-n', 'kept', 'get', 'configmap', 'settings', '-o', 'json'])).stdout);
    expect(await stop(first.child)).toBe(0);

    const second = await startCli();
    const again = JSON.parse(
      (await kubectl(join(stateDir, 'kubeconfig'), ['-n', 'kept', 'get', 'configmap', 'settings', '-o', 'json']))
        .stdout,
    );
    expect(again.metadata.uid).toBe(cm.metadata.uid);
    expect(again.metadata.resourceVersion).toBe(cm.metadata.resourceVersion);
    const tag = await getJson(`${second.registry}/acr/v1/elb-openapi/_tags/3.4`);
    expect(tag.body.tag.digest).toBe(pushed.body.digest);
    expect(await stop(second.child)).toBe(0);

    const fresh = await startCli(['--fresh']);
    const gone = await kubectl(join(stateDir, 'kubeconfig'), ['get', 'namespace', 'kept']);
    expect(gone.stderr).toContain('not found');
    expect((await getJson(`${fresh.registry}/acr/v1/elb-openapi/_tags/3.4`)).body.tag.digest).not.toBe(
      pushed.body.digest,
    );
    expect(await stop(fresh.child)).toBe(0);
  });

  it('refuses bad options with a usage error (exit 2)', async () => {
    const { code, stderr } = await runTsCli(SIM_CLI, ['--lb-ip-start', '10.0.0.1']);
    expect(code).toBe(2);
    expect(stderr).toContain('--lb-ip-start must be a 127.x.y.z loopback address');
  });
});
