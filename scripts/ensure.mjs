#!/usr/bin/env node
// Installs what `npm start` / `npm test` need on a fresh machine, and skips what is already there.
// Plain Node (no dependencies): it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = process.argv[2] === 'start' ? 'start' : 'test';

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`elb-control needs Node.js 20 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

// npm writes node_modules/.package-lock.json on every install; when the lock file is newer, dependencies changed.
const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  console.log('ensure: installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

const tools = spawnSync('bash', [join(root, 'scripts', 'ensure-tools.sh'), purpose], { cwd: root, stdio: 'inherit' });
process.exit(tools.status ?? 1);
