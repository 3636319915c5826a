import { DevhostError } from './errors.js';

/** One segment of a route template such as `deploy/{id:int}/{*rest}`. */
type Segment =
  | { kind: 'literal'; text: string }
  | {
      kind: 'param';
      name: string;
      optional: boolean;
      catchAll: boolean;
      defaultValue?: string;
      constraints: Constraint[];
    };

type Constraint = (value: string) => boolean;

export interface CompiledRoute {
  template: string;
  segments: Segment[];
  /** Orders routes the way ASP.NET routing does: literals before constrained parameters before free ones. */
  rank: number[];
}

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function integerIn(min: bigint, max: bigint): Constraint {
  return (v) => /^-?\d+$/.test(v) && BigInt(v) >= min && BigInt(v) <= max;
}

function numberArg(arg: string | undefined, template: string): number {
  const n = Number(arg);
  if (arg === undefined || arg.trim() === '' || !Number.isFinite(n))
    throw new DevhostError('bad_route', `Route '${template}': constraint needs a number, got '${arg}'.`);
  return n;
}

function buildConstraint(spec: string, template: string): Constraint {
  const match = /^([a-z]+)(?:\((.*)\))?$/i.exec(spec);
  if (!match) throw new DevhostError('bad_route', `Route '${template}': cannot read constraint '${spec}'.`);
  const name = (match[1] as string).toLowerCase();
  const args = match[2] === undefined ? [] : name === 'regex' ? [match[2]] : match[2].split(',').map((a) => a.trim());
  switch (name) {
    case 'int':
      return integerIn(-(2n ** 31n), 2n ** 31n - 1n);
    case 'long':
      return integerIn(-(2n ** 63n), 2n ** 63n - 1n);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'guid':
      return (v) => GUID.test(v);
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => v.trim() !== '' && Number.isFinite(Number(v));
    case 'min': {
      const min = numberArg(args[0], template);
      return (v) => /^-?\d+$/.test(v) && Number(v) >= min;
    }
    case 'max': {
      const max = numberArg(args[0], template);
      return (v) => /^-?\d+$/.test(v) && Number(v) <= max;
    }
    case 'range': {
      const [min, max] = [numberArg(args[0], template), numberArg(args[1], template)];
      return (v) => /^-?\d+$/.test(v) && Number(v) >= min && Number(v) <= max;
    }
    case 'length': {
      const [a, b] = [numberArg(args[0], template), args[1] === undefined ? undefined : numberArg(args[1], template)];
      return b === undefined ? (v) => v.length === a : (v) => v.length >= a && v.length <= b;
    }
    case 'minlength': {
      const min = numberArg(args[0], template);
      return (v) => v.length >= min;
    }
    case 'maxlength': {
      const max = numberArg(args[0], template);
      return (v) => v.length <= max;
    }
    case 'regex': {
      let re: RegExp;
      try {
        re = new RegExp(args[0] as string, 'i');
      } catch {
        throw new DevhostError('bad_route', `Route '${template}': invalid regex '${args[0]}'.`);
      }
      return (v) => re.test(v);
    }
    default:
      throw new DevhostError('bad_route', `Route '${template}': unknown constraint '${name}'.`);
  }
}

/** Splits `name:int:min(1)` on colons that are not inside parentheses. */
function splitConstraints(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of body) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] = [];
  const rank: number[] = [];
  const parts = trimmed === '' ? [] : trimmed.split('/');
  parts.forEach((part, index) => {
    const param = /^\{(.+)\}$/.exec(part);
    if (!param) {
      if (/[{}]/.test(part))
        throw new DevhostError(
          'bad_route',
          `Route '${template}': segment '${part}' mixes text and parameters, which the devhost does not support.`,
        );
      segments.push({ kind: 'literal', text: part });
      rank.push(1);
      return;
    }
    let body = param[1] as string;
    const catchAll = body.startsWith('*');
    if (catchAll) body = body.replace(/^\*+/, '');
    let defaultValue: string | undefined;
    const eq = body.indexOf('=');
    if (eq >= 0 && !body.slice(0, eq).includes('(')) {
      defaultValue = body.slice(eq + 1);
      body = body.slice(0, eq);
    }
    const optional = body.endsWith('?');
    if (optional) body = body.slice(0, -1);
    const [name, ...specs] = splitConstraints(body);
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new DevhostError('bad_route', `Route '${template}': bad parameter name in '${part}'.`);
    if (catchAll && index !== parts.length - 1)
      throw new DevhostError('bad_route', `Route '${template}': a catch-all parameter must be last.`);
    const constraints = specs.map((s) => buildConstraint(s, template));
    segments.push({
      kind: 'param',
      name,
      optional: optional || defaultValue !== undefined,
      catchAll,
      defaultValue,
      constraints,
    });
    rank.push(catchAll ? 5 : optional ? 4 : constraints.length > 0 ? 2 : 3);
  });
  // Optional parameters may only be followed by other optional ones.
  let sawOptional = false;
  for (const seg of segments) {
    if (seg.kind === 'param' && (seg.optional || seg.catchAll)) sawOptional = true;
    else if (sawOptional)
      throw new DevhostError('bad_route', `Route '${template}': an optional parameter must come last.`);
  }
  return { template, segments, rank };
}

/** Matches decoded path segments against a route; returns the parameters or undefined. */
export function matchRoute(route: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  let i = 0;
  for (const seg of route.segments) {
    const value = pathSegments[i];
    if (seg.kind === 'literal') {
      if (value === undefined || value.toLowerCase() !== seg.text.toLowerCase()) return undefined;
      i++;
      continue;
    }
    if (seg.catchAll) {
      const rest = pathSegments.slice(i).join('/');
      if (rest !== '' && !seg.constraints.every((c) => c(rest))) return undefined;
      if (rest !== '') params[seg.name] = rest;
      else if (seg.defaultValue !== undefined) params[seg.name] = seg.defaultValue;
      i = pathSegments.length;
      continue;
    }
    if (value === undefined || value === '') {
      if (!seg.optional) return undefined;
      if (seg.defaultValue !== undefined) params[seg.name] = seg.defaultValue;
      continue;
    }
    if (!seg.constraints.every((c) => c(value))) return undefined;
    params[seg.name] = value;
    i++;
  }
  return i === pathSegments.length ? params : undefined;
}

/** Lower rank arrays sort first; on a tie, longer templates (more specific) first. */
export function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.max(a.rank.length, b.rank.length);
  for (let i = 0; i < n; i++) {
    const x = a.rank[i] ?? 6;
    const y = b.rank[i] ?? 6;
    if (x !== y) return x - y;
  }
  return 0;
}
