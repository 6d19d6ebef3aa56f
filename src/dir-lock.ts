/**
 * A lock file that gives one process ownership of a data directory (embedded PGlite and Redis
 * must never be opened by two processes). A lock left by a dead process is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process holding `dir/outreach.lock`, or null when nobody does. */
export function lockHolder(dir: string): number | null {
  try {
    return Number(readFileSync(join(dir, 'outreach.lock'), 'utf8')) || null;
  } catch {
    return null;
  }
}

/** Takes `dir/outreach.lock` or throws naming the process that holds it. Returns the release function. */
export function lockDir(dir: string, what: string): () => void {
  const lockPath = join(dir, 'outreach.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHolder(dir);
      if (holder && holder !== process.pid && pidAlive(holder)) {
        throw new Error(
          `The embedded ${what} in ${dir} is in use by process ${holder}. Stop that process, or set ` +
            `${what === 'database' ? 'DATABASE_URL' : 'REDIS_URL'} to a shared server to run several processes.`,
        );
      }
      rmSync(lockPath, { force: true }); // left by a process that died
    }
  }
  throw new Error(`Could not lock ${lockPath}`);
}
