/**
 * The transport on node:http and `ws`: the fallback where no uWebSockets.js build loads (Node 24
 * on glibc < 2.38, other platforms), or when `ingest.http_server` asks for it. Same contract as the
 * uWS transport; the differences are absorbed here:
 * - stopListening closes only the listen socket (net.Server#close): node:http's own close() would
 *   also close idle keep-alive connections, which uWS keeps until closeConnections.
 * - No request timeout of node:http's own (its 300 s default would cut honest slow uploads): the
 *   ingest server cuts uploads that stop making progress itself (upload_idle_timeout_ms).
 * - WebSocket idle timeout and pings (uWS does both natively) run on one interval for all sockets.
 * - A response that ends the connection half-closes it once written and destroys it after a grace
 *   period, so a client still sending its body reads the answer before the reset.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Exchange, HttpTransport, RequestHead, ResponseOptions, Routes, StreamConnection } from './transport.js';
import { statusLine } from './uws-transport.js';

const EMPTY = new Uint8Array(0);
/** How long a connection answered with `close` may stay half-closed before it is destroyed. */
const CLOSE_GRACE_MS = 2_000;

class NodeHead implements RequestHead {
  constructor(private readonly req: IncomingMessage) {}

  header(name: string): string {
    const value = this.req.headers[name];
    if (typeof value === 'string') return value;
    return Array.isArray(value) ? value.join(', ') : '';
  }
}

class NodeExchange implements Exchange {
  private responded = false;
  private aborted: (() => void) | null = null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => {
      if (!this.responded) this.aborted?.();
    });
  }

  onAborted(handler: () => void): void {
    this.aborted = handler;
  }

  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void {
    this.req.on('data', (chunk: Buffer) => handler(chunk, false));
    this.req.on('end', () => handler(EMPTY, true));
  }

  pause(): void {
    this.req.pause();
  }

  resume(): void {
    this.req.resume();
  }

  respond(status: number, body: string, options: ResponseOptions): void {
    if (this.responded) return;
    this.responded = true;
    const headers: Record<string, string | number> = { 'content-type': options.contentType, 'content-length': Buffer.byteLength(body) };
    if (options.retryAfter !== null) headers['retry-after'] = options.retryAfter;
    if (options.close) headers.connection = 'close';
    const socket = this.req.socket;
    this.res.writeHead(status, statusLine(status).slice(4), headers);
    this.res.end(body);
    if (!options.close) return;
    this.req.pause();
    this.res.once('finish', () => {
      socket.end();
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    });
  }
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

export class NodeTransport<UserData> implements HttpTransport {
  readonly implementation = 'node:http' as const;
  private readonly server: Server;
  private readonly sockets: WebSocketServer;
  private readonly connections = new Set<NodeConnection<UserData>>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly routes: Routes<UserData>) {
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.request(req, res));
    this.sockets = new WebSocketServer({ noServer: true, maxPayload: routes.streamOptions.max_message_bytes, perMessageDeflate: false, clientTracking: false });
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    const idle_s = routes.streamOptions.idle_timeout_s;
    if (idle_s > 0) {
      this.idleTimer = setInterval(() => this.sweepIdle(idle_s * 1_000), Math.max(1_000, (idle_s * 1_000) / 4));
      this.idleTimer.unref();
    }
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
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
    for (const connection of this.connections) connection.ws.terminate();
    this.connections.clear();
    this.stopListening();
    this.server.closeAllConnections();
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    const exchange = new NodeExchange(req, res);
    if (req.method === 'POST' && (path === '/logpush' || path === '/events')) {
      this.routes.upload(path === '/logpush' ? 'logpush' : 'events', new NodeHead(req), exchange);
      return;
    }
    const get = req.method === 'GET' ? this.routes.get[path] : undefined;
    if (get !== undefined) get(exchange);
    else this.routes.notFound(exchange);
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    if ((query === -1 ? url : url.slice(0, query)) !== '/stream') {
      refuseUpgrade(socket, 404, '{"error":"ERR_INGEST_NOT_FOUND","message":"no such route"}', null);
      return;
    }
    const { stream, streamOptions } = this.routes;
    const decision = stream.upgrade(new NodeHead(req));
    if ('refuse' in decision) {
      const { status, body, retryAfter } = decision.refuse;
      refuseUpgrade(socket, status, body, retryAfter);
      return;
    }
    this.sockets.handleUpgrade(req, socket, head, (ws) => {
      const connection = new NodeConnection(ws, decision.accept, streamOptions.max_backpressure_bytes);
      this.connections.add(connection);
      ws.on('message', (data: RawData) => {
        connection.lastActivity = Date.now();
        stream.message(connection, toBytes(data));
      });
      ws.on('pong', () => {
        connection.lastActivity = Date.now();
      });
      ws.on('close', () => {
        this.connections.delete(connection);
        stream.close(connection);
      });
      ws.on('error', () => {
        // 'close' follows; the stream endpoint settles the socket's batches there.
      });
      stream.open(connection);
    });
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

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

function refuseUpgrade(socket: Duplex, status: number, body: string, retryAfter: string | null): void {
  const lines = [`HTTP/1.1 ${statusLine(status)}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`, 'connection: close'];
  if (retryAfter !== null) lines.push(`retry-after: ${retryAfter}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
  setTimeout(() => (socket as Socket).destroy(), CLOSE_GRACE_MS).unref();
}
