/**
 * The HTTP face of the Telegram simulator: `/bot<token>/<method>` with parameters in the query
 * string, a JSON body, a form-urlencoded body or multipart/form-data (what grammY sends when a
 * file is attached), answered `{ ok: true, result }` or `{ ok: false, error_code, description }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Handler, readBody, sendJson } from '../http.js';

/** Parameters of a Bot API call. Values from forms and query strings are strings; JSON keeps its types. */
export type ApiParams = Record<string, unknown>;

export interface ApiAnswer {
  status: number;
  body: { ok: true; result: unknown; description?: string } | ApiErrorBody;
}

export interface ApiErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export interface BotApiBackend {
  readonly token: string;
  /** Runs a method whose name is already known to exist (lowercase). */
  call(method: string, params: ApiParams): Promise<ApiAnswer>;
  hasMethod(method: string): boolean;
  /** Routes under /_sim/ that drive the simulator over HTTP (loopback only). */
  control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

/** Telegram's error answer. */
export function apiError(code: number, description: string, parameters?: ApiErrorBody['parameters']): ApiAnswer {
  const body: ApiErrorBody = { ok: false, error_code: code, description };
  if (parameters) body.parameters = parameters;
  return { status: code, body };
}

/** Reads the parameters of a request in any of the encodings the Bot API accepts. */
export async function readParams(req: IncomingMessage, url: URL): Promise<ApiParams> {
  const params: ApiParams = Object.fromEntries(url.searchParams);
  if (req.method !== 'POST') return params;
  const raw = await readBody(req);
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (raw.length === 0) return params;
  if (type.startsWith('application/json')) {
    Object.assign(params, JSON.parse(raw.toString('utf8')) as ApiParams);
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw.toString('utf8'))));
  } else if (type.startsWith('multipart/form-data')) {
    // The web Request parser handles multipart; files are kept as a name and a size.
    const form = await new Request('http://simulator.invalid/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type']! },
      body: new Uint8Array(raw),
    }).formData();
    for (const [key, value] of form) {
      params[key] = typeof value === 'string' ? value : { file: value.name, size: value.size };
    }
  }
  return params;
}

/** Builds the request handler for a backend. */
export function botApiHandler(backend: BotApiBackend): Handler {
  return async (req, res, url) => {
    if (url.pathname.startsWith('/_sim/')) return backend.control(req, res, url);
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return sendJson(res, 404, apiError(404, 'Not Found').body);
    // The token is checked before the method, as Telegram does.
    if (decodeURIComponent(m[1]!) !== backend.token) return sendJson(res, 401, apiError(401, 'Unauthorized').body);
    const method = m[2]!.toLowerCase(); // method names are case-insensitive
    if (!backend.hasMethod(method)) return sendJson(res, 404, apiError(404, 'Not Found').body);
    let params: ApiParams;
    try {
      params = await readParams(req, url);
    } catch {
      return sendJson(res, 400, apiError(400, "Bad Request: can't parse JSON object").body);
    }
    const answer = await backend.call(method, params);
    sendJson(res, answer.status, answer.body);
  };
}
