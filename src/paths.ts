import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the installed project (where package.json, prisma/, templates/ and bots/ live). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
