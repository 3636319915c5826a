// Reading a compiled ARM template (Bicep languageVersion 2.0: resources keyed by symbolic name, modules as nested
// Microsoft.Resources/deployments with an inline template). Just enough evaluation to answer the security questions:
// which literal a parameter ends up with, and which role definition ids an expression can reach.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface ArmTemplate {
  parameters?: Record<string, JsonObject>;
  variables?: JsonObject;
  functions?: Json;
  resources: Record<string, JsonObject> | JsonObject[];
  outputs?: Record<string, JsonObject>;
}

/** One template in the tree: the root, or a module's nested template with the parameter values its parent passes. */
export interface TemplateNode {
  path: string;
  template: ArmTemplate;
  parent?: TemplateNode;
  passedParameters: JsonObject;
}

export interface LocatedResource {
  node: TemplateNode;
  symbolicName: string;
  resource: JsonObject;
}

const guidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function entries(template: ArmTemplate): [string, JsonObject][] {
  const resources = template.resources;
  return Array.isArray(resources) ? resources.map((r, i) => [String(i), r]) : Object.entries(resources);
}

export function templateTree(root: ArmTemplate): TemplateNode[] {
  const nodes: TemplateNode[] = [];
  const visit = (node: TemplateNode) => {
    nodes.push(node);
    for (const [name, resource] of entries(node.template)) {
      const properties = resource.properties;
      if (
        resource.type === 'Microsoft.Resources/deployments' &&
        isObject(properties) &&
        isObject(properties.template)
      ) {
        visit({
          path: `${node.path}/${name}`,
          template: properties.template as unknown as ArmTemplate,
          parent: node,
          passedParameters: isObject(properties.parameters) ? properties.parameters : {},
        });
      }
    }
  };
  visit({ path: 'main', template: root, passedParameters: {} });
  return nodes;
}

export function resourcesOfType(nodes: TemplateNode[], type: string): LocatedResource[] {
  const found: LocatedResource[] = [];
  for (const node of nodes) {
    for (const [symbolicName, resource] of entries(node.template)) {
      if (String(resource.type).toLowerCase() === type.toLowerCase() && resource.existing !== true) {
        found.push({ node, symbolicName, resource });
      }
    }
  }
  return found;
}

export function nodeAt(nodes: TemplateNode[], path: string): TemplateNode {
  const node = nodes.find((n) => n.path === path);
  if (!node) throw new Error(`no template at ${path}; have ${nodes.map((n) => n.path).join(', ')}`);
  return node;
}

const parameterReference = /^\[parameters\('([^']+)'\)\]$/;

/**
 * The value a template parameter takes with the defaults of main.bicep: what the parent passes (followed up the tree
 * while it is a plain parameters('x') reference) or else the parameter's default. Anything else is returned as the
 * ARM expression text.
 */
export function parameterValue(node: TemplateNode, name: string): Json | undefined {
  const passed = node.passedParameters[name];
  let value: Json | undefined;
  let context: TemplateNode | undefined = node;
  if (isObject(passed) && 'value' in passed) {
    value = passed.value;
    context = node.parent;
  } else {
    value = node.template.parameters?.[name]?.defaultValue;
  }
  const reference = typeof value === 'string' ? parameterReference.exec(value) : null;
  if (reference && context) return parameterValue(context, reference[1]!);
  return value;
}

/** Every string inside a JSON value. */
export function strings(value: Json | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (isObject(value)) return Object.values(value).flatMap(strings);
  return [];
}

/** Reads `.name` and `[...]` accessors following a variables('x') reference; an index means "any element". */
function accessPath(expression: string, start: number): string[] {
  const path: string[] = [];
  let i = start;
  for (;;) {
    if (expression[i] === '.') {
      const match = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(expression.slice(i));
      if (!match) break;
      path.push(match[1]!);
      i += match[0].length;
    } else if (expression[i] === '[') {
      let depth = 0;
      let j = i;
      for (; j < expression.length; j++) {
        if (expression[j] === '[') depth++;
        if (expression[j] === ']' && --depth === 0) break;
      }
      path.push('*');
      i = j + 1;
    } else {
      break;
    }
  }
  return path;
}

function follow(value: Json | undefined, path: string[]): Json[] {
  if (path.length === 0) return value === undefined ? [] : [value];
  const [step, ...rest] = path;
  if (step === '*') {
    if (Array.isArray(value)) return value.flatMap((v) => follow(v, rest));
    if (isObject(value)) return Object.values(value).flatMap((v) => follow(v, rest));
    return value === undefined ? [] : [value]; // an expression: keep all of it (over-approximation)
  }
  if (isObject(value)) return follow(value[step!], rest);
  return value === undefined ? [] : [value];
}

/**
 * Role definition ids (GUIDs) an ARM expression can evaluate to, following variables('x').path references through
 * the template's variables. Over-approximates where it cannot tell (a property of an expression keeps the whole
 * expression), so a privileged role cannot hide behind indirection.
 */
export function reachableGuids(node: TemplateNode, expression: string, seen = new Set<string>()): Set<string> {
  const found = new Set<string>((expression.match(guidPattern) ?? []).map((g) => g.toLowerCase()));
  const reference = /variables\('([^']+)'\)/g;
  for (let match = reference.exec(expression); match; match = reference.exec(expression)) {
    const name = match[1]!;
    const path = accessPath(expression, match.index + match[0].length);
    const key = `${name}:${path.join('.')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const value of follow(node.template.variables?.[name], path)) {
      for (const text of strings(value)) {
        for (const guid of reachableGuids(node, text, seen)) found.add(guid);
      }
    }
  }
  return found;
}

/** Splits a camelCase or snake_case identifier into lower-case words. */
export function words(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}
