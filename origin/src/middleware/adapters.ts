/**
 * Thin adapters from the frameworks to OriginGuard: node:http, Express and Fastify. They only
 * translate; what happens to a request is decided in origin-guard.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuardResponse, OriginGuard, BotsieveRequestInfo } from './origin-guard.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** What the botsieve origin guard found (set by every adapter before the application runs). */
    botsieve?: BotsieveRequestInfo;
  }
}

function send(res: ServerResponse, response: GuardResponse): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = response.status;
  for (const name in response.headers) res.setHeader(name, response.headers[name]!);
  res.setHeader('content-length', Buffer.byteLength(response.body));
  res.end(response.body);
}

/**
 * node:http: `(req, res) => handled`. True when the guard answered (403, 429): the caller returns
 * without running the application.
 *
 *   const protect = nodeHttpGuard(guard);
 *   createServer((req, res) => { if (protect(req, res)) return; app(req, res); });
 */
export function nodeHttpGuard(guard: OriginGuard): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const { response } = guard.check(req, res);
    if (response === null) return false;
    send(res, response);
    return true;
  };
}

/** Express (4 and 5): `app.use(expressGuard(guard))`, before the routes. */
export function expressGuard(guard: OriginGuard): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  return (req, res, next) => {
    const { response } = guard.check(req, res);
    if (response === null) next();
    else send(res, response);
  };
}

/** The part of a Fastify instance the plugin uses (Fastify 4 and 5). */
interface FastifyLike {
  decorateRequest(name: string, value: unknown): unknown;
  addHook(name: 'onRequest', hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void): unknown;
}
interface FastifyRequestLike {
  raw: IncomingMessage;
  botsieve: BotsieveRequestInfo | null;
}
interface FastifyReplyLike {
  raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: string): unknown;
}

/**
 * Fastify: `await app.register(fastifyGuard(guard))`. An `onRequest` hook on every route of the
 * instance (the plugin is not encapsulated, like fastify-plugin's), with `request.botsieve` set
 * (and `request.raw.botsieve`).
 */
export function fastifyGuard(guard: OriginGuard): (instance: FastifyLike, options: unknown, done: () => void) => void {
  const plugin = (instance: FastifyLike, _options: unknown, done: () => void): void => {
    // Declared up front so every request object keeps one shape (Fastify's advice for decorators).
    instance.decorateRequest('botsieve', null);
    instance.addHook('onRequest', (request, reply, next) => {
      const { info, response } = guard.check(request.raw, reply.raw);
      request.botsieve = info;
      if (response === null) return next();
      reply.code(response.status).headers(response.headers as Record<string, string>).send(response.body);
    });
    done();
  };
  // What fastify-plugin sets: the hook applies to the parent instance, not only inside the plugin.
  (plugin as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
  (plugin as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = 'botsieve-origin-guard';
  return plugin;
}
