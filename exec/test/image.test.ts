// The exec image build (exec/Dockerfile and exec/image/*.sh) without a Docker engine, which this machine lacks.
// - The Dockerfile is parsed: every variable it uses is declared, no build argument is required, every file it
//   copies exists, and every setting a script reads is a build argument of the stage that runs it.
// - exec/image/install-tools.sh runs for real (dash, sha256sum, unzip, install) with one stand-in: there is no
//   internet here, so `curl` is fixtures/image/bin/curl, which serves downloads from a temp dir. The checksum
//   logic — published file, pinned override, fail closed — is what is tested.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { FIXTURES, REPO_ROOT } from './harness';

const DOCKERFILE = path.join(REPO_ROOT, 'exec', 'Dockerfile');
const INSTALL_TOOLS = path.join(REPO_ROOT, 'exec', 'image', 'install-tools.sh');
const IMAGE_FIXTURES = path.join(FIXTURES, 'image');

interface Instruction {
  keyword: string;
  args: string;
}
interface Arg {
  name: string;
  value: string | undefined; // undefined: declared without a default
}
interface Stage {
  from: Instruction;
  instructions: Instruction[];
}

/** Dockerfile instructions: comment lines dropped, `\` continuations joined (as Docker's parser does). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    if (pending === '' && line.trim() === '') continue;
    const continued = /\\\s*$/.test(line);
    pending += continued ? line.replace(/\\\s*$/, ' ') : line;
    if (continued) continue;
    const match = /^\s*(\S+)\s*(.*)$/s.exec(pending);
    if (match) out.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim() });
    pending = '';
  }
  return out;
}

function parseDockerfile(text: string): { globalArgs: Arg[]; stages: Stage[] } {
  const globalArgs: Arg[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') stages.push({ from: ins, instructions: [] });
    else if (stages.length > 0) stages.at(-1)!.instructions.push(ins);
    else if (ins.keyword === 'ARG') globalArgs.push(argOf(ins));
    else throw new Error(`only ARG may come before the first FROM, found ${ins.keyword}`);
  }
  return { globalArgs, stages };
}

function argOf(ins: Instruction): Arg {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args);
  if (!match) throw new Error(`cannot read ARG ${ins.args}`);
  return { name: match[1]!, value: match[2] };
}

const stageArgs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'ARG').map(argOf);

/** `$NAME` and `${NAME…}` references; `$(…)` is a shell command substitution, not a variable. */
const variablesIn = (text: string) => [...text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);

// BuildKit fills these per platform; a stage sees them once it declares them.
const PLATFORM_ARGS = new Set(['TARGETARCH', 'TARGETOS', 'TARGETPLATFORM', 'TARGETVARIANT', 'BUILDPLATFORM']);

const dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const toolsStage = dockerfile.stages.find((s) => / AS tools$/i.test(s.from.args));

describe('exec/Dockerfile', () => {
  it('needs no build argument: every ARG has a default or is one BuildKit sets', () => {
    const all = [...dockerfile.globalArgs, ...dockerfile.stages.flatMap(stageArgs)];
    expect(all.length).toBeGreaterThan(0);
    const required = all.filter((a) => a.value === undefined && !PLATFORM_ARGS.has(a.name)).map((a) => a.name);
    expect(required).toEqual([]);
    expect(readFileSync(DOCKERFILE, 'utf8')).not.toMatch(/are required|test -n/);
  });

  it('declares every variable it uses, in the scope that uses it', () => {
    const globals = new Set(dockerfile.globalArgs.map((a) => a.name));
    const undeclared: string[] = [];
    for (const stage of dockerfile.stages) {
      for (const name of variablesIn(stage.from.args)) if (!globals.has(name)) undeclared.push(`FROM ${name}`);
      const known = new Set<string>();
      for (const ins of stage.instructions) {
        if (ins.keyword === 'ARG') known.add(argOf(ins).name);
        for (const name of variablesIn(ins.args)) if (!known.has(name)) undeclared.push(`${ins.keyword} ${name}`);
        // ENV a=b c=d: later instructions may use them.
        if (ins.keyword === 'ENV') for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) known.add(m[1]!);
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('copies only files that exist in the repository, and runs every script it copies', () => {
    const copies = dockerfile.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'COPY');
    const fromContext = copies.filter((c) => !c.args.startsWith('--from='));
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const source of sources) expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    }
  });

  it('gives each image script every setting it reads as a build argument of its stage, documented in its header', () => {
    let scripts = 0;
    for (const stage of dockerfile.stages) {
      const declared = new Set(stageArgs(stage).map((a) => a.name));
      const copied = new Map<string, string>(); // destination in the image → source in the repository
      for (const ins of stage.instructions) {
        if (ins.keyword === 'COPY' && !ins.args.startsWith('--from=')) {
          const [source, destination] = ins.args.split(/\s+/);
          copied.set(destination!, source!);
        }
        const run = ins.keyword === 'RUN' ? /^sh (\S+)/.exec(ins.args) : null;
        if (!run) continue;
        const source = copied.get(run[1]!);
        expect(source, `RUN ${ins.args} runs a script the stage copied`).toBeDefined();
        // The scripts read their settings as ${NAME:-default}; each must be documented in the script's header.
        const script = readFileSync(path.join(REPO_ROOT, source!), 'utf8');
        const settings = [...new Set([...script.matchAll(/\$\{([A-Z][A-Z0-9_]*):-/g)].map((m) => m[1]!))];
        expect(settings.length, `settings ${source} reads`).toBeGreaterThan(0);
        expect(
          settings.filter((n) => !declared.has(n)),
          `settings ${source} reads, not declared`,
        ).toEqual([]);
        const header = script.slice(0, script.search(/^[^#]/m));
        expect(
          settings.filter((n) => !header.includes(n)),
          `settings ${source} reads, not documented`,
        ).toEqual([]);
        scripts++;
      }
    }
    expect(scripts).toBe(2); // install-tools.sh and install-azure-cli.sh
  });
});

// --- install-tools.sh with the offline curl -------------------------------------------------------------------

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const WRONG = 'f'.repeat(64);

interface Release {
  kubectl: string; // the URL path under dl.k8s.io, for the published files' names
  kubelogin: string;
}

interface Sandbox {
  root: string; // $OFFLINE_ROOT: https://HOST/PATH is served from root/HOST/PATH
  dest: string;
  log: string;
  release: (arch: string) => Release;
}

const sandboxes: string[] = [];
afterEach(() => {
  for (const dir of sandboxes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The build arguments the tools stage gets when `docker build` is given none. */
function defaultArgs(): Record<string, string> {
  const args: Record<string, string> = {};
  for (const arg of stageArgs(toolsStage!)) if (arg.value !== undefined) args[arg.name] = arg.value;
  return args;
}

/** Publishes kubectl and kubelogin (with good checksum files) for both architectures at the default versions. */
function sandbox(): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elb-image-test-'));
  sandboxes.push(dir);
  const root = path.join(dir, 'www');
  const { KUBECTL_VERSION, KUBELOGIN_VERSION } = defaultArgs();
  const release = (arch: string): Release => ({
    kubectl: path.join(root, 'dl.k8s.io', 'release', KUBECTL_VERSION!, 'bin', 'linux', arch, 'kubectl'),
    kubelogin: path.join(
      root,
      'github.com/Azure/kubelogin/releases/download',
      KUBELOGIN_VERSION!,
      `kubelogin-linux-${arch}.zip`,
    ),
  });
  for (const arch of ['amd64', 'arm64']) {
    const { kubectl, kubelogin } = release(arch);
    mkdirSync(path.dirname(kubectl), { recursive: true });
    mkdirSync(path.dirname(kubelogin), { recursive: true });
    writeFileSync(kubectl, `#!/bin/sh\necho "kubectl fixture linux/${arch}"\n`);
    // As published: kubectl's file holds the bare digest, kubelogin's "<digest>  <file name>".
    writeFileSync(`${kubectl}.sha256`, sha256(readFileSync(kubectl)));
    copyFileSync(path.join(IMAGE_FIXTURES, `kubelogin-linux-${arch}.zip`), kubelogin);
    writeFileSync(`${kubelogin}.sha256`, `${sha256(readFileSync(kubelogin))}  kubelogin-linux-${arch}.zip\n`);
  }
  return { root, dest: path.join(dir, 'bin'), log: path.join(dir, 'curl.log'), release };
}

/** Runs install-tools.sh under dash with only the given build arguments in its environment. */
function installTools(box: Sandbox, args: Record<string, string>) {
  const run = spawnSync('sh', [INSTALL_TOOLS, box.dest], {
    encoding: 'utf8',
    timeout: 20_000,
    env: {
      PATH: `${path.join(IMAGE_FIXTURES, 'bin')}:${process.env.PATH}`,
      OFFLINE_ROOT: box.root,
      OFFLINE_LOG: box.log,
      ...args,
    },
  });
  const requested = existsSync(box.log) ? readFileSync(box.log, 'utf8').trim().split('\n') : [];
  return { ...run, requested };
}

const installed = (box: Sandbox, tool: string) => existsSync(path.join(box.dest, tool));

describe('exec/image/install-tools.sh (network stubbed: no internet here)', () => {
  for (const arch of ['amd64', 'arm64']) {
    it(`installs both tools for ${arch} with the Dockerfile's defaults, checked against the published files`, () => {
      const box = sandbox();
      const run = installTools(box, { ...defaultArgs(), TARGETARCH: arch });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      for (const tool of ['kubectl', 'kubelogin']) {
        const out = spawnSync(path.join(box.dest, tool), { encoding: 'utf8' });
        expect(out.stdout).toBe(`${tool} fixture linux/${arch}\n`);
      }
      const urls = run.requested.map((line) => line.split(' ').at(-1));
      const { KUBECTL_VERSION, KUBELOGIN_VERSION } = defaultArgs();
      expect(urls).toEqual([
        `https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl`,
        `https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl.sha256`,
        `https://github.com/Azure/kubelogin/releases/download/${KUBELOGIN_VERSION}/kubelogin-linux-${arch}.zip`,
        `https://github.com/Azure/kubelogin/releases/download/${KUBELOGIN_VERSION}/kubelogin-linux-${arch}.zip.sha256`,
      ]);
      // HTTPS only, redirects included.
      for (const line of run.requested) expect(line).toContain('--proto =https --proto-redir =https');
      expect(run.stdout).toContain(
        `matches https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl.sha256`,
      );
    });
  }

  it('fails, installing nothing, when a download does not match its published checksum', () => {
    const box = sandbox();
    const { kubelogin } = box.release('amd64');
    writeFileSync(`${kubelogin}.sha256`, `${WRONG}  kubelogin-linux-amd64.zip\n`);
    const run = installTools(box, { ...defaultArgs(), TARGETARCH: 'amd64' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /SHA-256 mismatch for https:\/\/github\.com\/.*kubelogin-linux-amd64\.zip: expected f{64}/,
    );
    // kubectl passed its own check, but nothing is installed unless everything did.
    expect(installed(box, 'kubectl')).toBe(false);
    expect(installed(box, 'kubelogin')).toBe(false);
  });

  it('fails, installing nothing, when the verified kubelogin archive holds no binary for the architecture', () => {
    const box = sandbox();
    const { kubelogin } = box.release('amd64');
    copyFileSync(box.release('arm64').kubelogin, kubelogin); // a well-formed archive for the other architecture
    writeFileSync(`${kubelogin}.sha256`, `${sha256(readFileSync(kubelogin))}  kubelogin-linux-amd64.zip\n`);
    const run = installTools(box, { ...defaultArgs(), TARGETARCH: 'amd64' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('the kubelogin archive has no bin/linux_amd64/kubelogin');
    expect(installed(box, 'kubectl')).toBe(false);
  });

  it('fails when the download itself was altered (same published file, other bytes)', () => {
    const box = sandbox();
    writeFileSync(box.release('arm64').kubectl, '#!/bin/sh\necho tampered\n');
    const run = installTools(box, { ...defaultArgs(), TARGETARCH: 'arm64' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/SHA-256 mismatch for https:\/\/dl\.k8s\.io\/.*\/arm64\/kubectl: expected [0-9a-f]{64}/);
    expect(installed(box, 'kubectl')).toBe(false);
  });

  it('checks a pinned digest instead of the published file: the pin wins both ways', () => {
    const box = sandbox();
    const { kubectl, kubelogin } = box.release('amd64');
    // The published files are wrong; the pins are right: the build passes and never fetches the published files.
    writeFileSync(`${kubectl}.sha256`, WRONG);
    rmSync(`${kubelogin}.sha256`);
    const pins = {
      KUBECTL_SHA256: sha256(readFileSync(kubectl)).toUpperCase(), // case does not matter
      KUBELOGIN_SHA256: sha256(readFileSync(kubelogin)),
    };
    const pinned = installTools(box, { ...defaultArgs(), TARGETARCH: 'amd64', ...pins });
    expect(pinned.stderr).toBe('');
    expect(pinned.status).toBe(0);
    expect(pinned.requested.filter((line) => line.endsWith('.sha256'))).toEqual([]);
    expect(pinned.stdout).toContain('matches build argument KUBECTL_SHA256');
    expect(installed(box, 'kubelogin')).toBe(true);

    // A wrong pin fails even though the published file is right.
    const other = sandbox();
    const wrongPin = installTools(other, { ...defaultArgs(), TARGETARCH: 'amd64', KUBECTL_SHA256: WRONG });
    expect(wrongPin.status).not.toBe(0);
    expect(wrongPin.stderr).toMatch(/expected f{64} \(from build argument KUBECTL_SHA256\)/);
    expect(installed(other, 'kubectl')).toBe(false);
  });

  it('fails closed when the checksum file is missing, empty or not a digest', () => {
    const cases: Array<[string, (file: string) => void, RegExp]> = [
      [
        'missing',
        (file) => rmSync(file),
        /no published checksum at https:\/\/dl\.k8s\.io\/.*\.sha256 \(pin one with --build-arg KUBECTL_SHA256=/,
      ],
      ['empty', (file) => writeFileSync(file, ''), /the published checksum .*kubectl\.sha256 is not a SHA-256/],
      ['an HTML page', (file) => writeFileSync(file, '<html>Not Found</html>'), /is not a SHA-256/],
      ['too short', (file) => writeFileSync(file, 'abc123'), /is not a SHA-256/],
    ];
    for (const [what, spoil, message] of cases) {
      const box = sandbox();
      spoil(`${box.release('amd64').kubectl}.sha256`);
      const run = installTools(box, { ...defaultArgs(), TARGETARCH: 'amd64' });
      expect(run.status, what).not.toBe(0);
      expect(run.stderr, what).toMatch(message);
      expect(installed(box, 'kubectl'), what).toBe(false);
    }
  });

  it('fails when a download is missing, and refuses a malformed pin, version or architecture before downloading', () => {
    const box = sandbox();
    rmSync(box.release('amd64').kubelogin);
    const missing = installTools(box, { ...defaultArgs(), TARGETARCH: 'amd64' });
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/download failed: https:\/\/github\.com\/.*kubelogin-linux-amd64\.zip/);
    expect(installed(box, 'kubectl')).toBe(false);

    const refusals: Array<[Record<string, string>, RegExp]> = [
      [{ TARGETARCH: 's390x' }, /TARGETARCH 's390x' is not supported/],
      [{ KUBECTL_VERSION: 'v1.32.4/../../evil' }, /KUBECTL_VERSION .* is not a release tag/],
      [{ KUBELOGIN_VERSION: '' }, /KUBELOGIN_VERSION '' is not a release tag/],
    ];
    for (const [change, message] of refusals) {
      const fresh = sandbox();
      const run = installTools(fresh, { ...defaultArgs(), TARGETARCH: 'amd64', ...change });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(message);
      expect(run.requested).toEqual([]);
    }

    const badPin = sandbox();
    const run = installTools(badPin, { ...defaultArgs(), TARGETARCH: 'amd64', KUBELOGIN_SHA256: 'sha256:abc' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/build argument KUBELOGIN_SHA256 is not a SHA-256/);
    expect(installed(badPin, 'kubelogin')).toBe(false);
  });

  it("uses the build machine's architecture when TARGETARCH is not set (the classic builder)", () => {
    const machine = { x64: 'amd64', arm64: 'arm64' }[process.arch as 'x64' | 'arm64'];
    expect(machine, `this test runs on amd64 or arm64, not ${process.arch}`).toBeDefined();
    const box = sandbox();
    const run = installTools(box, defaultArgs());
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`(${machine!}) into ${box.dest}`);
  });
});
