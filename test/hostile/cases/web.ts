// The dashboard's dev server (Vite, under `npm start`) reaches into the checkout and proxies /api: it must not hand
// out files outside what the dashboard needs (the devhost keys and the exec token live under .local/), nor let a
// page on another name through DNS rebinding. Its answers are Vite's own, so only leaks and crashes are checked.
import { bytesFor, type HostileContext } from '../context';
import { refused, refusedWith, type Case, type Expectation } from '../ledger';

const LEAK_MARKERS = ['root:x:0:0', '"EXEC_TOKEN"', 'BEGIN PRIVATE KEY'];

export function webCases(ctx: HostileContext, localDir: string): Case[] {
  const port = ctx.ports.web;
  const noLeak: Expectation = {
    describe: 'no file from outside the dashboard',
    check: (res) => {
      const text = res.body.toString('latin1');
      const marker = LEAK_MARKERS.find((m) => text.includes(m));
      return marker ? `the answer holds ${marker}` : undefined;
    },
  };
  const files = [
    '/etc/passwd',
    `${localDir}/run/exec-token`,
    `${localDir}/devhost/keys/system.key`,
    `${localDir}/devhost/keys/master.key`,
    `${localDir}/sim/kubeconfig`,
  ];
  const targets: string[] = [];
  for (const f of files) {
    targets.push(`/@fs${f}`, `/@fs${f}?raw`, `/@fs${f}?raw??`, `/@fs${f}?import&raw??`, `/@fs${f}?url`);
  }
  targets.push(
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/@fs/../../../../etc/passwd',
    '/local.settings.json',
    '/../local.settings.json?raw',
    '/../.local/run/exec-token?raw',
    '/@id/../../../etc/passwd',
  );
  const cases: Case[] = targets.map((target) => ({
    part: 'web',
    kind: 'dev server file access outside the dashboard',
    port,
    bytes: bytesFor(port, { method: 'GET', target }),
    expect: noLeak,
    errorShape: 'any',
  }));
  // DNS rebinding: a page on another name must not reach the dev server, nor the API through its proxy.
  for (const target of ['/docs', '/api/targets', '/@fs/etc/passwd']) {
    cases.push({
      part: 'web',
      kind: 'foreign Host (DNS rebinding) at the dev server',
      port,
      bytes: bytesFor(port, { method: 'GET', target, host: 'evil.example' }),
      expect: {
        describe: 'a refusal',
        check: (res) => (res.status >= 400 && res.status < 500 ? undefined : `got ${res.status}`),
      },
      errorShape: 'any',
    });
  }
  // A cross-site start sent to the dashboard's origin reaches the API through the proxy: refused all the same.
  for (const type of ['text/plain', 'application/json']) {
    cases.push({
      part: 'web',
      kind: 'cross-site start through the dev server proxy',
      port,
      bytes: bytesFor(port, {
        method: 'POST',
        target: '/api/aks/openapi/deploy',
        headers: [
          ['Origin', 'http://evil.example'],
          ['Content-Type', type],
        ],
        body: '{}',
      }),
      // JSON-typed, only the Origin can refuse it; a simple type may be refused for its type as well.
      expect: type === 'application/json' ? refusedWith(403, 'cross_origin') : refused,
    });
  }
  return cases;
}
