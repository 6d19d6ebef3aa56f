/**
 * Secrets that must stay stable across restarts. Configured values win; on the embedded defaults
 * a random value is made once and kept in DATA_DIR/secrets (mode 600).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

/** The secret `name` from DATA_DIR/secrets, made on first use. */
export function secret(config: Pick<Config, 'DATA_DIR'>, name: string): string {
  const dir = join(config.DATA_DIR, 'secrets');
  const file = join(dir, `${name}.key`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = randomBytes(32).toString('hex');
  try {
    writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}

/** Key of the ID-number hashes: changing it would orphan every stored hash. */
export function idHashKey(config: Pick<Config, 'ID_HASH_KEY' | 'DATA_DIR'>): string {
  return config.ID_HASH_KEY ?? secret(config, 'id-hash');
}
