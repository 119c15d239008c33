/**
 * What both transports share, so that they route, name statuses and collect bodies the same way:
 * the router (method + exact path, compiled once), the status lines, and `readBody` over `onData`.
 */
import { STATUS_CODES } from 'node:http';
import type { Exchange, HttpHandler, Routes } from './transport.js';

/** Routes by exact path, then method; anything else goes to `notFound`. Built once per server. */
export class Router {
  private readonly paths = new Map<string, Map<string, HttpHandler>>();
  readonly notFound: HttpHandler;

  constructor(routes: Routes<unknown>) {
    this.notFound = routes.notFound;
    for (const route of routes.http) {
      let methods = this.paths.get(route.path);
      if (methods === undefined) this.paths.set(route.path, (methods = new Map()));
      methods.set(route.method.toUpperCase(), route.handle);
    }
  }

  find(method: string, path: string): HttpHandler {
    return this.paths.get(path)?.get(method) ?? this.notFound;
  }
}

/** `404 Not Found`, from node's table, made once per status. */
const STATUS_LINES = new Map<number, string>();

export function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
    STATUS_LINES.set(status, line);
  }
  return line;
}

/** The reason phrase alone (`Not Found`). */
export function statusText(status: number): string {
  return statusLine(status).slice(4);
}

/** `Exchange.readBody` for both transports: copies chunks (views are valid only during the call) up to `max_bytes`. */
export function readBody(exchange: Exchange, max_bytes: number, done: (body: Buffer | null) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  exchange.onData((chunk, isLast) => {
    if (over) return;
    size += chunk.byteLength;
    if (size > max_bytes) {
      over = true;
      done(null);
      return;
    }
    if (chunk.byteLength > 0) chunks.push(Buffer.from(chunk));
    if (isLast) done(Buffer.concat(chunks, size));
  });
}

/** Path and query of a request target (`/a?b=c`). */
export function splitTarget(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark + 1) };
}
