/**
 * The transport on node:http and `ws`: the fallback where no uWebSockets.js build loads (Node 24
 * on glibc < 2.38, other platforms), or when a server's `http_server` asks for it. Same contract
 * as the uWS transport; the differences are absorbed here:
 * - stopListening closes only the listen socket (net.Server#close): node:http's own close() would
 *   also close idle keep-alive connections, which uWS keeps until closeConnections.
 * - No request timeout of node:http's own (its 300 s default would cut honest slow uploads and
 *   hours-long streamed answers): the servers time out what they must themselves.
 * - `write` follows the stream's own signal: false once the socket's buffer passed its high-water
 *   mark, `onWritable` on 'drain'.
 * - WebSocket idle timeout and pings (uWS does both natively) run on one interval per route.
 * - A response that ends the connection half-closes it once written and destroys it after a grace
 *   period, so a client still sending its body reads the answer before the reset.
 * - An upgrade request that no WebSocket route takes is answered by the HTTP routes (as uWS
 *   does), then its connection is closed.
 */
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { Router, readBody, splitTarget, statusText } from './common.js';
import type { Exchange, HttpTransport, RequestHead, ResponseOptions, Routes, StreamConnection, WebSocketRoute } from './transport.js';

const EMPTY = new Uint8Array(0);
/** How long a connection answered with `close` may stay half-closed before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

class NodeHead implements RequestHead {
  readonly method: string;
  readonly path: string;
  readonly query: string;

  constructor(private readonly req: IncomingMessage) {
    this.method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url ?? '/');
    this.path = path;
    this.query = query;
  }

  header(name: string): string {
    const value = this.req.headers[name];
    if (typeof value === 'string') return value;
    return Array.isArray(value) ? value.join(', ') : '';
  }
}

class NodeExchange implements Exchange {
  aborted = false;
  /** Answered (respond, end) or closed. */
  private done = false;
  private abortHandler: (() => void) | null = null;
  private writableHandler: (() => void) | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => {
      if (this.done || this.aborted) return;
      this.aborted = true;
      this.abortHandler?.();
    });
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.req.on('data', (chunk: Buffer) => handler(chunk, false));
    this.req.on('end', () => handler(EMPTY, true));
  }

  pause(): void {
    if (!this.aborted && !this.done) this.req.pause();
  }

  resume(): void {
    if (!this.aborted && !this.done) this.req.resume();
  }

  readBody(max_bytes: number, done: (body: Buffer | null) => void): void {
    readBody(this, max_bytes, done);
  }

  respond(status: number, body: string, options: ResponseOptions): void {
    if (this.aborted || this.done) return;
    this.done = true;
    const headers: Record<string, string | number> = { 'content-type': options.contentType, 'content-length': Buffer.byteLength(body) };
    if (options.retryAfter !== null) headers['retry-after'] = options.retryAfter;
    if (options.close) headers.connection = 'close';
    this.res.writeHead(status, statusText(status), headers);
    this.res.end(body);
    if (options.close) closeAfter(this.req, this.res);
  }

  begin(status: number, contentType: string): void {
    if (this.aborted || this.done) return;
    // Headers leave with the first chunk, not on their own.
    this.res.writeHead(status, statusText(status), { 'content-type': contentType, 'cache-control': 'no-store' });
  }

  write(chunk: string): boolean {
    if (this.aborted || this.done) return true;
    return this.res.write(chunk);
  }

  onWritable(handler: () => void): void {
    if (this.writableHandler === null) this.res.on('drain', () => this.writableHandler?.());
    this.writableHandler = handler;
  }

  end(): void {
    if (this.aborted || this.done) return;
    this.done = true;
    this.res.end();
  }

  close(): void {
    if (this.aborted) return;
    this.done = true;
    this.aborted = true;
    this.res.destroy();
  }

  /**
   * No cork on node:http: on Node 22 a response corked while `write` returns false never emits
   * 'drain' (16 MiB streamed in 64 KiB writes stalled after the second refusal; Node 20 drained all
   * 256), so a streamed answer would hang. node:http already sends the writes of one tick together.
   */
  cork(writes: () => void): void {
    writes();
  }
}

/** Half-closes the connection once the response was written; destroys it after the grace period. */
function closeAfter(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  req.pause();
  res.once('finish', () => {
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  });
}

class NodeConnection<UserData> implements StreamConnection<UserData> {
  lastActivity = Date.now();

  constructor(
    readonly ws: WebSocket,
    readonly data: UserData,
    private readonly maxBackpressure: number,
  ) {}

  send(message: string): boolean {
    if (this.ws.bufferedAmount > this.maxBackpressure) return false;
    this.ws.send(message);
    return true;
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  end(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  cork(writes: () => void): void {
    writes();
  }
}

/** One WebSocket route: its `ws` server (its own payload limit), its sockets, its idle sweep. */
class NodeWebSocketRoute<UserData> {
  readonly server: WebSocketServer;
  readonly connections = new Set<NodeConnection<UserData>>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(readonly route: WebSocketRoute<UserData>) {
    this.server = new WebSocketServer({ noServer: true, maxPayload: route.options.max_message_bytes, perMessageDeflate: false, clientTracking: false });
    const idle_ms = route.options.idle_timeout_s * 1_000;
    if (idle_ms > 0) {
      this.idleTimer = setInterval(() => this.sweepIdle(idle_ms), Math.max(1_000, idle_ms / 4));
      this.idleTimer.unref();
    }
  }

  accept(req: IncomingMessage, socket: Duplex, head: Buffer, data: UserData): void {
    const { handlers, options } = this.route;
    this.server.handleUpgrade(req, socket, head, (ws) => {
      const connection = new NodeConnection(ws, data, options.max_backpressure_bytes);
      this.connections.add(connection);
      ws.on('message', (message: RawData) => {
        connection.lastActivity = Date.now();
        handlers.message(connection, toBytes(message));
      });
      ws.on('pong', () => {
        connection.lastActivity = Date.now();
      });
      ws.on('close', () => {
        this.connections.delete(connection);
        handlers.close(connection);
      });
      ws.on('error', () => {
        // 'close' follows; the handlers settle the socket there.
      });
      handlers.open(connection);
    });
  }

  close(): void {
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
  }

  /** Pings sockets idle for half the timeout; closes those idle for all of it (as uWS does). */
  private sweepIdle(timeout_ms: number): void {
    const now = Date.now();
    for (const connection of this.connections) {
      const idle = now - connection.lastActivity;
      if (idle >= timeout_ms) connection.ws.terminate();
      else if (idle >= timeout_ms / 2) connection.ws.ping();
    }
  }
}

export class NodeTransport<UserData> implements HttpTransport {
  readonly implementation = 'node:http' as const;
  private readonly server: Server;
  private readonly router: Router;
  private readonly webSockets = new Map<string, NodeWebSocketRoute<UserData>>();

  constructor(routes: Routes<UserData>) {
    this.router = new Router(routes as Routes<unknown>);
    this.server = createServer({ requestTimeout: 0 }, (req, res) => {
      const head = new NodeHead(req);
      this.router.find(head.method, head.path)(head, new NodeExchange(req, res));
    });
    for (const route of routes.websockets ?? []) this.webSockets.set(route.path, new NodeWebSocketRoute(route));
    // Without an 'upgrade' listener node:http hands upgrade requests to the request handler.
    if (this.webSockets.size > 0) this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
  }

  listen(host: string, port: number): Promise<number | null> {
    return new Promise((resolve) => {
      const failed = () => resolve(null);
      this.server.once('error', failed);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', failed);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : null);
      });
    });
  }

  stopListening(): void {
    if (!this.server.listening) return;
    NetServer.prototype.close.call(this.server);
  }

  closeConnections(): void {
    for (const route of this.webSockets.values()) route.close();
    this.stopListening();
    this.server.closeAllConnections();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const requestHead = new NodeHead(req);
    const route = requestHead.method === 'GET' ? this.webSockets.get(requestHead.path) : undefined;
    if (route === undefined) {
      this.router.find(requestHead.method, requestHead.path)(requestHead, detachedExchange(req, socket));
      return;
    }
    const decision = route.route.handlers.upgrade(requestHead);
    if ('refuse' in decision) {
      const { status, body, contentType, retryAfter } = decision.refuse;
      detachedExchange(req, socket).respond(status, body, { contentType, retryAfter, close: true });
      return;
    }
    route.accept(req, socket, head, decision.accept);
  }
}

/**
 * An exchange on a socket node:http handed over for an upgrade: a ServerResponse written to it
 * directly, and the connection closed once answered (node:http no longer manages it).
 */
function detachedExchange(req: IncomingMessage, socket: Duplex): Exchange {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.once('finish', () => {
    socket.end();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  });
  return new NodeExchange(req, res);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
