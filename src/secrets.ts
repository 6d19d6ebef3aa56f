/**
 * The key for ID-number hashes. ID_HASH_KEY in production; on the embedded defaults a random key
 * is made once and kept in DATA_DIR/secrets, since changing it would orphan every stored hash.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

export function idHashKey(config: Pick<Config, 'ID_HASH_KEY' | 'DATA_DIR'>): string {
  if (config.ID_HASH_KEY) return config.ID_HASH_KEY;
  const dir = join(config.DATA_DIR, 'secrets');
  const file = join(dir, 'id-hash.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
