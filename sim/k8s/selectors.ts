// Label and field selectors: the query-string grammar and the LabelSelector objects workloads carry.
import { badRequest } from './status';
import { field, isObject, labelsOf, type KObject } from './object';

export type LabelRequirement =
  { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'doesnotexist' };

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** Parses `app=x,tier!=db,env in (a,b),!legacy`. Throws a 400 on malformed input. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const part of splitTopLevel(text)) {
    const s = part.trim();
    if (!s) continue;
    let m: RegExpMatchArray | null;
    if ((m = s.match(/^(\S+?)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const values = m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      out.push({ key: checkKey(m[1]!), op: m[2] as 'in' | 'notin', values });
    } else if ((m = s.match(/^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/))) {
      out.push({ key: checkKey(m[1]!), op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] });
    } else if ((m = s.match(/^!\s*(\S+)$/))) {
      out.push({ key: checkKey(m[1]!), op: 'doesnotexist' });
    } else if (KEY.test(s)) {
      out.push({ key: s, op: 'exists' });
    } else {
      throw badRequest(`unable to parse requirement: found '${s}', expected a label selector`);
    }
  }
  return out;
}

function checkKey(k: string): string {
  if (!KEY.test(k)) throw badRequest(`invalid label key "${k}" in label selector`);
  return k;
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function matchesLabels(labels: Record<string, string>, reqs: LabelRequirement[]): boolean {
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'exists':
        return has;
      case 'doesnotexist':
        return !has;
      case 'in':
        return has && r.values.includes(labels[r.key]!);
      case 'notin':
        return !has || !r.values.includes(labels[r.key]!);
    }
  });
}

/** A workload's `spec.selector` (matchLabels + matchExpressions) as requirements. An empty selector matches all. */
export function fromLabelSelectorObject(sel: unknown): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  if (!isObject(sel)) return out;
  const ml = sel.matchLabels;
  if (isObject(ml)) for (const [k, v] of Object.entries(ml)) out.push({ key: k, op: 'in', values: [String(v)] });
  const me = sel.matchExpressions;
  if (Array.isArray(me)) {
    for (const e of me) {
      if (!isObject(e) || typeof e.key !== 'string') continue;
      const op = String(e.operator ?? '').toLowerCase();
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      if (op === 'in' || op === 'notin') out.push({ key: e.key, op, values });
      else if (op === 'exists') out.push({ key: e.key, op: 'exists' });
      else if (op === 'doesnotexist') out.push({ key: e.key, op: 'doesnotexist' });
    }
  }
  return out;
}

/** A Service's map selector. */
export function fromMapSelector(sel: unknown): LabelRequirement[] {
  if (!isObject(sel)) return [];
  return Object.entries(sel).map(([k, v]) => ({ key: k, op: 'in' as const, values: [String(v)] }));
}

export interface FieldRequirement {
  path: string;
  op: '=' | '!=';
  value: string;
}

/** Fields each kind can be selected by, as on a real API server (metadata.name/namespace for all). */
const FIELDS_BY_KIND: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
  ReplicaSet: ['status.replicas'],
  Node: ['spec.unschedulable'],
};

export function parseFieldSelector(text: string, kind: string): FieldRequirement[] {
  const allowed = ['metadata.name', 'metadata.namespace', ...(FIELDS_BY_KIND[kind] ?? [])];
  const out: FieldRequirement[] = [];
  for (const part of text.split(',')) {
    const s = part.trim();
    if (!s) continue;
    const m = s.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${s}'; can't understand '${s}'`);
    const path = m[1]!.trim();
    if (!allowed.includes(path)) {
      throw badRequest(`field label not supported: ${path}`);
    }
    out.push({ path, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

export function matchesFields(obj: KObject, reqs: FieldRequirement[]): boolean {
  return reqs.every((r) => {
    const raw = r.path === 'source' ? field(obj, 'source', 'component') : field(obj, ...r.path.split('.'));
    const v = raw === undefined || raw === null ? '' : String(raw);
    return r.op === '=' ? v === r.value : v !== r.value;
  });
}

export function matchesObjectLabels(obj: KObject, reqs: LabelRequirement[]): boolean {
  return matchesLabels(labelsOf(obj), reqs);
}
