/**
 * The HTTP/WebSocket surface botsieve's servers (ingest, the decision service) are written
 * against, with two implementations: uWebSockets.js (the fast path, on the Node majors and
 * platforms a build loads on) and node:http with `ws` (everywhere else). The servers route,
 * admit and answer once against these interfaces; the transports only move bytes.
 *
 * Contract both implementations keep (transport.test.ts checks it on both, over real sockets):
 * - A handler reads the request head synchronously (uWS invalidates it after the call). The
 *   transport watches for the client going away from the start, so `onAborted` may be set at any
 *   time, but before anything asynchronous is the rule (a handler replaces the previous one).
 * - Body chunks are views valid only during the `onData` call; the last call has `isLast` true
 *   (possibly with an empty chunk). `readBody` collects copies up to a bound instead.
 * - `respond` writes a whole response once; `close` also ends the connection, required whenever
 *   the body was not read to its end. A streamed answer is `begin`, `write`s, then `end`:
 *   `write` returns false when the chunk could not be handed on at once (it is kept; write
 *   nothing more) and `onWritable` fires once it left.
 * - Once the exchange was answered, aborted or closed, every method is a no-op, and `onAborted`
 *   fires only for an exchange that was neither answered nor closed by the server.
 * - A WebSocket connection's `send` returns false when the message was dropped (over the route's
 *   `max_backpressure_bytes`); `bufferedAmount` tells what the client has not read yet.
 */

export type ServerImplementation = 'uwebsockets.js' | 'node:http';

/** The request line and headers, valid only during the handler. */
export interface RequestHead {
  /** Upper case (`GET`). */
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  /** The raw query string, without `?`; '' when absent. */
  readonly query: string;
  /** Header value by lower-case name; '' when absent. */
  header(name: string): string;
}

export interface ResponseOptions {
  contentType: string;
  /** Retry-After header value, or null. */
  retryAfter: string | null;
  /** End the connection with the response (the request body was not read to its end). */
  close: boolean;
}

/** One HTTP request being answered. */
export interface Exchange {
  /** True once the client went away or the server closed the connection. */
  readonly aborted: boolean;
  /** Called once when the client goes away before the answer ended. */
  onAborted(handler: () => void): void;
  /** Streams the body: views valid only during the call; the last has `isLast` true. */
  onData(handler: (chunk: Uint8Array, isLast: boolean) => void): void;
  /** Stop reading the body (backpressure) until `resume`. */
  pause(): void;
  resume(): void;
  /** Reads the whole body; `done(null)` as soon as it passes `max_bytes` (answer with `close` then). */
  readBody(max_bytes: number, done: (body: Buffer | null) => void): void;
  /** A whole answer. */
  respond(status: number, body: string, options: ResponseOptions): void;
  /** Starts a streamed (chunked, never cached) answer. */
  begin(status: number, contentType: string): void;
  /** Writes a chunk of a streamed answer; false: wait for `onWritable` before the next. */
  write(chunk: string): boolean;
  onWritable(handler: () => void): void;
  /** Ends a streamed answer. */
  end(): void;
  /** Closes the connection at once (a cut); `onAborted` does not fire for it. */
  close(): void;
  /** Runs `writes` so that they leave in as few syscalls as the transport allows (required after an await on uWS). */
  cork(writes: () => void): void;
}

export type HttpHandler = (head: RequestHead, exchange: Exchange) => void;

export interface HttpRoute {
  /** Upper case. */
  method: string;
  /** Exact path, no pattern. */
  path: string;
  handle: HttpHandler;
}

/** One accepted WebSocket. */
export interface StreamConnection<UserData> {
  readonly data: UserData;
  /** Sends a text message; false when the transport dropped it. */
  send(message: string): boolean;
  /** Bytes queued towards the client and not yet written. */
  bufferedAmount(): number;
  /** Closes with a code and reason (after queued messages). */
  end(code: number, reason: string): void;
  /** Runs `writes` so that their sends leave in as few syscalls as the transport allows. */
  cork(writes: () => void): void;
}

/** How a refused upgrade is answered (the connection is closed with it). */
export interface Refusal {
  status: number;
  body: string;
  contentType: string;
  retryAfter: string | null;
}

export interface StreamHandlers<UserData> {
  /** Accepts (with the socket's user data) or refuses an upgrade; synchronous: the head is valid only now. */
  upgrade(head: RequestHead): { accept: UserData } | { refuse: Refusal };
  open(connection: StreamConnection<UserData>): void;
  /** One message; the view is valid only during the call. */
  message(connection: StreamConnection<UserData>, message: Uint8Array): void;
  close(connection: StreamConnection<UserData>): void;
}

export interface StreamOptions {
  max_message_bytes: number;
  /** Over this many unread bytes a message is dropped (`send` returns false). */
  max_backpressure_bytes: number;
  /** Seconds without traffic before a socket is closed; 0 disables. Pings keep live clients open. */
  idle_timeout_s: number;
}

export interface WebSocketRoute<UserData> {
  /** Exact path; a plain (not upgrade) request to it goes to the HTTP routes. */
  path: string;
  handlers: StreamHandlers<UserData>;
  options: StreamOptions;
}

export interface Routes<UserData = never> {
  http: readonly HttpRoute[];
  /** Every request no route matches (method and path). */
  notFound: HttpHandler;
  websockets?: ReadonlyArray<WebSocketRoute<UserData>>;
}

export interface HttpTransport {
  readonly implementation: ServerImplementation;
  /** Listens exclusively on host:port; resolves the bound port, or null when it cannot. */
  listen(host: string, port: number): Promise<number | null>;
  /** Stops accepting connections; open ones stay (idle keep-alive ones too). */
  stopListening(): void;
  /** Closes every connection at once (exchanges in flight see onAborted). */
  closeConnections(): void;
}
