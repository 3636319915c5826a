// The exec policy: which binaries, subcommands, flags and paths a request may use. Pure: no I/O here, so every
// rule can be tested directly. Anything the policy does not name is denied.
// The policy file's format is in docs/exec.md ("The policy"); compilePolicy checks a parsed file against it.
import * as path from 'node:path';

export type ValueKind = 'none' | 'string' | 'name' | 'path' | 'kubeconfig' | 'enum' | 'pattern';

export interface ValueRule {
  value: ValueKind;
  /** enum: the accepted values. */
  values?: string[];
  /** pattern: a regular expression the whole value must match. */
  pattern?: string;
  /** path/kubeconfig: `-` (read stdin) is accepted as well. */
  allow_stdin_dash?: boolean;
  max_length?: number;
}

export interface PositionalRule extends ValueRule {
  min?: number;
  max: number;
}

export interface CompiledValueRule extends ValueRule {
  regex?: RegExp;
}

export type CompiledFlags = Map<string, { canonical: string; rule: CompiledValueRule }>;

export interface CompiledCommand {
  key: string;
  words: string[];
  required: string[];
  flags: CompiledFlags;
  positionals: (PositionalRule & { regex?: RegExp }) | undefined;
  /** Canonical flag name → rule, one map per allowed combination. */
  combinations: Array<Map<string, CompiledValueRule>>;
}

export interface CompiledBinary {
  name: string;
  executable: string;
  globalFlags: CompiledFlags;
  commands: CompiledCommand[];
  /**
   * The flag the server itself adds, with a per-cluster cache dir, to commands that name a kubeconfig (`--cache-dir`
   * for kubectl). No caller can give it: compilePolicy refuses a policy that also lets callers use it.
   */
  clusterCacheFlag: string | undefined;
}

export interface Policy {
  name: string;
  pathRoots: string[];
  env: { path: string; pass: string[]; set: Record<string, string> };
  kubeconfigExecCommands: string[];
  binaries: Map<string, CompiledBinary>;
  /** `"<binary> <subcommand>"` → why an operator needs it (the file's `operator.commands`). */
  operatorCommands: Map<string, string>;
}

export class PolicyFormatError extends Error {
  readonly code = 'invalid_policy';
}

export interface PathArgument {
  /** Where the path appeared: a flag name or `positional N`. */
  where: string;
  value: string;
  kubeconfig: boolean;
}

/** One flag an allowed argv used, by its canonical name; `global` when it matched the binary's global_flags. */
export interface UsedFlag {
  flag: string;
  global: boolean;
  value: string | undefined;
}

export type Decision =
  | {
      allowed: true;
      binary: string;
      verb: string;
      executable: string;
      args: string[];
      paths: PathArgument[];
      /** What matched, so a test can tell which parts of a policy are used (exec/test/policy-coverage.test.ts). */
      flags: UsedFlag[];
      positionals: number;
      /** The index of the flag_combinations entry that matched. */
      combination: number | undefined;
    }
  | { allowed: false; rule: string; message: string; binary?: string; verb?: string };

const DEFAULT_CHILD_PATH = '/usr/local/bin:/usr/bin:/bin';
const DEFAULT_MAX_VALUE = 4096;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:/,=@+-]*$/;
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VALUE_KINDS: ValueKind[] = ['none', 'string', 'name', 'path', 'kubeconfig', 'enum', 'pattern'];

/** Validates a parsed policy document and prepares it for fast evaluation. Throws PolicyFormatError. */
export function compilePolicy(doc: unknown): Policy {
  const d = asObject(doc, 'policy');
  allowKeys(d, ['version', 'name', 'description', 'path_roots', 'env', 'kubeconfig', 'binaries', 'operator'], 'policy');
  if (d.version !== 1) fail('policy.version must be 1');
  if (typeof d.name !== 'string' || !d.name) fail('policy.name must be a non-empty string');
  const pathRoots = stringArray(d.path_roots ?? [], 'policy.path_roots').map((root) => {
    if (!path.isAbsolute(root)) fail(`policy.path_roots entry "${root}" must be absolute`);
    return path.normalize(root).replace(/\/+$/, '') || '/';
  });
  const env = asObject(d.env ?? {}, 'policy.env');
  allowKeys(env, ['path', 'pass', 'set'], 'policy.env');
  const pass = stringArray(env.pass ?? [], 'policy.env.pass');
  const set = asObject(env.set ?? {}, 'policy.env.set') as Record<string, unknown>;
  for (const name of [...pass, ...Object.keys(set)]) {
    if (!ENV_NAME_RE.test(name)) fail(`policy.env: "${name}" is not a variable name`);
    // The token and the server's own settings never reach a child, whatever a policy says.
    if (name.startsWith('EXEC_')) fail(`policy.env: "${name}" is reserved for the exec server`);
    if (['HOME', 'TMPDIR', 'PATH', 'KUBECACHEDIR'].includes(name)) {
      fail(`policy.env: "${name}" is set by the exec server`);
    }
  }
  for (const [name, value] of Object.entries(set)) {
    if (typeof value !== 'string') fail(`policy.env.set.${name} must be a string`);
  }
  if (env.path !== undefined && typeof env.path !== 'string') fail('policy.env.path must be a string');
  const kube = asObject(d.kubeconfig ?? {}, 'policy.kubeconfig');
  allowKeys(kube, ['exec_commands'], 'policy.kubeconfig');

  const binaries = new Map<string, CompiledBinary>();
  for (const [name, raw] of Object.entries(asObject(d.binaries, 'policy.binaries'))) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) fail(`policy.binaries: "${name}" is not a bare binary name`);
    binaries.set(name, compileBinary(name, raw));
  }
  return {
    name: d.name,
    pathRoots,
    env: { path: (env.path as string | undefined) ?? DEFAULT_CHILD_PATH, pass, set: set as Record<string, string> },
    kubeconfigExecCommands: stringArray(kube.exec_commands ?? [], 'policy.kubeconfig.exec_commands'),
    binaries,
    operatorCommands: compileOperator(d.operator, binaries),
  };
}

function compileOperator(raw: unknown, binaries: Map<string, CompiledBinary>): Map<string, string> {
  const o = asObject(raw ?? { commands: {} }, 'policy.operator');
  allowKeys(o, ['description', 'commands'], 'policy.operator');
  const out = new Map<string, string>();
  for (const [key, why] of Object.entries(asObject(o.commands, 'policy.operator.commands'))) {
    if (typeof why !== 'string' || !why.trim()) fail(`policy.operator.commands["${key}"] must say why it is needed`);
    const [binary = '', ...words] = key.split(' ');
    if (!binaries.get(binary)?.commands.some((c) => c.key === words.join(' '))) {
      fail(`policy.operator.commands: "${key}" is not a command of policy.binaries`);
    }
    out.set(key, why);
  }
  return out;
}

function compileBinary(name: string, raw: unknown): CompiledBinary {
  const where = `policy.binaries.${name}`;
  const b = asObject(raw, where);
  allowKeys(b, ['executable', 'global_flags', 'commands', 'cluster_cache'], where);
  const executable = b.executable ?? name;
  if (typeof executable !== 'string' || !executable) fail(`${where}.executable must be a string`);
  if (!path.isAbsolute(executable) && executable.includes('/')) {
    fail(`${where}.executable must be absolute or a bare name`);
  }
  const commands: CompiledCommand[] = [];
  for (const [key, rawCmd] of Object.entries(asObject(b.commands, `${where}.commands`))) {
    const cw = `${where}.commands.${key || '""'}`;
    const c = asObject(rawCmd, cw);
    allowKeys(c, ['flags', 'positionals', 'required_flags', 'flag_combinations'], cw);
    const words = key === '' ? [] : key.split(' ');
    if (words.some((w) => !/^[a-z0-9][a-z0-9-]*$/.test(w))) fail(`${cw}: subcommand words must be lower-case words`);
    let positionals: CompiledCommand['positionals'];
    if (c.positionals !== undefined) {
      const p = compileValueRule(c.positionals, `${cw}.positionals`, ['min', 'max']) as PositionalRule & {
        regex?: RegExp;
      };
      if (!Number.isInteger(p.max) || p.max < 0) fail(`${cw}.positionals.max must be a non-negative integer`);
      if (p.min !== undefined && (!Number.isInteger(p.min) || p.min < 0 || p.min > p.max)) {
        fail(`${cw}.positionals.min must be an integer between 0 and max`);
      }
      if (p.value === 'none') fail(`${cw}.positionals.value cannot be "none"`);
      positionals = p;
    }
    const flags = compileFlags(c.flags ?? {}, `${cw}.flags`);
    const globals = compileFlags(b.global_flags ?? {}, `${where}.global_flags`);
    const required = stringArray(c.required_flags ?? [], `${cw}.required_flags`).map((name) => {
      const found = flags.get(name) ?? globals.get(name);
      if (!found) fail(`${cw}.required_flags: "${name}" is not one of its flags`);
      return found.canonical;
    });
    const combinations = (
      c.flag_combinations === undefined ? [] : asArray(c.flag_combinations, `${cw}.flag_combinations`)
    ).map((rawSet, i) => {
      const set = new Map<string, CompiledValueRule>();
      for (const [flag, rawRule] of Object.entries(asObject(rawSet, `${cw}.flag_combinations[${i}]`))) {
        const found = flags.get(flag) ?? globals.get(flag);
        if (!found) fail(`${cw}.flag_combinations[${i}]: "${flag}" is not one of its flags`);
        set.set(found.canonical, compileValueRule(rawRule, `${cw}.flag_combinations[${i}].${flag}`, []));
      }
      if (set.size === 0) fail(`${cw}.flag_combinations[${i}] names no flag`);
      return set;
    });
    commands.push({ key, words, required, flags, positionals, combinations });
  }
  if (commands.length === 0) fail(`${where}.commands must name at least one subcommand`);
  if (commands.some((c) => c.key === '') && commands.length > 1) {
    fail(`${where}.commands: "" (no subcommand) must be the only entry`);
  }
  // Prefix-free subcommands make matching unambiguous: "rollout status" is found by reading words until one
  // full key matches, so no key may be the beginning of another.
  for (const a of commands) {
    for (const b2 of commands) {
      if (a !== b2 && b2.key.startsWith(`${a.key} `)) fail(`${where}.commands: "${a.key}" is a prefix of "${b2.key}"`);
    }
  }
  const globalFlags = compileFlags(b.global_flags ?? {}, `${where}.global_flags`);
  return {
    name,
    executable,
    globalFlags,
    commands,
    clusterCacheFlag: compileClusterCache(b.cluster_cache, where, [globalFlags, ...commands.map((c) => c.flags)]),
  };
}

/** `cluster_cache: {flag}`: a long flag no caller may use, since the server alone sets it (docs/exec.md). */
function compileClusterCache(raw: unknown, where: string, callerFlags: CompiledFlags[]): string | undefined {
  if (raw === undefined) return undefined;
  const c = asObject(raw, `${where}.cluster_cache`);
  allowKeys(c, ['flag'], `${where}.cluster_cache`);
  if (typeof c.flag !== 'string' || !/^--[a-z0-9][a-z0-9-]*$/.test(c.flag)) {
    fail(`${where}.cluster_cache.flag must be a long flag name`);
  }
  if (callerFlags.some((flags) => flags.has(c.flag as string))) {
    fail(`${where}.cluster_cache.flag "${c.flag}" is set by the exec server; callers may not be allowed it too`);
  }
  return c.flag;
}

function compileFlags(raw: unknown, where: string): Map<string, { canonical: string; rule: CompiledValueRule }> {
  const flags = new Map<string, { canonical: string; rule: CompiledValueRule }>();
  for (const [key, rawRule] of Object.entries(asObject(raw, where))) {
    const names = key.split('|');
    const canonical = names[0] as string;
    const rule = compileValueRule(rawRule, `${where}.${key}`, []);
    for (const n of names) {
      if (!/^--?[A-Za-z0-9][A-Za-z0-9-]*$/.test(n)) fail(`${where}: "${n}" is not a flag name`);
      if (/^-[^-]/.test(n) && n.length !== 2) fail(`${where}: short flag "${n}" must be one letter`);
      flags.set(n, { canonical, rule });
    }
  }
  return flags;
}

function compileValueRule(raw: unknown, where: string, extraKeys: string[]): CompiledValueRule {
  const r = asObject(raw, where);
  allowKeys(r, ['value', 'values', 'pattern', 'allow_stdin_dash', 'max_length', ...extraKeys], where);
  if (!VALUE_KINDS.includes(r.value as ValueKind)) fail(`${where}.value must be one of ${VALUE_KINDS.join(', ')}`);
  const rule = { ...r } as unknown as CompiledValueRule;
  if (rule.value === 'enum') rule.values = stringArray(r.values, `${where}.values`);
  if (rule.value === 'pattern') {
    if (typeof r.pattern !== 'string') fail(`${where}.pattern must be a string`);
    try {
      rule.regex = new RegExp(`^(?:${r.pattern})$`, 'u');
    } catch (err) {
      fail(`${where}.pattern is not a valid regular expression: ${(err as Error).message}`);
    }
  }
  if (r.max_length !== undefined && (!Number.isInteger(r.max_length) || (r.max_length as number) < 1)) {
    fail(`${where}.max_length must be a positive integer`);
  }
  return rule;
}

/** Decides whether one argv may run. `argv[0]` is the binary's bare name as the policy spells it. */
export function evaluate(policy: Policy, argv: readonly string[]): Decision {
  const name = argv[0] ?? '';
  const binary = policy.binaries.get(name);
  if (!binary) {
    return { allowed: false, rule: 'binaries', message: `binary "${printable(name)}" is not in policy ${policy.name}` };
  }
  const ruleBase = `binaries.${name}`;
  const paths: PathArgument[] = [];
  const words: string[] = [];
  let command: CompiledCommand | undefined = binary.commands.find((c) => c.key === '');
  let positionalCount = 0;
  let flagsEnded = false;
  const seenFlags = new Set<string>();
  /** Canonical flag → every value it was given (for flag_combinations). */
  const values = new Map<string, string[]>();
  const used: UsedFlag[] = [];

  for (let i = 1; i < argv.length; i++) {
    const token = argv[i] as string;
    if (!flagsEnded && token === '--') {
      flagsEnded = true;
      continue;
    }
    if (!flagsEnded && token.startsWith('-') && token !== '-') {
      const eq = token.indexOf('=');
      const flagName = eq > 0 ? token.slice(0, eq) : token;
      const own = command?.flags.get(flagName);
      const found = own ?? binary.globalFlags.get(flagName);
      if (!found) {
        const scope = command ? `${ruleBase}.commands.${command.key || '""'}.flags` : `${ruleBase}.global_flags`;
        return deny(
          scope,
          `${name}${command?.key ? ` ${command.key}` : ''}: flag ${printable(flagName)} is not allowed`,
        );
      }
      // The rule that decided, as the policy file spells its place.
      const flagRule = own
        ? `${ruleBase}.commands.${command?.key || '""'}.flags.${found.canonical}`
        : `${ruleBase}.global_flags.${found.canonical}`;
      let value: string | undefined;
      if (eq > 0) value = token.slice(eq + 1);
      else if (found.rule.value !== 'none') {
        if (i + 1 >= argv.length) return deny(flagRule, `${name}: flag ${flagName} needs a value`);
        value = argv[++i] as string;
      }
      const problem = checkValue(found.rule, value, policy);
      if (problem) return deny(flagRule, `${name}: flag ${flagName} ${problem}`);
      if (value !== 'false') seenFlags.add(found.canonical);
      if (value !== undefined) values.set(found.canonical, [...(values.get(found.canonical) ?? []), value]);
      used.push({ flag: found.canonical, global: !own, value });
      if (value !== undefined && isPathKind(found.rule) && value !== '-') {
        paths.push({ where: flagName, value, kubeconfig: found.rule.value === 'kubeconfig' });
      }
      continue;
    }
    if (!command) {
      words.push(token);
      const joined = words.join(' ');
      command = binary.commands.find((c) => c.key === joined);
      if (!command && !binary.commands.some((c) => c.key.startsWith(`${joined} `))) {
        return deny(`${ruleBase}.commands`, `${name}: subcommand "${printable(joined)}" is not allowed`);
      }
      continue;
    }
    const rule = command.positionals;
    positionalCount++;
    if (!rule || positionalCount > rule.max) {
      return deny(
        `${ruleBase}.commands.${command.key || '""'}.positionals`,
        `${name}${command.key ? ` ${command.key}` : ''}: too many arguments (at most ${rule?.max ?? 0})`,
      );
    }
    const problem = checkValue(rule, token, policy);
    if (problem) {
      return deny(`${ruleBase}.commands.${command.key || '""'}.positionals`, `${name}: argument ${i} ${problem}`);
    }
    if (isPathKind(rule) && token !== '-') {
      paths.push({ where: `argument ${i}`, value: token, kubeconfig: rule.value === 'kubeconfig' });
    }
  }
  if (!command) {
    return deny(`${ruleBase}.commands`, `${name}: subcommand "${printable(words.join(' '))}" is not allowed`);
  }
  const missing = command.required.find((flag) => !seenFlags.has(flag));
  if (missing) {
    return deny(
      `${ruleBase}.commands.${command.key || '""'}.required_flags`,
      `${name}${command.key ? ` ${command.key}` : ''}: flag ${missing} is required`,
    );
  }
  const min = command.positionals?.min ?? 0;
  if (positionalCount < min) {
    return deny(`${ruleBase}.commands.${command.key || '""'}.positionals`, `${name}: needs at least ${min} arguments`);
  }
  let combination: number | undefined;
  if (command.combinations.length > 0) {
    const match = matchCombination(command.combinations, values, policy);
    if (typeof match === 'string') {
      return deny(`${ruleBase}.commands.${command.key}.flag_combinations`, `${name} ${command.key}: ${match}`);
    }
    combination = match;
  }
  return {
    allowed: true,
    binary: name,
    verb: command.key,
    executable: binary.executable,
    args: argv.slice(1),
    paths,
    flags: used,
    positionals: positionalCount,
    combination,
  };

  function deny(rule: string, message: string): Decision {
    return { allowed: false, rule, message, binary: name || undefined, verb: command?.key ?? undefined };
  }
}

/** The index of the combination the flags' values satisfy (each such flag given once), or what is wrong. */
function matchCombination(
  combinations: Array<Map<string, CompiledValueRule>>,
  values: Map<string, string[]>,
  policy: Policy,
): number | string {
  const named = new Set(combinations.flatMap((set) => [...set.keys()]));
  for (const flag of named) {
    if ((values.get(flag)?.length ?? 0) > 1) return `flag ${flag} may be given only once`;
  }
  const index = combinations.findIndex((set) =>
    [...set].every(([flag, rule]) => checkValue(rule, values.get(flag)?.[0], policy) === undefined),
  );
  return index >= 0 ? index : `${[...named].join(' and ')} are not an allowed combination`;
}

function isPathKind(rule: ValueRule): boolean {
  return rule.value === 'path' || rule.value === 'kubeconfig';
}

/** Returns what is wrong with a value, or undefined. Messages never repeat the value (it may be a secret). */
function checkValue(rule: CompiledValueRule, value: string | undefined, policy: Policy): string | undefined {
  if (rule.value === 'none') {
    return value === undefined || value === 'true' || value === 'false' ? undefined : 'takes no value';
  }
  if (value === undefined) return 'needs a value';
  if (value.includes('\0')) return 'contains a NUL byte';
  if (value.length > (rule.max_length ?? DEFAULT_MAX_VALUE)) return 'is too long';
  switch (rule.value) {
    case 'string':
      return undefined;
    case 'name':
      return NAME_RE.test(value) ? undefined : 'is not a plain name';
    case 'enum':
      return rule.values?.includes(value) ? undefined : `must be one of ${rule.values?.join(', ')}`;
    case 'pattern':
      return rule.regex?.test(value) ? undefined : 'does not match the allowed pattern';
    case 'path':
    case 'kubeconfig':
      if (value === '-') return rule.allow_stdin_dash ? undefined : 'cannot be stdin (-)';
      return pathProblem(value, policy.pathRoots);
  }
  return 'has an unknown value kind';
}

/** Lexical containment: relative paths stay under the work dir, absolute ones under a policy root. */
export function pathProblem(value: string, roots: readonly string[]): string | undefined {
  if (value === '') return 'is an empty path';
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) return 'must be a local path, not a URL';
  if (path.isAbsolute(value)) {
    const normal = path.normalize(value);
    return roots.some((root) => isInside(root, normal)) ? undefined : 'points outside the allowed directories';
  }
  const normal = path.normalize(value);
  if (normal === '..' || normal.startsWith('../')) return 'escapes the work dir';
  return undefined;
}

export function isInside(root: string, candidate: string): boolean {
  return candidate === root || candidate.startsWith(root === '/' ? '/' : `${root}/`);
}

function printable(s: string): string {
  const clipped = s.length > 40 ? `${s.slice(0, 40)}…` : s;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where} must be an object`);
  return value as Record<string, unknown>;
}

function asArray(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(`${where} must be an array`);
  return value;
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) fail(`${where} must be an array of strings`);
  return value as string[];
}

function allowKeys(obj: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) fail(`${where}: unknown key "${k}"`);
}

function fail(message: string): never {
  throw new PolicyFormatError(message);
}
