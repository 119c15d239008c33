/**
 * The transport on uWebSockets.js: uWS's HttpResponse and WebSocket are the Exchange and the
 * StreamConnection almost as they are. uWS rules kept here: `req` is read during the handler
 * only; `onAborted` is registered as the exchange is made, so before the handler can do anything
 * asynchronous; every write is corked (required after an await, harmless before); a streamed
 * answer watches what `write` returns and waits for `onWritable` (uWS keeps the chunk that did
 * not fit); nothing touches a response once it was answered, aborted or closed (uWS throws).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket, us_socket } from 'uws-pack';
import type { Uws } from '../uws/index.js';
import { Router, readBody, statusLine } from './common.js';
import type { Exchange, HttpTransport, RequestHead, ResponseOptions, Routes, StreamConnection, WebSocketRoute } from './transport.js';

/**
 * The listen option for an exclusive port: the module exports it as a constant, its typings only
 * as the enum member ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT (= 1).
 */
function exclusivePort(uws: Uws): number {
  return (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
}

class UwsHead implements RequestHead {
  /** Read at once: the router needs them. */
  readonly method: string;
  readonly path: string;

  constructor(private readonly req: HttpRequest) {
    this.method = req.getCaseSensitiveMethod();
    this.path = req.getUrl();
  }

  /** Read when asked (only some routes use it), like the headers. */
  get query(): string {
    return this.req.getQuery() ?? '';
  }

  header(name: string): string {
    return this.req.getHeader(name);
  }
}

class UwsExchange implements Exchange {
  aborted = false;
  /** Answered (respond, end) or closed: the response must not be touched again. */
  private done = false;
  private abortHandler: (() => void) | null = null;
  private writableHandler: (() => void) | null = null;

  constructor(private readonly res: HttpResponse) {
    res.onAborted(() => {
      if (this.aborted) return;
      this.aborted = true;
      if (!this.done) this.abortHandler?.();
    });
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.res.onData((chunk, isLast) => handler(new Uint8Array(chunk), isLast));
  }

  pause(): void {
    if (!this.aborted && !this.done) this.res.pause();
  }

  resume(): void {
    if (!this.aborted && !this.done) this.res.resume();
  }

  readBody(max_bytes: number, done: (body: Buffer | null) => void): void {
    readBody(this, max_bytes, done);
  }

  respond(status: number, body: string, options: ResponseOptions): void {
    if (this.aborted || this.done) return;
    this.done = true;
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.writeHeader('content-type', options.contentType);
      if (options.retryAfter !== null) res.writeHeader('retry-after', options.retryAfter);
      res.end(body, options.close);
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
    if (this.aborted || this.done) return;
    if (this.writableHandler === null) {
      this.res.onWritable(() => {
        this.writableHandler?.();
        return true;
      });
    }
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
    // Answered or aborted: the writes are no-ops, but the caller's own bookkeeping in them runs.
    if (this.aborted || this.done) writes();
    else this.res.cork(writes);
  }
}

class UwsConnection<UserData> implements StreamConnection<UserData> {
  constructor(
    private readonly ws: WebSocket<UserData>,
    readonly data: UserData,
  ) {}

  send(message: string): boolean {
    // 0 sent, 1 buffered (backpressure), 2 dropped (over maxBackpressure).
    return this.ws.send(message) !== 2;
  }

  bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    this.ws.end(code, reason);
  }

  cork(writes: () => void): void {
    this.ws.cork(writes);
  }
}

/** The user data uWS keeps per socket: ours, plus the connection object made once at open. */
interface Slot<UserData> {
  data: UserData;
  connection: UwsConnection<UserData> | null;
}

export class UwsTransport<UserData> implements HttpTransport {
  readonly implementation = 'uwebsockets.js' as const;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;

  constructor(
    private readonly uws: Uws,
    routes: Routes<UserData>,
  ) {
    const router = new Router(routes as Routes<unknown>);
    let app = uws.App();
    for (const route of routes.websockets ?? []) app = webSocketRoute(app, route);
    // One route for every request, and the router both transports share: same matching everywhere.
    // (A plain GET to a WebSocket path falls through to it: uWS yields when there is no upgrade.)
    this.app = app.any('/*', (res, req) => {
      const head = new UwsHead(req);
      router.find(head.method, head.path)(head, new UwsExchange(res));
    });
  }

  listen(host: string, port: number): Promise<number | null> {
    const { uws } = this;
    return new Promise((resolve) => {
      // Exclusive: uWS otherwise binds with SO_REUSEPORT, and a second botsieve on the same port
      // would silently share the traffic instead of failing.
      // (The host + options form exists in the binding; the typings declare options only without host.)
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
    // Closes every socket of the app (exchanges in flight see onAborted).
    this.app.close();
  }
}

function webSocketRoute<UserData>(app: TemplatedApp, route: WebSocketRoute<UserData>): TemplatedApp {
  const { handlers, options } = route;
  const connectionOf = (ws: WebSocket<Slot<UserData>>): UwsConnection<UserData> => {
    const slot = ws.getUserData();
    slot.connection ??= new UwsConnection(ws as unknown as WebSocket<UserData>, slot.data);
    return slot.connection;
  };
  return app.ws<Slot<UserData>>(route.path, {
    maxPayloadLength: options.max_message_bytes,
    maxBackpressure: options.max_backpressure_bytes,
    idleTimeout: options.idle_timeout_s,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const decision = handlers.upgrade(new UwsHead(req));
      if ('refuse' in decision) {
        const { status, body, contentType, retryAfter } = decision.refuse;
        new UwsExchange(res).respond(status, body, { contentType, retryAfter, close: true });
        return;
      }
      const slot: Slot<UserData> = { data: decision.accept, connection: null };
      res.upgrade(slot, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
    },
    open: (ws) => handlers.open(connectionOf(ws)),
    message: (ws, message) => handlers.message(connectionOf(ws), new Uint8Array(message)),
    close: (ws) => handlers.close(connectionOf(ws)),
  });
}
