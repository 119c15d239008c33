/**
 * The transport on uWebSockets.js. uWS rules kept here: `req` is read during the handler only,
 * `onAborted` is registered before the handler runs (so before anything asynchronous), every
 * write is corked, and a streamed answer watches what `write` returns and waits for
 * `onWritable` (uWS keeps the chunk that did not fit; we write nothing more until it left).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket } from 'uws-pack';
import type { Uws } from '@botsieve/runtime';
import type { Reply, RequestHandler, RequestHead, ServerTransport } from './transport.js';

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  413: '413 Payload Too Large',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

function statusLine(status: number): string {
  return STATUS_LINES[status] ?? `${status} Error`;
}

class UwsHead implements RequestHead {
  readonly method: string;
  readonly path: string;
  readonly query: string;

  constructor(private readonly req: HttpRequest) {
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = req.getQuery() ?? '';
  }

  header(name: string): string {
    return this.req.getHeader(name);
  }
}

class UwsReply implements Reply {
  aborted = false;
  private abortHandler: (() => void) | undefined;
  private writableHandler: (() => void) | undefined;
  private done = false;

  constructor(private readonly res: HttpResponse) {
    res.onAborted(() => {
      if (this.aborted) return;
      this.aborted = true;
      if (!this.done) this.abortHandler?.();
    });
    res.onWritable(() => {
      this.writableHandler?.();
      return true;
    });
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  readBody(max_bytes: number, done: (body: Buffer | null) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    this.res.onData((chunk, isLast) => {
      if (over) return;
      size += chunk.byteLength;
      if (size > max_bytes) {
        over = true;
        done(null);
        return;
      }
      // The view is valid only during this call: copy.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (isLast) done(Buffer.concat(chunks, size));
    });
  }

  respond(status: number, contentType: string, body: string, retryAfter?: string, close = false): void {
    if (this.aborted || this.done) return;
    this.done = true;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.writeHeader('content-type', contentType);
      if (retryAfter !== undefined) res.writeHeader('retry-after', retryAfter);
      res.end(body, close);
    });
  }

  begin(status: number, contentType: string): void {
    if (this.aborted || this.done) return;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.writeHeader('content-type', contentType);
      res.writeHeader('cache-control', 'no-store');
    });
  }

  write(chunk: string): boolean {
    if (this.aborted || this.done) return true;
    return this.res.write(chunk);
  }

  onWritable(handler: () => void): void {
    this.writableHandler = handler;
  }

  end(): void {
    if (this.aborted || this.done) return;
    this.done = true;
    const res = this.res;
    res.cork(() => res.end());
  }

  close(): void {
    if (this.aborted) return;
    this.done = true;
    this.aborted = true;
    this.res.close();
  }

  cork(writes: () => void): void {
    if (this.aborted) return;
    this.res.cork(writes);
  }
}

/** The listen option for an exclusive port (exported as a constant; the typings say enum). */
function exclusivePort(uws: Uws): number {
  return (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
}

export class UwsTransport implements ServerTransport {
  readonly implementation = 'uwebsockets.js' as const;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;

  constructor(
    private readonly uws: Uws,
    handler: RequestHandler,
  ) {
    this.app = uws.App().any('/*', (res, req) => {
      const reply = new UwsReply(res);
      handler(new UwsHead(req), reply);
    });
  }

  listen(host: string, port: number): Promise<number | null> {
    const { uws } = this;
    return new Promise((resolve) => {
      // Exclusive, as ingest: uWS otherwise binds with SO_REUSEPORT and a second process would share the port.
      const listen = this.app.listen as unknown as (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => TemplatedApp;
      listen.call(this.app, host, port, exclusivePort(uws), (socket) => {
        if (socket === false) {
          resolve(null);
          return;
        }
        this.listenSocket = socket;
        resolve(uws.us_socket_local_port(socket as unknown as us_socket));
      });
    });
  }

  stopListening(): void {
    if (this.listenSocket === null) return;
    this.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  closeConnections(): void {
    this.app.close();
  }
}
