// Finds the program a policy binary names: an absolute path as is, a bare name in the children's PATH. Found
// programs are remembered; a missing one is looked up again next time (it may be installed meanwhile).
import { promises as fs, constants as fsc } from 'node:fs';
import * as path from 'node:path';

export class Executables {
  private readonly found = new Map<string, string>();

  async resolve(name: string, searchPath: string): Promise<string | undefined> {
    const cached = this.found.get(name);
    if (cached) return cached;
    const candidates = path.isAbsolute(name)
      ? [name]
      : searchPath
          .split(':')
          .filter(Boolean)
          .map((dir) => path.join(dir, name));
    for (const candidate of candidates) {
      try {
        await fs.access(candidate, fsc.X_OK);
        this.found.set(name, candidate);
        return candidate;
      } catch {
        // try the next directory
      }
    }
    return undefined;
  }
}
