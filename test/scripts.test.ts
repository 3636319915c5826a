// The repository's shell scripts: every one passes shellcheck (Debian's package, which scripts/ensure-tools.sh
// installs), and ensure-tools.sh installs shellcheck only when it is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(__dirname, '..');

const SHELL_SHEBANG = /^#!\s*(?:\/usr)?\/bin\/(?:env\s+)?(?:sh|bash|dash)\b/;

function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(128);
    const size = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, size).toString('latin1').split('\n')[0]!;
  } finally {
    closeSync(fd);
  }
}

/** Tracked and new (not ignored) files named *.sh or starting with a sh/bash shebang. */
function shellScripts(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const files = [...new Set(listed.split('\0').filter(Boolean))].sort();
  return files.filter((file) => {
    const full = path.join(REPO_ROOT, file);
    if (!existsSync(full)) return false; // deleted in the work tree, not yet committed
    return file.endsWith('.sh') || SHELL_SHEBANG.test(firstLine(full));
  });
}

const scripts = shellScripts();
const shellcheck = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });

describe('shell scripts pass shellcheck', () => {
  it('finds the scripts: *.sh files and files with a shell shebang', () => {
    for (const known of [
      'scripts/ensure-tools.sh',
      'scripts/ensure-bicep.sh',
      'exec/image/install-tools.sh',
      '.ci/run', // no extension: found by its shebang
    ]) {
      expect(scripts).toContain(known);
    }
    expect(scripts.every((s) => !s.startsWith('node_modules/'))).toBe(true);
  });

  it('has shellcheck installed (scripts/ensure-tools.sh installs it; `npm test` runs that first)', () => {
    expect(shellcheck.error?.message, 'shellcheck is not on PATH: run `bash scripts/ensure-tools.sh test`').toBe(
      undefined,
    );
    expect(shellcheck.status).toBe(0);
  });

  it.each(scripts)('%s', (script) => {
    const run = spawnSync('shellcheck', ['--format=tty', '--color=never', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(run.error, 'shellcheck did not run').toBeUndefined();
    // The whole report is the failure message.
    expect(`${run.stdout}${run.stderr}`).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('scripts/ensure-tools.sh installs shellcheck (apt-get stubbed: tests cannot install packages)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elb-ensure-tools-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A copy of the script in a tree of its own, so it does not also run ensure-bicep.sh; PATH holds only stubs, so
  // exactly the tools given to `run` are "installed".
  const tree = path.join(dir, 'repo');
  mkdirSync(path.join(tree, 'scripts'), { recursive: true });
  copyFileSync(path.join(REPO_ROOT, 'scripts', 'ensure-tools.sh'), path.join(tree, 'scripts', 'ensure-tools.sh'));
  const chromium = path.join(dir, 'chromium');
  writeFileSync(chromium, '#!/bin/sh\n');
  chmodSync(chromium, 0o755);

  function run(present: string[], uid: number) {
    const bin = mkdtempSync(path.join(dir, 'bin-'));
    const log = path.join(bin, 'apt-get.log');
    const stub = (name: string, body: string) => {
      writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(path.join(bin, name), 0o755);
    };
    symlinkSync(
      execFileSync('sh', ['-c', 'command -v dirname'], { encoding: 'utf8' }).trim(),
      path.join(bin, 'dirname'),
    );
    stub('id', `echo ${uid}`);
    stub('apt-get', `printf '%s\\n' "$*" >>'${log}'`);
    for (const tool of present) stub(tool, 'exit 0');
    const out = spawnSync('/bin/bash', [path.join(tree, 'scripts', 'ensure-tools.sh'), 'test'], {
      encoding: 'utf8',
      env: { PATH: bin, CHROMIUM_PATH: chromium },
    });
    const aptCalls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { ...out, aptCalls };
  }

  it('installs shellcheck with apt-get when it is missing, and does nothing when it is there', () => {
    const missing = run(['kubectl', 'unzip'], 0);
    expect(missing.status).toBe(0);
    expect(missing.aptCalls).toEqual(['update -qq', 'install -y -qq shellcheck']);

    const present = run(['kubectl', 'unzip', 'shellcheck'], 0);
    expect(present.status).toBe(0);
    expect(present.aptCalls).toEqual([]);
    expect(present.stdout + present.stderr).toBe('');
  });

  it('says what to install, and installs nothing, when not root', () => {
    const out = run(['kubectl'], 1000);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('missing Debian packages: shellcheck unzip');
    expect(out.aptCalls).toEqual([]);
  });
});
