/**
 * Files waiting for a worker (ledger uploads), kept under DATA_DIR/uploads. Jobs name a file
 * here, never an arbitrary path, so a job payload cannot make a worker read outside this folder.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';

export interface Uploads {
  dir: string;
  /** Copies `source` in and returns the stored name. */
  store(source: string): Promise<string>;
  /** Absolute path of a stored name; rejects names that would leave the folder. */
  resolve(name: string): string;
}

export function createUploads(dataDir: string): Uploads {
  const dir = join(dataDir, 'uploads');
  return {
    dir,
    async store(source) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const name = `${randomUUID()}${extname(source).toLowerCase()}`;
      await copyFile(source, join(dir, name));
      return name;
    },
    resolve(name) {
      if (basename(name) !== name || name.startsWith('.')) throw new Error('invalid upload name');
      return join(dir, name);
    },
  };
}
