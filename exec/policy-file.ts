// Loads the policy the server runs with: the file EXEC_POLICY names, or the built-in local policy.
import { readFileSync } from 'node:fs';

import { compilePolicy, type Policy } from './policy';
import localPolicy from './policy/local.json';

export function loadPolicy(file: string | undefined): Policy {
  if (!file) return compilePolicy(localPolicy);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw Object.assign(new Error(`cannot read EXEC_POLICY file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`), {
      code: 'policy_unreadable',
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw Object.assign(new Error('EXEC_POLICY file is not valid JSON'), { code: 'invalid_policy' });
  }
  return compilePolicy(doc);
}
