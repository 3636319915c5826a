import fs from 'node:fs';
import path from 'node:path';

/**
 * Expands package.json `main` the way the Functions worker does: a plain file path, or a glob with `*`, `**`, `?`
 * and `{a,b}` alternatives, relative to the app directory. Results are sorted so load order is stable.
 */
export function expandMain(appDir: string, pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  const alternatives = expandBraces(normalized);
  const found = new Set<string>();
  for (const alt of alternatives) {
    if (!/[*?]/.test(alt)) {
      const full = path.resolve(appDir, alt);
      if (fs.existsSync(full) && fs.statSync(full).isFile()) found.add(full);
      continue;
    }
    const segments = alt.split('/').filter((s) => s.length > 0);
    walk(appDir, segments, found);
  }
  return [...found].sort();
}

/** `a/{b,c}/d` → [`a/b/d`, `a/c/d`]; alternatives may nest (`{x,y{1,2}}`); duplicates are removed. */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  let close = -1;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) {
      close = i;
      break;
    } else if (ch === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const before = pattern.slice(0, open);
  const after = pattern.slice(close + 1);
  const bounds = [open, ...commas, close];
  const choices = bounds.slice(0, -1).map((at, i) => pattern.slice(at + 1, bounds[i + 1]));
  return [...new Set(choices.flatMap((choice) => expandBraces(before + choice + after)))];
}

/** Converts one path segment with `*` and `?` into an anchored regular expression. */
export function segmentToRegExp(segment: string): RegExp {
  let source = '';
  for (const ch of segment) {
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function walk(dir: string, segments: string[], found: Set<string>): void {
  const [head, ...rest] = segments;
  if (head === undefined) return;
  if (head === '**') {
    // `**` matches zero or more directories.
    walk(dir, rest, found);
    for (const entry of readDir(dir)) {
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path.join(dir, entry.name), segments, found);
    }
    return;
  }
  if (!/[*?]/.test(head)) {
    const next = path.join(dir, head);
    if (rest.length === 0) {
      if (isFile(next)) found.add(next);
    } else walk(next, rest, found);
    return;
  }
  const re = segmentToRegExp(head);
  for (const entry of readDir(dir)) {
    if (!re.test(entry.name)) continue;
    const next = path.join(dir, entry.name);
    if (rest.length === 0) {
      if (entry.isFile()) found.add(next);
    } else if (entry.isDirectory()) walk(next, rest, found);
  }
}

function readDir(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
