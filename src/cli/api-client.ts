/**
 * The CLI as a client of the running service's staff API: the commands that act as a staff user
 * (campaigns, tasks, confirmations, worker records, the inbox) go through the same routes, region
 * scope and audit as any other client, and work while `npm start` holds the embedded ledger. The
 * token is --token or OUTREACH_TOKEN (`outreach token create` issues one); the service is --url or
 * http://HOST:PORT from the environment. Requests say they come from the CLI, for provenance.
 */
import type { Command } from 'commander';
import { cliConfig } from './context.js';

export interface ClientOpts {
  url?: string;
  token?: string;
}

export type ApiCall = <T>(method: string, path: string, body?: unknown) => Promise<T>;

export function apiClient(opts: ClientOpts): ApiCall {
  const config = cliConfig();
  const base = (opts.url ?? `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`).replace(/\/$/, '');
  const token = opts.token ?? config.OUTREACH_TOKEN;
  if (!token) throw new Error('an API token is needed: --token otk_… or OUTREACH_TOKEN (see `outreach token create`)');
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-outreach-client': 'cli',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    }).catch((err: Error) => {
      throw new Error(`cannot reach the service at ${base}: ${err.message} (is it running? --url)`);
    });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => ({}))) as T & { message?: string; missing?: Array<{ message: string }> };
    if (!res.ok) {
      const detail = json.missing?.map((m) => `\n  - ${m.message}`).join('') ?? '';
      throw new Error(`${res.status} ${json.message ?? res.statusText}${detail}`);
    }
    return json;
  };
}

/** Adds --url and --token to a command group; returns a function giving its client. */
export function withApiOptions(command: Command): () => ApiCall {
  command
    .option('--url <url>', 'the service (default http://HOST:PORT from the environment)')
    .option('--token <token>', 'API token (default OUTREACH_TOKEN)');
  return () => apiClient(command.opts<ClientOpts>());
}

/** A positive whole number argument (an id). */
export function positiveId(what: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1 || n > 2_147_483_647)
      throw new Error(`expected ${what}, a positive whole number`);
    return n;
  };
}

/** "2026-03-05 14:30" in China time, for terminal output. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return '-';
  return new Date(iso).toLocaleString('sv-SE', { timeZone: 'Asia/Shanghai' }).slice(0, 16);
}
