/**
 * Pointing the official `twilio` client at another base URL (the simulator, or TWILIO_API_BASE).
 *
 * The client has no base-URL option: every resource builds an absolute `https://<product>.twilio.com/...`
 * URL (region and edge options only change the host name), and list paging follows
 * `next_page_uri` through the same builder. What it does accept is a custom `httpClient`: every
 * request, paging included, goes through `httpClient.request({ method, uri, ... })`. So a
 * RequestClient subclass that swaps the origin of `uri` redirects *all* API calls while the
 * client's own auth, form encoding and error handling (RestException) stay exactly as in production.
 */
import http from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type TwilioResponse from 'twilio/lib/http/response.js';

/** A RequestClient that sends every request for `*.twilio.com` to `baseUrl` (same path and query). */
export class BaseUrlRequestClient extends twilio.RequestClient {
  private readonly base: URL;

  constructor(baseUrl: string, opts?: RequestClient.RequestClientOptions) {
    super(opts);
    this.base = new URL(baseUrl);
    if (this.base.search || this.base.hash) throw new Error(`base URL must not have a query or fragment: ${baseUrl}`);
    // The client keeps connections alive only for https; a plain-http base (a gateway on the
    // private network, the simulator) gets the same pooled keep-alive connections.
    (this as unknown as { axios: { defaults: { httpAgent: unknown } } }).axios.defaults.httpAgent = new http.Agent({
      keepAlive: true,
      maxSockets: 100,
    });
  }

  /** The URL a request for `uri` goes to: Twilio hosts are replaced by the base URL (its path is kept as a prefix). */
  rewrite(uri: string): string {
    const original = new URL(uri);
    if (original.hostname !== 'twilio.com' && !original.hostname.endsWith('.twilio.com')) return uri;
    const prefix = this.base.pathname.replace(/\/+$/, '');
    return `${this.base.protocol}//${this.base.host}${prefix}${original.pathname}${original.search}`;
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse.default<TData>> {
    return super.request({ ...opts, uri: this.rewrite(opts.uri) });
  }
}

/**
 * A real `twilio` client whose API calls all go to `baseUrl` (e.g. the simulator's url). The
 * service builds its production client the same way when TWILIO_API_BASE is set.
 */
export function twilioClientFor(baseUrl: string, accountSid: string, authToken: string): twilio.Twilio {
  return twilio(accountSid, authToken, { httpClient: new BaseUrlRequestClient(baseUrl) });
}
