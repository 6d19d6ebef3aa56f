/**
 * Where the benchmarks find PostgreSQL when BENCH_DATABASE_URL is not set: the local server's Unix
 * socket when it has one, else 127.0.0.1:5432. A service on the same host as its database should
 * connect through the socket (DATABASE_URL=postgresql://user@localhost/db?host=/var/run/postgresql):
 * on loopback TCP a third of the service's CPU per conversation turn went to socket writes.
 */
import { existsSync } from 'node:fs';

const SOCKET_DIR = '/var/run/postgresql';

export const ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  (existsSync(`${SOCKET_DIR}/.s.PGSQL.5432`)
    ? `postgresql://postgres@localhost/postgres?host=${SOCKET_DIR}`
    : 'postgresql://postgres@127.0.0.1:5432/postgres');
