// Groups the live API's operations by tag and filters them, for the endpoint list on /docs.
import type { OpenApiOperation } from '../api/types.js';

export interface EndpointGroup {
  tag: string;
  operations: OpenApiOperation[];
}

const UNTAGGED = 'Other';

function matches(op: OpenApiOperation, tag: string, needle: string): boolean {
  if (needle === '') return true;
  return [op.method, op.path, op.summary ?? '', op.operationId ?? '', tag].some((field) =>
    field.toLowerCase().includes(needle),
  );
}

/**
 * One group per tag in first-seen order (the spec author's order), untagged operations last under "Other".
 * An operation with several tags appears in each. The filter matches method, path, summary, operation id or
 * tag, case-insensitively; groups left empty by the filter are dropped.
 */
export function groupEndpoints(operations: readonly OpenApiOperation[], filter: string): EndpointGroup[] {
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, OpenApiOperation[]>();
  for (const op of operations) {
    for (const tag of op.tags.length > 0 ? op.tags : [UNTAGGED]) {
      if (!groups.has(tag)) groups.set(tag, []);
      if (matches(op, tag, needle)) groups.get(tag)!.push(op);
    }
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => Number(a === UNTAGGED) - Number(b === UNTAGGED));
  return ordered.filter(([, ops]) => ops.length > 0).map(([tag, ops]) => ({ tag, operations: ops }));
}
