import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Tests talk to the real PostgreSQL, Redis and embedded PGlite; start-up of those takes seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: more parallel files only queue on the CPU and the embedded databases.
    maxWorkers: 2,
    env: { LOG_LEVEL: 'silent' },
  },
});
