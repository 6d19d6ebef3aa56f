import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Root of the installed project (where package.json, prisma/, templates/ and bots/ live). */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export function projectPath(...parts: string[]): string {
  return join(PROJECT_ROOT, ...parts);
}
