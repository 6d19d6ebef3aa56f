/**
 * Small HTTP helpers shared by the provider simulators. Plain `node:http`, so a simulator has no
 * framework of its own that could hide a wire-format difference.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

/** Largest request body a simulator accepts (the providers' limits are lower; this only stops runaways). */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

/** How long a simulator waits for the service to answer a webhook before recording a timeout. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

/** A started loopback server and the base URL it is reachable at (no trailing slash). */
export interface Listening {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts `handler` on 127.0.0.1 at `port` (0 or undefined: a free port). A handler that throws
 * answers 500 with the error text, so a bug in a simulator shows up in the test that hit it.
 */
export async function listen(handler: Handler, port = 0): Promise<Listening> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    handler(req, res, url).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      }
      res.end(`simulator error: ${err instanceof Error ? err.stack : String(err)}`);
    });
  });
  // Clients keep connections alive (close() ends them). Not below a few seconds: the server
  // announces it (Keep-Alive: timeout=N) and Node's agent retires a socket a second before that,
  // so a 1-second timeout made every request open a new connection.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads the whole request body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Form fields: a key sent once is a string, a key sent more than once an array (Twilio repeats keys for lists). */
export type FormFields = Record<string, string | string[]>;

/** Parses application/x-www-form-urlencoded text, keeping repeated keys. */
export function parseForm(text: string): FormFields {
  const out: FormFields = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** The first value of a form field, or undefined. */
export function field(fields: FormFields, key: string): string | undefined {
  const v = fields[key];
  return Array.isArray(v) ? v[0] : v;
}

/** All values of a form field (empty when absent). */
export function fieldAll(fields: FormFields, key: string): string[] {
  const v = fields[key];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** Encodes fields as application/x-www-form-urlencoded, repeating keys of arrays. */
export function encodeForm(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
  }
  return params.toString();
}

/** What a simulator got back from the service when it called one of its webhooks. */
export interface WebhookResponse {
  /** HTTP status, or null when the request did not complete (refused, timed out). */
  status: number | null;
  contentType: string | null;
  body: string;
  /** Network error text when status is null. */
  error?: string;
}

/**
 * Pooled keep-alive connections to the service, as a provider's webhook sender keeps them (one
 * pool per origin; undici's client costs about half of node:http's per request).
 */
const pools = new Map<string, Pool>();
function poolFor(origin: string): Pool {
  let p = pools.get(origin);
  if (!p) {
    p = new Pool(origin, { connections: 64, headersTimeout: WEBHOOK_TIMEOUT_MS, bodyTimeout: WEBHOOK_TIMEOUT_MS });
    pools.set(origin, p);
  }
  return p;
}

/** Sends one HTTP request to the service, never throwing: failures are part of what a simulator records. */
export async function deliver(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
): Promise<WebhookResponse> {
  const u = new URL(url);
  try {
    const res = await poolFor(u.origin).request({
      path: u.pathname + u.search,
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const body = await res.body.text();
    const type = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? null, body };
  } catch (err) {
    return { status: null, contentType: null, body: '', error: (err as Error).message };
  }
}

/** Resolves after `ms` milliseconds (at once for 0). */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/**
 * Keeps track of background work (status callbacks on their timers) so a test can wait until a
 * simulator has nothing left to do, and close() can stop what has not started yet.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<unknown>>();
  private stopped = false;

  /** Runs `task` in the background; its errors are swallowed (the task records them itself). */
  run(task: () => Promise<unknown>): void {
    if (this.stopped) return;
    const p = task()
      .catch(() => undefined)
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  /** True once stop() was called: long tasks check it between steps. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /** Resolves when no background task is left, including tasks started while waiting. */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running]);
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

/** Binds every prototype method of `obj` to it, so control methods survive destructuring. */
export function bindMethods<T extends object>(obj: T): T {
  let proto = Object.getPrototypeOf(obj) as object | null;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor') continue;
      const desc = Object.getOwnPropertyDescriptor(proto, name);
      if (desc && typeof desc.value === 'function') {
        Object.defineProperty(obj, name, { value: desc.value.bind(obj), writable: true, configurable: true });
      }
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
  return obj;
}
