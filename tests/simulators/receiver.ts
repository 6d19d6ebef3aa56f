/**
 * A small Fastify app standing in for the service's webhook routes in the simulator tests: it
 * records every request and answers with whatever the test's route function returns.
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed form or JSON body ({} for GET). */
  body: Record<string, unknown>;
  query: Record<string, unknown>;
}

export interface ReceiverAnswer {
  status?: number;
  type?: string;
  body?: string | object;
}

export type ReceiverRoute = (req: ReceivedRequest) => ReceiverAnswer | Promise<ReceiverAnswer>;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests to one path (query ignored). */
  to(path: string): ReceivedRequest[];
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Starts the receiver on a free loopback port; `routes` maps a path (without query) to its answer. */
export async function startReceiver(routes: Record<string, ReceiverRoute> = {}): Promise<Receiver> {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  const requests: ReceivedRequest[] = [];
  app.all('/*', async (req, reply) => {
    const received: ReceivedRequest = {
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: (req.body as Record<string, unknown> | undefined) ?? {},
      query: req.query as Record<string, unknown>,
    };
    requests.push(received);
    const route = routes[req.url.split('?')[0]!];
    const answer = route ? await route(received) : { status: 204 };
    reply.code(answer.status ?? 200);
    if (answer.type) reply.type(answer.type);
    return answer.body ?? '';
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((r) => r.url.split('?')[0] === path),
    app,
    close: () => app.close(),
  };
}
