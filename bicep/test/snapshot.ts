// Evaluates main.bicep for a given parameter set with `bicep snapshot`: the CLI expands loops and modules and
// resolves every expression it can without Azure (resource ids, role assignment scopes, app settings), leaving only
// runtime values such as an identity's principal id as `[reference('<resource id>', …).principalId]`. The tests read
// the predicted resources, so what they check is what ARM would be asked to create.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bicepDir, diagnostics, runBicep } from './bicep-cli';
import type { Json, JsonObject } from './arm-template';

export interface PredictedResource {
  id: string;
  type: string;
  name: string;
  apiVersion: string;
  properties?: JsonObject;
}

export interface Snapshot {
  predictedResources: PredictedResource[];
  diagnostics: Json[];
}

export interface SnapshotScope {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tenantId: string;
}

/** A Bicep literal for a JSON value (objects and arrays on one line, strings single-quoted). */
export function bicepLiteral(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[\n${value.map((v) => `  ${bicepLiteral(v)}`).join('\n')}\n]`;
  return `{\n${Object.entries(value)
    .map(([k, v]) => `  ${k}: ${bicepLiteral(v)}`)
    .join('\n')}\n}`;
}

/** `param` lines for main.bicep with these values (snapshotOf adds the `using` line). */
export function parameterLines(parameters: Record<string, Json>): string {
  return Object.entries(parameters)
    .map(([name, value]) => `param ${name} = ${bicepLiteral(value)}\n`)
    .join('\n');
}

/** A parameters file's text without its `using` line, so it can be evaluated from another directory. */
export function withoutUsing(parametersText: string): string {
  return parametersText.replace(/^using '[^']+'\s*$/m, '');
}

/**
 * Writes `using <main.bicep>` plus the given `param` lines into a fresh temporary directory (outside the source
 * tree, so a parallel `bicep lint --pattern` never sees it), runs `bicep snapshot` on it and returns the parsed
 * snapshot. The directory is removed afterwards, also on failure.
 */
export function snapshotOf(parameterText: string, scope: SnapshotScope): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), 'elb-bicep-snapshot-'));
  try {
    // Bicep accepts only relative paths in `using`.
    const main = relative(dir, join(bicepDir, 'main.bicep')).split('\\').join('/');
    writeFileSync(join(dir, 'case.bicepparam'), `using '${main}'\n\n${parameterText}`);
    const run = runBicep(
      [
        'snapshot',
        'case.bicepparam',
        '--mode',
        'overwrite',
        '--subscription-id',
        scope.subscriptionId,
        '--resource-group',
        scope.resourceGroup,
        '--location',
        scope.location,
        '--tenant-id',
        scope.tenantId,
      ],
      dir,
    );
    const found = diagnostics(run);
    if (run.status !== 0 || found.length > 0) {
      throw new Error(`bicep snapshot failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
    }
    return JSON.parse(readFileSync(join(dir, 'case.snapshot.json'), 'utf8')) as Snapshot;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function snapshotMain(parameters: Record<string, Json>, scope: SnapshotScope): Snapshot {
  return snapshotOf(parameterLines(parameters), scope);
}

/** The ARM id of a role definition as role assignments name it: `/subscriptions/<sub>/providers/…/<guid>`. */
export function roleDefinitionId(subscriptionId: string, guid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}

/** The scope a role assignment applies to: its id without the `/providers/Microsoft.Authorization/…` suffix. */
export function assignmentScope(assignmentId: string): string {
  const at = assignmentId.lastIndexOf('/providers/Microsoft.Authorization/roleAssignments/');
  if (at < 0) throw new Error(`not a role assignment id: ${assignmentId}`);
  return assignmentId.slice(0, at);
}

/** The resource id behind `[reference('<id>', '<api>').principalId]`, as the snapshot leaves runtime values. */
export function referencedResource(expression: string, property: string): string | null {
  const match = /^\[reference\('([^']+)', '[^']+'\)\.([A-Za-z]+)\]$/.exec(expression);
  return match && match[2] === property ? match[1]! : null;
}
