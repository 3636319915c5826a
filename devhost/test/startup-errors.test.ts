import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_APP, killAll, REPO_ROOT, spawnDevhost, tempDir } from './harness.js';

afterAll(() => killAll());

/** An app directory with the given package.json main and files. */
function app(main: string, files: Record<string, string> = {}): string {
  const dir = tempDir('app');
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', main }));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  // Resolve @azure/functions and durable-functions from the repository, as the fixture does.
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function failure(args: string[]): Promise<{ code: unknown; output: string }> {
  const child = spawnDevhost(args);
  const code = await child.exited;
  return { code, output: child.output() };
}

describe('startup errors are clear and carry a code', () => {
  it('no functions registered', async () => {
    const dir = app('index.js', { 'index.js': '// registers nothing\n' });
    const { code, output } = await failure(['--app', dir, '--port', '0', '--state-dir', tempDir('s')]);
    expect(code).toBe(1);
    expect(output).toMatch(/error no_functions: No functions were registered by 1 file\(s\) matched by "index.js"/);
  });

  it('a main glob that matches nothing', async () => {
    const dir = app('dist/functions/*.js');
    const { code, output } = await failure(['--app', dir, '--port', '0']);
    expect(code).toBe(1);
    expect(output).toMatch(/error bad_main_glob: package.json "main" \("dist\/functions\/\*\.js"\) matches no files/);
  });

  it('a module that throws while loading', async () => {
    const dir = app('index.js', { 'index.js': 'throw new Error("cannot load");\n' });
    const { output } = await failure(['--app', dir, '--port', '0', '--state-dir', tempDir('s')]);
    expect(output).toMatch(/error app_load_failed: Loading index.js failed: cannot load/);
  });

  it('a port already in use', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { code, output } = await failure([
        '--app',
        FIXTURE_APP,
        '--port',
        String(port),
        '--state-dir',
        tempDir('s'),
      ]);
      expect(code).toBe(1);
      expect(output).toContain(`error port_in_use: Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      server.close();
    }
  });

  it('bad arguments and a missing app', async () => {
    expect((await failure(['--port', '1'])).output).toMatch(/error bad_arguments: --app is required/);
    expect((await failure(['--app', FIXTURE_APP, '--port', 'x'])).output).toMatch(
      /error bad_arguments: --port must be 0-65535/,
    );
    expect((await failure(['--app', '/nonexistent/app'])).output).toMatch(/error app_not_found/);
  });

  it('a durable-functions version the devhost is not verified with', async () => {
    const dir = tempDir('untested');
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', main: 'index.js' }));
    fs.writeFileSync(path.join(dir, 'index.js'), "require('@azure/functions').app.get('x', () => ({}));\n");
    const modules = path.join(dir, 'node_modules');
    fs.mkdirSync(path.join(modules, 'durable-functions'), { recursive: true });
    fs.mkdirSync(path.join(modules, '@azure'), { recursive: true });
    fs.symlinkSync(
      path.join(REPO_ROOT, 'node_modules', '@azure', 'functions'),
      path.join(modules, '@azure', 'functions'),
    );
    const real = path.join(REPO_ROOT, 'node_modules', 'durable-functions');
    const pkg = JSON.parse(fs.readFileSync(path.join(real, 'package.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(
      path.join(modules, 'durable-functions', 'package.json'),
      JSON.stringify({ ...pkg, version: '3.99.0' }),
    );
    fs.symlinkSync(path.join(real, 'lib'), path.join(modules, 'durable-functions', 'lib'));
    const { code, output } = await failure(['--app', dir, '--port', '0', '--state-dir', tempDir('s')]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /error untested_durable_functions: The app uses durable-functions 3\.99\.0; elb-devhost is verified with 3\.5\.0/,
    );
  });
});
