/**
 * The HTTP face of the Twilio simulator: REST API 2010-04-01 routing, HTTP Basic auth and the
 * error shapes the official `twilio` client turns into RestException. The behaviour behind each
 * route lives in the simulator (simulator.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FormFields, type Handler, parseForm, readBody, sendJson } from '../http.js';
import { twilioError } from './errors.js';
import { API_VERSION } from './ids.js';

/** Status, JSON body (or raw media) and headers of a REST answer. */
export interface RestAnswer {
  status: number;
  body?: unknown;
  /** Media instead of JSON (a recording's audio). */
  raw?: { contentType: string; data: Buffer };
  headers?: Record<string, string>;
}

/** What the routes call. */
export interface RestBackend {
  readonly accountSid: string;
  readonly authToken: string;
  /** When true every request answers 503. */
  readonly outage: boolean;
  fetchAccount(): RestAnswer;
  createMessage(fields: FormFields): Promise<RestAnswer>;
  listMessages(query: URLSearchParams, path: string): RestAnswer;
  fetchMessage(sid: string): RestAnswer;
  updateMessage(sid: string, fields: FormFields): RestAnswer;
  deleteMessage(sid: string): RestAnswer;
  createCall(fields: FormFields): Promise<RestAnswer>;
  listCalls(query: URLSearchParams, path: string): RestAnswer;
  fetchCall(sid: string): RestAnswer;
  updateCall(sid: string, fields: FormFields): Promise<RestAnswer>;
  fetchRecording(sid: string, format: 'json' | 'wav'): RestAnswer;
  /** Routes under /_sim/ that drive the simulator over HTTP (no auth: loopback only). */
  control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}

function notFound(path: string): RestAnswer {
  return { status: 404, body: twilioError(404, 20404, `The requested resource ${path} was not found`) };
}

/** Checks HTTP Basic credentials; a wrong or missing pair is Twilio's 401 with code 20003. */
function authenticate(req: IncomingMessage, backend: RestBackend): RestAnswer | null {
  const header = req.headers.authorization ?? '';
  const match = /^Basic\s+(.+)$/i.exec(header);
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? '' : decoded.slice(0, colon);
  const pass = colon === -1 ? '' : decoded.slice(colon + 1);
  if (user === backend.accountSid && pass === backend.authToken) return null;
  return {
    status: 401,
    body: twilioError(401, 20003, 'Authenticate'),
    headers: { 'www-authenticate': 'Basic realm="Twilio API"' },
  };
}

const ACCOUNT = new RegExp(`^/${API_VERSION}/Accounts/([^/]+?)(\\.json|/.*)$`);

/** Builds the request handler for a backend. */
export function twilioHandler(backend: RestBackend): Handler {
  return async (req, res, url) => {
    if (url.pathname.startsWith('/_sim/')) return backend.control(req, res, url);
    const answer = await route(req, url, backend);
    if (answer.status === 204) {
      res.writeHead(204, answer.headers ?? {});
      res.end();
      return;
    }
    if (answer.raw) {
      res.writeHead(answer.status, { 'content-type': answer.raw.contentType, 'content-length': answer.raw.data.length });
      res.end(answer.raw.data);
      return;
    }
    sendJson(res, answer.status, answer.body ?? {}, answer.headers);
  };
}

async function route(req: IncomingMessage, url: URL, backend: RestBackend): Promise<RestAnswer> {
  if (backend.outage) return { status: 503, body: twilioError(503, 20503, 'Service Unavailable') };
  const denied = authenticate(req, backend);
  if (denied) return denied;

  const path = url.pathname;
  const m = ACCOUNT.exec(path);
  // Another account's resources do not exist for these credentials.
  if (!m || m[1] !== backend.accountSid) return notFound(path);
  const rest = m[2]!;
  const method = req.method ?? 'GET';
  const fields = method === 'POST' ? parseForm((await readBody(req)).toString('utf8')) : {};
  const listPath = `/${API_VERSION}/Accounts/${backend.accountSid}`;

  if (rest === '.json' && method === 'GET') return backend.fetchAccount();
  if (rest === '/Messages.json') {
    if (method === 'POST') return backend.createMessage(fields);
    if (method === 'GET') return backend.listMessages(url.searchParams, `${listPath}/Messages.json`);
  }
  if (rest === '/Calls.json') {
    if (method === 'POST') return backend.createCall(fields);
    if (method === 'GET') return backend.listCalls(url.searchParams, `${listPath}/Calls.json`);
  }
  const message = /^\/Messages\/(SM[0-9a-f]{32}|MM[0-9a-f]{32})\.json$/.exec(rest);
  if (message) {
    const sid = message[1]!;
    if (method === 'GET') return backend.fetchMessage(sid);
    if (method === 'POST') return backend.updateMessage(sid, fields);
    if (method === 'DELETE') return backend.deleteMessage(sid);
  }
  const call = /^\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest);
  if (call) {
    const sid = call[1]!;
    if (method === 'GET') return backend.fetchCall(sid);
    if (method === 'POST') return backend.updateCall(sid, fields);
  }
  const recording = /^\/Recordings\/(RE[0-9a-f]{32})(\.json|\.wav|)$/.exec(rest);
  if (recording && method === 'GET') return backend.fetchRecording(recording[1]!, recording[2] === '.json' ? 'json' : 'wav');
  return notFound(path);
}
