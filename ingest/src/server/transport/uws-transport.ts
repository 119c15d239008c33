/**
 * The transport on uWebSockets.js: uWS's HttpResponse and WebSocket are the Exchange and the
 * StreamConnection almost as they are. uWS rules kept here: `req` is valid only during the handler,
 * `onAborted` is registered before anything asynchronous, and every write is corked (required
 * after an await, harmless before).
 */
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, us_listen_socket, us_socket } from 'uws-pack';
import type { Uws } from '@botsieve/runtime';
import type { Exchange, HttpTransport, RequestHead, ResponseOptions, Routes, StreamConnection } from './transport.js';

const STATUS_LINES: Readonly<Record<number, string>> = {
  200: '200 OK',
  400: '400 Bad Request',
  401: '401 Unauthorized',
  404: '404 Not Found',
  408: '408 Request Timeout',
  413: '413 Payload Too Large',
  415: '415 Unsupported Media Type',
  500: '500 Internal Server Error',
  503: '503 Service Unavailable',
};

/**
 * The listen option for an exclusive port: the module exports it as a constant, its typings only
 * as the enum member ListenOptions.LIBUS_LISTEN_EXCLUSIVE_PORT (= 1).
 */
function exclusivePort(uws: Uws): number {
  return (uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number }).LIBUS_LISTEN_EXCLUSIVE_PORT ?? 1;
}

export function statusLine(status: number): string {
  return STATUS_LINES[status] ?? `${status} Error`;
}

class UwsExchange implements Exchange {
  constructor(private readonly res: HttpResponse) {}

  onAborted(handler: () => void): void {
    this.res.onAborted(handler);
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.res.onData((chunk, isLast) => handler(new Uint8Array(chunk), isLast));
  }

  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  respond(status: number, body: string, options: ResponseOptions): void {
    const res = this.res;
    res.cork(() => {
      res.writeStatus(statusLine(status));
      res.writeHeader('content-type', options.contentType);
      if (options.retryAfter !== null) res.writeHeader('retry-after', options.retryAfter);
      res.end(body, options.close);
    });
  }
}

class UwsHead implements RequestHead {
  constructor(private readonly req: HttpRequest) {}

  header(name: string): string {
    return this.req.getHeader(name);
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
    const { stream, streamOptions } = routes;
    const connectionOf = (ws: WebSocket<Slot<UserData>>): UwsConnection<UserData> => {
      const slot = ws.getUserData();
      slot.connection ??= new UwsConnection(ws as unknown as WebSocket<UserData>, slot.data);
      return slot.connection;
    };
    let app = uws
      .App()
      .post('/logpush', (res, req) => routes.upload('logpush', new UwsHead(req), new UwsExchange(res)))
      .post('/events', (res, req) => routes.upload('events', new UwsHead(req), new UwsExchange(res)))
      .ws<Slot<UserData>>('/stream', {
        maxPayloadLength: streamOptions.max_message_bytes,
        maxBackpressure: streamOptions.max_backpressure_bytes,
        idleTimeout: streamOptions.idle_timeout_s,
        sendPingsAutomatically: true,
        upgrade: (res, req, context) => {
          const decision = stream.upgrade(new UwsHead(req));
          if ('refuse' in decision) {
            const { status, body, retryAfter } = decision.refuse;
            new UwsExchange(res).respond(status, body, { contentType: 'application/json', retryAfter, close: true });
            return;
          }
          const slot: Slot<UserData> = { data: decision.accept, connection: null };
          res.upgrade(slot, req.getHeader('sec-websocket-key'), req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
        },
        open: (ws) => stream.open(connectionOf(ws)),
        message: (ws, message) => stream.message(connectionOf(ws), new Uint8Array(message)),
        close: (ws) => stream.close(connectionOf(ws)),
      });
    for (const [path, handler] of Object.entries(routes.get)) app = app.get(path, (res) => handler(new UwsExchange(res)));
    this.app = app.any('/*', (res) => routes.notFound(new UwsExchange(res)));
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
    // Closes every socket of the app (uploads in flight see onAborted).
    this.app.close();
  }
}
