/**
 * Embedded Redis for the zero-configuration default: a `redis-server` child listening only on a
 * unix socket under DATA_DIR, with the append-only file on, so queued work survives a restart.
 * Stopped with the service (SHUTDOWN writes the AOF). A server left behind by a process that was
 * killed is shut down first, so two servers never share one AOF.
 *
 * The server runs in a process group of its own: Ctrl-C in a terminal signals the whole foreground
 * group, and a redis-server in it would exit at once, under the workers still draining their
 * jobs. Here it hears only the service, which stops it last.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { lockDir, pidAlive } from '../dir-lock.js';

export interface EmbeddedRedis {
  /** ioredis connection options for the socket. */
  path: string;
  stop(): Promise<void>;
}

export class RedisBinaryMissingError extends Error {
  constructor() {
    super(
      'redis-server was not found on PATH. Install the Debian package "redis-server" ' +
        '(apt-get install redis-server), or set REDIS_URL to a running Redis.',
    );
    this.name = 'RedisBinaryMissingError';
  }
}

function findRedisServer(candidates: string[]): string {
  for (const candidate of candidates) {
    const r = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return candidate;
  }
  throw new RedisBinaryMissingError();
}

async function ping(path: string): Promise<boolean> {
  const r = new Redis({ path, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

async function shutdown(path: string): Promise<void> {
  const r = new Redis({ path, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.call('SHUTDOWN', 'SAVE');
  } catch {
    // the server closes the connection as it exits
  } finally {
    r.disconnect();
  }
}

/** Starts redis-server on a unix socket in `dir` and waits until it answers. */
export async function startEmbeddedRedis(
  dir: string,
  binaries = ['redis-server', '/usr/bin/redis-server', '/usr/local/bin/redis-server'],
): Promise<EmbeddedRedis> {
  const bin = findRedisServer(binaries);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = join(dir, 'redis.sock');
  if (Buffer.byteLength(socket) > 100) {
    throw new Error(`DATA_DIR is too long for a unix socket path (${socket}); choose a shorter DATA_DIR or set REDIS_URL`);
  }
  const unlock = lockDir(dir, 'Redis');
  try {
    return await launch(bin, dir, socket, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function launch(bin: string, dir: string, socket: string, unlock: () => void): Promise<EmbeddedRedis> {
  // We hold the lock, so a server still running here was left by a process that died.
  const pidFile = join(dir, 'redis.pid');
  if (existsSync(pidFile)) {
    const stale = Number(readFileSync(pidFile, 'utf8'));
    if (stale && pidAlive(stale)) {
      await shutdown(socket);
      for (let i = 0; i < 100 && pidAlive(stale); i++) await sleep(50);
    }
    rmSync(pidFile, { force: true });
  }
  const child = spawn(
    bin,
    [
      '--port',
      '0',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--dir',
      dir,
      '--pidfile',
      pidFile,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--daemonize',
      'no',
      '--maxmemory-policy',
      'noeviction', // BullMQ requires it: evicted keys would lose jobs
      '--logfile',
      join(dir, 'redis.log'),
    ],
    { stdio: 'ignore', detached: true },
  );
  let exited: number | null | undefined;
  // Out of the terminal's reach, the server must not outlive a service that exits without
  // stopping it (a second Ctrl-C, an uncaught error): SIGTERM makes it save and shut down.
  const orphaned = () => child.kill('SIGTERM');
  process.once('exit', orphaned);
  child.on('exit', (code) => {
    exited = code;
    process.removeListener('exit', orphaned);
  });
  for (let i = 0; i < 200; i++) {
    if (exited !== undefined) {
      throw new Error(`redis-server exited with code ${exited} at start; see ${join(dir, 'redis.log')}`);
    }
    if (await ping(socket)) {
      return {
        path: socket,
        async stop() {
          if (exited !== undefined) return;
          const done = new Promise((resolve) => child.once('exit', resolve));
          await shutdown(socket);
          await Promise.race([done, sleep(5000).then(() => child.kill('SIGKILL'))]);
          unlock();
        },
      };
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer within 10 s; see ${join(dir, 'redis.log')}`);
}
