// Validation the API server would do for the fields the sim relies on; failures become 422 Invalid.
import type { StatusCause } from './status';
import { arr, deepEqual, field, isObject, rec, str, type JsonObject } from './object';
import { fromLabelSelectorObject, matchesLabels } from './selectors';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function invalidValue(fieldPath: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field: fieldPath, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

function required(fieldPath: string): StatusCause {
  return { reason: 'FieldValueRequired', field: fieldPath, message: 'Required value' };
}

export function validate(kind: string, o: JsonObject, old: JsonObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = str(o, 'metadata', 'name') ?? '';
  const nameRule = kind === 'Namespace' ? DNS_LABEL : kind === 'Service' ? DNS_1035 : DNS_SUBDOMAIN;
  const rbac = kind.endsWith('Role') || kind.endsWith('RoleBinding');
  if (!name) causes.push(required('metadata.name'));
  else if (name.length > 253 || (!rbac && !nameRule.test(name))) {
    causes.push(
      invalidValue(
        'metadata.name',
        name,
        "a lowercase RFC 1123 name must consist of lower case alphanumeric characters or '-'",
      ),
    );
  }
  for (const [k, v] of Object.entries(rec(o, 'metadata', 'labels'))) {
    if (!QUALIFIED_NAME.test(k))
      causes.push(invalidValue('metadata.labels', k, 'name part must consist of alphanumeric characters'));
    if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) {
      causes.push(
        invalidValue(
          `metadata.labels`,
          v,
          'a valid label must be an empty string or consist of alphanumeric characters',
        ),
      );
    }
  }
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
      validateWorkload(o, old, causes);
      break;
    case 'Pod':
      validateContainers(arr(o, 'spec', 'containers'), 'spec.containers', causes);
      break;
    case 'Service':
      validateService(o, old, causes);
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!isObject(field(o, 'roleRef'))) causes.push(required('roleRef'));
      if (old && !deepEqual(field(old, 'roleRef'), field(o, 'roleRef'))) {
        causes.push(invalidValue('roleRef', field(o, 'roleRef'), 'cannot change roleRef'));
      }
      break;
    case 'Secret':
    case 'ConfigMap':
      if (old && field(old, 'immutable') === true) {
        for (const key of ['data', 'binaryData', 'immutable']) {
          if (!deepEqual(field(old, key), field(o, key)))
            causes.push({
              reason: 'FieldValueForbidden',
              field: key,
              message: 'Forbidden: field is immutable when `immutable` is set',
            });
        }
      }
      if (kind === 'Secret' && old && field(old, 'type') !== field(o, 'type')) {
        causes.push(invalidValue('type', field(o, 'type'), 'field is immutable'));
      }
      break;
  }
  return causes;
}

function validateWorkload(o: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const selector = field(o, 'spec', 'selector');
  const reqs = fromLabelSelectorObject(selector);
  if (!isObject(selector) || reqs.length === 0) {
    causes.push(required('spec.selector'));
  } else {
    const tplLabels = rec(o, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    if (!matchesLabels(tplLabels, reqs)) {
      causes.push(
        invalidValue('spec.template.metadata.labels', tplLabels, '`selector` does not match template `labels`'),
      );
    }
  }
  if (old && !deepEqual(field(old, 'spec', 'selector'), selector)) {
    causes.push(invalidValue('spec.selector', selector, 'field is immutable'));
  }
  const replicas = field(o, 'spec', 'replicas');
  if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
    causes.push(invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
  }
  validateContainers(arr(o, 'spec', 'template', 'spec', 'containers'), 'spec.template.spec.containers', causes);
}

function validateContainers(containers: unknown[], at: string, causes: StatusCause[]): void {
  if (containers.length === 0) causes.push(required(at));
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const name = str(c, 'name');
    if (!name) causes.push(required(`${at}[${i}].name`));
    else if (names.has(name))
      causes.push({ reason: 'FieldValueDuplicate', field: `${at}[${i}].name`, message: `Duplicate value: "${name}"` });
    else names.add(name);
    if (!str(c, 'image')) causes.push(required(`${at}[${i}].image`));
  });
}

function validateService(o: JsonObject, old: JsonObject | undefined, causes: StatusCause[]): void {
  const type = str(o, 'spec', 'type');
  if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(type ?? '')) {
    causes.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: "${type}"` });
  }
  const ports = arr(o, 'spec', 'ports');
  const headless = str(o, 'spec', 'clusterIP') === 'None';
  if (ports.length === 0 && type !== 'ExternalName' && !headless) causes.push(required('spec.ports'));
  ports.forEach((p, i) => {
    const port = field(p, 'port');
    if (typeof port !== 'number' || port < 1 || port > 65535) {
      causes.push(invalidValue(`spec.ports[${i}].port`, port, 'must be between 1 and 65535, inclusive'));
    }
    if (ports.length > 1 && !str(p, 'name')) causes.push(required(`spec.ports[${i}].name`));
  });
  const oldIp = old ? str(old, 'spec', 'clusterIP') : undefined;
  if (oldIp && oldIp !== str(o, 'spec', 'clusterIP')) {
    causes.push(invalidValue('spec.clusterIP', str(o, 'spec', 'clusterIP'), 'field is immutable'));
  }
}
