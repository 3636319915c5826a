// `azd up` (azure.yaml, scripts/azd/, bicep/, .dockerignore), checked as far as it can be without an Azure account:
// the file against the keys azd documents, every path it names, the hook scripts' syntax and shellcheck, the Bicep
// outputs and tags azd reads, the parameters the hooks must supply, the hooks' behaviour with `az` and `azd` stubbed
// (Azure cannot be reached from here; the stubs record the calls) and the exec image's build context.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bicepDir, runBicep } from '../bicep/test/bicep-cli.js';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

// The azure.yaml keys azd documents (its schema reference for azure.yaml, v1.0), written out by hand.
const TOP_KEYS = [
  'name',
  'resourceGroup',
  'metadata',
  'infra',
  'services',
  'resources',
  'pipeline',
  'hooks',
  'requiredVersions',
  'state',
  'platform',
  'workflows',
  'cloud',
];
const INFRA_KEYS = ['provider', 'path', 'module', 'layers'];
const SERVICE_KEYS = [
  'apiVersion',
  'resourceGroup',
  'resourceName',
  'project',
  'image',
  'host',
  'language',
  'module',
  'dist',
  'remoteBuild',
  'docker',
  'k8s',
  'config',
  'uses',
  'env',
  'hooks',
];
const HOSTS = ['appservice', 'containerapp', 'function', 'springapp', 'staticwebapp', 'aks'];
const LANGUAGES = ['dotnet', 'csharp', 'fsharp', 'py', 'python', 'js', 'ts', 'java', 'go', 'golang', 'docker'];
const COMMAND_HOOKS = [
  'preprovision',
  'postprovision',
  'preinfracreate',
  'postinfracreate',
  'preinfradelete',
  'postinfradelete',
  'predown',
  'postdown',
  'preup',
  'postup',
  'prepackage',
  'postpackage',
  'prepublish',
  'postpublish',
  'predeploy',
  'postdeploy',
  'prerestore',
  'postrestore',
];
const HOOK_KEYS = ['shell', 'kind', 'dir', 'run', 'continueOnError', 'interactive', 'windows', 'posix'];
const SHELLS = ['sh', 'pwsh'];
/** Values azd itself puts in the environment before provisioning. */
const AZD_PROVIDED = ['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_SUBSCRIPTION_ID'];

const project = yaml.load(read('azure.yaml')) as Obj;
const services = project.services as Record<string, Obj>;
const hooks = project.hooks as Record<string, Obj>;

/** Every hook definition (a hook, its os-specific variants, or a list of them) with where it was found. */
function hookDefinitions(): { where: string; hook: Obj }[] {
  const out: { where: string; hook: Obj }[] = [];
  for (const [name, value] of Object.entries(hooks)) {
    for (const hook of Array.isArray(value) ? value : [value]) {
      out.push({ where: name, hook: hook as Obj });
      for (const os of ['windows', 'posix']) {
        if (isObj((hook as Obj)[os])) out.push({ where: `${name}.${os}`, hook: (hook as Obj)[os] as Obj });
      }
    }
  }
  return out;
}
const hookScripts = [
  ...new Set(
    hookDefinitions()
      .map((d) => d.hook.run)
      .filter((r): r is string => typeof r === 'string'),
  ),
];

describe('azure.yaml', () => {
  it('uses only the keys and values azd documents', () => {
    expect(Object.keys(project).filter((k) => !TOP_KEYS.includes(k))).toEqual([]);
    expect(project.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    const infra = project.infra as Obj;
    expect(Object.keys(infra).filter((k) => !INFRA_KEYS.includes(k))).toEqual([]);
    expect(infra.provider).toBe('bicep');
    expect(Object.keys(services).length).toBeGreaterThan(0);
    for (const [name, service] of Object.entries(services)) {
      expect(
        Object.keys(service).filter((k) => !SERVICE_KEYS.includes(k)),
        name,
      ).toEqual([]);
      expect(HOSTS, name).toContain(service.host);
      expect(LANGUAGES, name).toContain(service.language);
      // Hosts that deploy code need the project; remoteBuild exists only for function apps.
      expect(typeof service.project, name).toBe('string');
      if (service.remoteBuild !== undefined) {
        expect(service.host, name).toBe('function');
        expect(typeof service.remoteBuild, name).toBe('boolean');
      }
    }
    expect(Object.keys(hooks).filter((k) => !COMMAND_HOOKS.includes(k))).toEqual([]);
    for (const { where, hook } of hookDefinitions()) {
      expect(
        Object.keys(hook).filter((k) => !HOOK_KEYS.includes(k)),
        where,
      ).toEqual([]);
      if (hook.shell !== undefined) expect(SHELLS, where).toContain(hook.shell);
      for (const flag of ['continueOnError', 'interactive']) {
        if (hook[flag] !== undefined) expect(typeof hook[flag], `${where}.${flag}`).toBe('boolean');
      }
    }
  });

  it('deploys the api as a function app from the bundle and the dashboard as a static web app', () => {
    expect(services.api).toMatchObject({ host: 'function', dist: 'dist/app', remoteBuild: false });
    expect(services.web).toMatchObject({ host: 'staticwebapp', dist: 'web/dist' });
    // The hooks that make `azd up` whole: the exec image, the token, the Event Grid subscription.
    expect(Object.keys(hooks).sort()).toEqual(['postdeploy', 'postprovision', 'preprovision']);
  });

  it('names paths that exist, and dist folders the build writes', () => {
    const infra = project.infra as { path: string; module: string };
    expect(fs.statSync(path.join(ROOT, infra.path)).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(ROOT, infra.path, `${infra.module}.bicep`))).toBe(true);
    // azd takes <module>.bicepparam when it exists (before <module>.parameters.json).
    expect(fs.existsSync(path.join(ROOT, infra.path, `${infra.module}.bicepparam`))).toBe(true);
    for (const [name, service] of Object.entries(services)) {
      const dir = path.join(ROOT, service.project as string);
      expect(fs.statSync(dir).isDirectory(), name).toBe(true);
      // language js/ts: azd runs `npm install` and `npm run build` in the project folder.
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      expect(pkg.scripts.build, name).toBeDefined();
    }
    const build = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build!;
    expect(build).toContain('node scripts/build-app.mjs'); // writes dist/app (its default --out)
    expect(read('scripts/build-app.mjs')).toContain("path.join(ROOT, 'dist', 'app')");
    expect(build).toContain('vite build --config web/vite.config.ts'); // writes web/dist
    expect(read('web/vite.config.ts')).toMatch(/outDir: 'dist'/);
    expect(hookScripts.length).toBe(3);
    for (const script of hookScripts) {
      const full = path.join(ROOT, script);
      expect(fs.existsSync(full), script).toBe(true);
      expect(fs.statSync(full).mode & 0o111, `${script} is executable`).not.toBe(0);
    }
  });

  it.each(hookScripts)('hook %s passes bash -n, sh -n and shellcheck', (script) => {
    for (const shell of ['bash', 'sh']) {
      const run = spawnSync(shell, ['-n', script], { cwd: ROOT, encoding: 'utf8' });
      expect(run.stderr, `${shell} -n ${script}`).toBe('');
      expect(run.status).toBe(0);
    }
    for (const file of [script, 'scripts/azd/lib.sh']) {
      const run = spawnSync('shellcheck', ['--format=tty', '--color=never', file], { cwd: ROOT, encoding: 'utf8' });
      expect(run.error, 'shellcheck is not installed (scripts/ensure-tools.sh)').toBeUndefined();
      expect(`${run.stdout}${run.stderr}`).toBe('');
    }
  });
});

describe('what azd reads from bicep/', () => {
  let template: Obj;
  beforeAll(() => {
    const run = runBicep(['build', 'main.bicep', '--stdout']);
    expect(run.status, run.stderr).toBe(0);
    template = JSON.parse(run.stdout) as Obj;
  }, 300_000);

  it('outputs what the hooks read, as strings', () => {
    const outputs = template.outputs as Record<string, { type: string }>;
    const hookText = hookScripts.map(read).join('\n') + read('scripts/azd/lib.sh');
    for (const name of ['AZURE_RESOURCE_GROUP', 'SERVICE_API_NAME', 'ELB_DASHBOARD_URL']) {
      expect(hookText, `a hook reads ${name}`).toContain(name);
      expect(outputs[name]?.type, name).toBe('string');
    }
    expect(outputs.AZURE_LOCATION?.type).toBe('string');
    expect(outputs.SERVICE_WEB_NAME?.type).toBe('string');
  });

  it('tags one resource per azure.yaml service with its azd-service-name, of the type its host deploys to', () => {
    const tagged = new Map<string, string[]>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!isObj(node)) return;
      if (typeof node.type === 'string' && node.tags !== undefined) {
        const text = JSON.stringify(node.tags);
        for (const m of text.matchAll(/azd-service-name'?"?\s*[:,]\s*'?"?([a-z0-9-]+)/g)) {
          tagged.set(m[1]!, [...(tagged.get(m[1]!) ?? []), node.type]);
        }
      }
      Object.values(node).forEach(walk);
    };
    walk(template.resources);
    const hostType: Record<string, string> = {
      function: 'Microsoft.Web/sites',
      staticwebapp: 'Microsoft.Web/staticSites',
    };
    expect([...tagged.keys()].sort()).toEqual(Object.keys(services).sort());
    for (const [name, service] of Object.entries(services)) {
      expect(tagged.get(name), name).toEqual([hostType[service.host as string]]);
    }
  });

  it('needs from the azd environment only what azd provides or preprovision asks for or sets', () => {
    const params = fs.readFileSync(path.join(bicepDir, 'main.bicepparam'), 'utf8');
    const required = [...params.matchAll(/readEnvironmentVariable\('([A-Z0-9_]+)'\)/g)].map((m) => m[1]!);
    const pre = read('scripts/azd/preprovision.sh');
    const asked = [...pre.matchAll(/^ask ([A-Z0-9_]+)/gm)].map((m) => m[1]!);
    const set = [...pre.matchAll(/azd env set ([A-Z0-9_]+)/g)].map((m) => m[1]!);
    expect(asked).toEqual(['ELB_REGISTRY_RESOURCE_ID', 'ELB_TARGETS']);
    expect(set).toEqual(['ELB_EXEC_IMAGE']);
    expect(required.filter((name) => ![...AZD_PROVIDED, ...asked, ...set].includes(name))).toEqual([]);
    // And the values the other hooks switch are ones the parameters read.
    for (const name of ['ELB_EXEC_TOKEN_ACTION', 'ELB_DEPLOY_EVENT_SUBSCRIPTION']) {
      expect(params).toContain(`readEnvironmentVariable('${name}'`);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The hooks, run for real with `az` and `azd` replaced by recording stubs (no Azure account exists here).
// ---------------------------------------------------------------------------------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'elb-azd-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const REGISTRY_ID =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/elbacr01';
const TARGETS = '[{"name":"prod","resourceGroup":"rg-aks","clusterName":"aks-elb"}]';

interface HookRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Each stub call as "az …" / "azd …". */
  calls: string[];
}

/**
 * Runs a hook with stub `az`/`azd` on PATH. STUB_SCRIPT decides the stubs' answers (sh, with the call in "$*").
 */
function runHook(hook: string, env: Record<string, string>, stubScript = ''): HookRun {
  const dir = fs.mkdtempSync(path.join(scratch, 'run-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const log = path.join(dir, 'calls.log');
  for (const tool of ['az', 'azd']) {
    fs.writeFileSync(
      path.join(bin, tool),
      `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${log}'\ntool=${tool}\n${stubScript}\nexit 0\n`,
      { mode: 0o755 },
    );
  }
  const run = spawnSync('sh', [path.join(ROOT, 'scripts', 'azd', `${hook}.sh`)], {
    cwd: dir,
    encoding: 'utf8',
    input: '', // not a terminal: the hooks must not wait for an answer
    timeout: 60_000,
    env: { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir, ELB_FUNCTION_WAIT_SECONDS: '0', ...env },
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls };
}

describe('scripts/azd/preprovision.sh', () => {
  const tag = execFileSync('sh', ['-c', '. scripts/azd/lib.sh && exec_image_tag'], { cwd: ROOT, encoding: 'utf8' });
  const image = `elb-control-exec:${tag.trim()}`;
  const stub = `
case "$tool $*" in
  "az acr repository show"*) [ -n "\${IMAGE_EXISTS:-}" ] || exit 3 ;;
  "az acr show"*) echo elbacr01.azurecr.io ;;
esac`;

  it('without the registry or the targets, and no terminal to ask on, fails naming the azd env set to run', () => {
    const none = runHook('preprovision', {}, stub);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('ELB_REGISTRY_RESOURCE_ID is not set: azd env set ELB_REGISTRY_RESOURCE_ID');
    expect(none.calls).toEqual([]);
    const noTargets = runHook('preprovision', { ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID }, stub);
    expect(noTargets.stderr).toContain('ELB_TARGETS is not set: azd env set ELB_TARGETS');
  });

  it('refuses a registry id that is not one and targets that are not a JSON array, before any Azure call', () => {
    const badId = runHook('preprovision', { ELB_REGISTRY_RESOURCE_ID: 'elbacr01', ELB_TARGETS: TARGETS }, stub);
    expect(badId.status).not.toBe(0);
    expect(badId.stderr).toContain('is not a container registry resource id');
    for (const targets of ['{"name":"prod"}', '[]', 'not json', '[{"cluster":"x"}]']) {
      const bad = runHook('preprovision', { ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ELB_TARGETS: targets }, stub);
      expect(bad.status, targets).not.toBe(0);
      expect(bad.stderr, targets).toContain('ELB_TARGETS must be a non-empty JSON array');
      expect(bad.calls, targets).toEqual([]);
    }
  });

  it('builds the exec image in the registry when its tag is missing, and records the reference', () => {
    const run = runHook('preprovision', { ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ELB_TARGETS: TARGETS }, stub);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const sub = '--subscription 11111111-2222-3333-4444-555555555555';
    expect(run.calls).toEqual([
      `az acr repository show ${sub} --name elbacr01 --image ${image}`,
      `az acr build ${sub} --registry elbacr01 --image ${image} --file exec/Dockerfile .`,
      `az acr show ${sub} --name elbacr01 --query loginServer --output tsv`,
      `azd env set ELB_EXEC_IMAGE elbacr01.azurecr.io/${image}`,
    ]);
  });

  it('reuses an image with the same content tag without building', () => {
    const run = runHook(
      'preprovision',
      { ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ELB_TARGETS: TARGETS, IMAGE_EXISTS: '1' },
      stub,
    );
    expect(run.status).toBe(0);
    expect(run.calls.filter((c) => c.startsWith('az acr build'))).toEqual([]);
    expect(run.calls).toContain(`azd env set ELB_EXEC_IMAGE elbacr01.azurecr.io/${image}`);
  });

  it('fails when the build fails, without recording an image', () => {
    const run = runHook(
      'preprovision',
      { ELB_REGISTRY_RESOURCE_ID: REGISTRY_ID, ELB_TARGETS: TARGETS },
      `${stub}\ncase "$tool $*" in "az acr build"*) exit 1 ;; esac`,
    );
    expect(run.status).not.toBe(0);
    expect(run.calls.filter((c) => c.startsWith('azd env set'))).toEqual([]);
  });
});

describe('scripts/azd/postprovision.sh', () => {
  it('turns the exec token action to keep after a provision that generated it, and leaves keep alone', () => {
    const first = runHook('postprovision', { ELB_DASHBOARD_URL: 'https://x.azurestaticapps.net' });
    expect(first.status).toBe(0);
    expect(first.calls).toEqual(['azd env set ELB_EXEC_TOKEN_ACTION keep']);
    expect(first.stdout).toContain('dashboard: https://x.azurestaticapps.net');
    const rotated = runHook('postprovision', { ELB_EXEC_TOKEN_ACTION: 'generate' });
    expect(rotated.calls).toEqual(['azd env set ELB_EXEC_TOKEN_ACTION keep']);
    const later = runHook('postprovision', { ELB_EXEC_TOKEN_ACTION: 'keep' });
    expect(later.status).toBe(0);
    expect(later.calls).toEqual([]);
  });
});

describe('scripts/azd/postdeploy.sh', () => {
  const deployed = {
    AZURE_RESOURCE_GROUP: 'rg-elb',
    SERVICE_API_NAME: 'func-elbctl-abc',
    ELB_FUNCTION_WAIT_SECONDS: '0',
  };
  const show =
    'az functionapp function show --resource-group rg-elb --name func-elbctl-abc --function-name acrImagePushed --query name --output tsv';

  it('does nothing once the subscription is on', () => {
    const run = runHook('postdeploy', { ...deployed, ELB_DEPLOY_EVENT_SUBSCRIPTION: 'true' });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
  });

  it('waits for acrImagePushed, then switches the subscription on and provisions again', () => {
    // The function appears on the third look (a zip deploy takes a moment to index).
    const stub = `
case "$tool $*" in
  "az functionapp function show"*)
    n=$(cat "$HOME/looks" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$HOME/looks"
    [ "$n" -ge 3 ] || exit 3 ;;
esac`;
    const run = runHook('postdeploy', deployed, stub);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([
      show,
      show,
      show,
      'azd env set ELB_DEPLOY_EVENT_SUBSCRIPTION true',
      'azd provision --no-prompt',
    ]);
  });

  it('gives up after the allowed looks without switching anything', () => {
    const run = runHook(
      'postdeploy',
      { ...deployed, ELB_FUNCTION_WAIT_ATTEMPTS: '2' },
      'case "$tool $*" in "az functionapp"*) exit 3 ;; esac',
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('acrImagePushed is not listed on func-elbctl-abc after 2 tries');
    expect(run.calls).toEqual([show, show]);
  });

  it('needs the provisioned names', () => {
    const run = runHook('postdeploy', { AZURE_RESOURCE_GROUP: 'rg-elb' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('SERVICE_API_NAME is not set');
    expect(run.calls).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The exec image's build context (.dockerignore), uploaded by `az acr build`.
// ---------------------------------------------------------------------------------------------------------------

/** Docker's rule for the patterns used here: the last pattern matching a path or one of its parents decides. */
function dockerIgnored(patterns: string[], file: string): boolean {
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (pattern.includes('*') && pattern !== '*') throw new Error(`pattern ${raw} is beyond this test's matcher`);
    const matches = pattern === '*' ? true : prefixes.includes(pattern);
    if (matches) ignored = !negated;
  }
  return ignored;
}

describe('.dockerignore (exec image build context)', () => {
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const context = /^EXEC_CONTEXT="([^"]+)"/m.exec(read('scripts/azd/lib.sh'))![1]!.split(' ');

  it('admits exactly the paths of EXEC_CONTEXT (what the image tag hashes)', () => {
    expect(patterns[0]).toBe('*');
    expect(patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1))).toEqual(context);
  });

  it('sends everything exec/Dockerfile copies from the context', () => {
    const sources = [...read('exec/Dockerfile').matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
      m[1]!.trim().split(/\s+/).slice(0, -1),
    );
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      const files = fs.statSync(path.join(ROOT, source)).isDirectory()
        ? fs
            .readdirSync(path.join(ROOT, source), { recursive: true, withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
            .filter((f) => !f.startsWith('exec/test/'))
        : [source];
      for (const file of files) expect(dockerIgnored(patterns, file), file).toBe(false);
    }
  });

  it('keeps the azd environments (.azure/) out of git as well', () => {
    expect(read('.gitignore').split('\n')).toContain('.azure/');
  });

  it('keeps secrets, local state, dependencies and build output on this machine', () => {
    for (const file of [
      '.azure/dev/.env',
      'local.settings.json',
      '.local/devhost/keys/system.key',
      'node_modules/esbuild/package.json',
      'dist/app/main.js',
      '.git/config',
      '.tools/bin/bicep',
      'web/src/main.ts',
      'exec/test/server.test.ts',
      'core/config.ts',
      'bicep/main.bicepparam',
    ]) {
      expect(dockerIgnored(patterns, file), file).toBe(true);
    }
  });

  it('tags the image by the context content: a source change changes the tag, a test change does not', () => {
    const copy = fs.mkdtempSync(path.join(scratch, 'context-'));
    for (const entry of [...context, 'scripts/azd/lib.sh']) {
      fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    }
    const tagOf = (): string =>
      execFileSync('sh', ['-c', '. scripts/azd/lib.sh && exec_image_tag'], { cwd: copy, encoding: 'utf8' }).trim();
    const first = tagOf();
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    expect(tagOf()).toBe(first);
    fs.mkdirSync(path.join(copy, 'exec', 'test'), { recursive: true });
    fs.writeFileSync(path.join(copy, 'exec', 'test', 'extra.test.ts'), '// changed\n');
    expect(tagOf()).toBe(first);
    fs.appendFileSync(path.join(copy, 'exec', 'server.ts'), '\n// changed\n');
    expect(tagOf()).not.toBe(first);
  });
});
