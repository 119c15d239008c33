/**
 * The transport on node:http, where no uWebSockets.js build loads. `write` follows the stream's
 * own signal: false once the socket's buffer passed its high-water mark, `onWritable` on 'drain'.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Reply, RequestHandler, RequestHead, ServerTransport } from './transport.js';

class NodeHead implements RequestHead {
  readonly method: string;
  readonly path: string;
  readonly query: string;

  constructor(private readonly req: IncomingMessage) {
    this.method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    this.path = mark === -1 ? url : url.slice(0, mark);
    this.query = mark === -1 ? '' : url.slice(mark + 1);
  }

  header(name: string): string {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : (value ?? '');
  }
}

class NodeReply implements Reply {
  aborted = false;
  private abortHandler: (() => void) | undefined;
  private writableHandler: (() => void) | undefined;
  private finished = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => {
      if (this.finished) return;
      this.aborted = true;
      this.abortHandler?.();
    });
    res.on('drain', () => this.writableHandler?.());
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  readBody(max_bytes: number, done: (body: Buffer | null) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const declared = Number(this.req.headers['content-length']);
    if (Number.isFinite(declared) && declared > max_bytes) {
      done(null);
      return;
    }
    this.req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > max_bytes) {
        over = true;
        done(null);
        return;
      }
      chunks.push(chunk);
    });
    this.req.on('end', () => {
      if (!over) done(Buffer.concat(chunks, size));
    });
  }

  respond(status: number, contentType: string, body: string, retryAfter?: string, close = false): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    const headers: Record<string, string> = { 'content-type': contentType };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    if (close) headers.connection = 'close';
    this.res.writeHead(status, headers);
    this.res.end(body);
    if (close) this.res.once('finish', () => this.req.socket.destroy());
  }

  begin(status: number, contentType: string): void {
    if (this.aborted) return;
    this.res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
    // Headers leave with the first line, not on their own.
  }

  write(chunk: string): boolean {
    if (this.aborted || this.finished) return true;
    return this.res.write(chunk);
  }

  onWritable(handler: () => void): void {
    this.writableHandler = handler;
  }

  end(): void {
    if (this.aborted || this.finished) return;
    this.finished = true;
    this.res.end();
  }

  close(): void {
    if (this.finished && this.aborted) return;
    this.finished = true;
    this.aborted = true;
    this.res.destroy();
  }

  cork(writes: () => void): void {
    if (this.aborted) return;
    this.res.cork();
    try {
      writes();
    } finally {
      process.nextTick(() => this.res.uncork());
    }
  }
}

export class NodeTransport implements ServerTransport {
  readonly implementation = 'node:http' as const;
  private readonly server: Server;

  constructor(handler: RequestHandler) {
    this.server = createServer((req, res) => {
      const reply = new NodeReply(req, res);
      handler(new NodeHead(req), reply);
    });
    // Streams stay open for hours: no request timeout (the default 300 s would cut them).
    this.server.requestTimeout = 0;
  }

  listen(host: string, port: number): Promise<number | null> {
    return new Promise((resolve) => {
      const onError = (): void => resolve(null);
      this.server.once('error', onError);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off('error', onError);
        const address = this.server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : null);
      });
    });
  }

  stopListening(): void {
    this.server.close();
  }

  closeConnections(): void {
    this.server.closeAllConnections();
  }
}
